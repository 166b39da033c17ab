"""console:// writes messages, as sent, to a stream (stderr by default)."""

from __future__ import annotations

import io

import pytest

from bastion.mail import ConsoleMailer, EmailMessage


def msg(subject: str = "Hello") -> EmailMessage:
    return EmailMessage(subject, "Body line.", "app@example.com", ["ann@example.com"])


def test_writes_each_message_with_a_separator() -> None:
    stream = io.StringIO()
    assert ConsoleMailer(stream).send([msg("One"), msg("Two")]) == 2
    out = stream.getvalue()
    assert "Subject: One\n" in out
    assert "Subject: Two\n" in out
    assert "Body line." in out
    assert "\r" not in out
    assert out.count("-" * 79) == 2


def test_default_stream_is_stderr_at_send_time(capsys: pytest.CaptureFixture[str]) -> None:
    mailer = ConsoleMailer()
    mailer.send([msg()])
    captured = capsys.readouterr()
    assert "Subject: Hello" in captured.err
    assert captured.out == ""
    assert repr(mailer) == "<ConsoleMailer>"


def test_messages_without_recipients_are_skipped() -> None:
    stream = io.StringIO()
    empty = EmailMessage("s", "b", "app@example.com")
    assert ConsoleMailer(stream).send([empty]) == 0
    assert stream.getvalue() == ""
