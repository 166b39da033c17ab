"""memory:// keeps what was sent, per mailer, for tests."""

from __future__ import annotations

from bastion.mail import EmailMessage, MemoryMailer


def msg(to: str | tuple[str, ...] = "ann@example.com") -> EmailMessage:
    return EmailMessage("s", "b", "app@example.com", to)


def test_outbox_collects_messages_with_recipients() -> None:
    mailer = MemoryMailer()
    with mailer:
        assert mailer.send([msg(), msg(()), msg()]) == 2
    assert len(mailer.outbox) == 2
    assert repr(mailer) == "<MemoryMailer with 2 message(s)>"
    mailer.clear()
    assert mailer.outbox == []


def test_each_mailer_has_its_own_outbox() -> None:
    first, second = MemoryMailer(), MemoryMailer()
    first.send([msg()])
    assert second.outbox == []
