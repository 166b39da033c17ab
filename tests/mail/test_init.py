"""The package's one-call helper, send_mail()."""

from __future__ import annotations

import pytest

from bastion.exceptions import BadHeaderError
from bastion.mail import MemoryMailer, send_mail


def test_send_mail_builds_and_sends_one_message() -> None:
    mailer = MemoryMailer()
    sent = send_mail(
        mailer, "Welcome", "Hi.", "app@example.com", "ann@example.com", html="<p>Hi.</p>"
    )
    assert sent == 1
    [message] = mailer.outbox
    assert message.subject == "Welcome"
    assert message.html == "<p>Hi.</p>"
    assert message.recipients() == ["ann@example.com"]


def test_send_mail_refuses_injection_before_sending() -> None:
    mailer = MemoryMailer()
    with pytest.raises(BadHeaderError):
        send_mail(mailer, "Hi\r\nBcc: x@evil.com", "b", "app@example.com", ["ann@example.com"])
    assert mailer.outbox == []
