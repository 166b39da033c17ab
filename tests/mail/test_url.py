"""EMAIL_URL parsing: every form, and errors that say what to change without the password."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.mail import (
    ConsoleMailer,
    FileMailer,
    MemoryMailer,
    SMTPMailer,
    mailer_from_url,
    redact_url,
)


def smtp(url: str) -> SMTPMailer:
    mailer = mailer_from_url(url)
    assert isinstance(mailer, SMTPMailer)
    return mailer


def test_starttls_url_with_encoded_credentials() -> None:
    mailer = smtp("smtp+starttls://me%40example.com:p%3Ass%2Fw%40rd@smtp.example.com:2587")
    assert (mailer.host, mailer.port, mailer.security) == ("smtp.example.com", 2587, "starttls")
    assert mailer.username == "me@example.com"
    assert mailer._password == "p:ss/w@rd"
    assert mailer.timeout == 10


@pytest.mark.parametrize(
    ("url", "security", "port"),
    [
        ("smtp+starttls://smtp.example.com", "starttls", 587),
        ("smtps://smtp.example.com", "tls", 465),
        ("SMTPS://smtp.example.com", "tls", 465),
        ("smtp://localhost", "plain", 25),
        ("smtp://127.0.0.1:1025", "plain", 1025),
        ("smtp://[::1]:2525", "plain", 2525),
        ("smtp://relay.internal?insecure=true", "plain", 25),
    ],
)
def test_smtp_forms(url: str, security: str, port: int) -> None:
    mailer = smtp(url)
    assert (mailer.security, mailer.port) == (security, port)


def test_options(tmp_path: Path) -> None:
    cafile = tmp_path / "ca.pem"
    cafile.write_text("")
    mailer = smtp(f"smtps://smtp.example.com?timeout=2.5&cafile={cafile}")
    assert mailer.timeout == 2.5
    assert mailer.cafile == str(cafile)


def test_other_backends(tmp_path: Path) -> None:
    assert isinstance(mailer_from_url("console://"), ConsoleMailer)
    assert mailer_from_url("console://?stream=stdout").stream is sys.stdout  # type: ignore[attr-defined]
    assert isinstance(mailer_from_url("memory://"), MemoryMailer)
    assert isinstance(mailer_from_url("locmem://"), MemoryMailer)
    mailer = mailer_from_url(f"file://{tmp_path}/out%20box")
    assert isinstance(mailer, FileMailer)
    assert mailer.directory == tmp_path / "out box"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("smtp://smtp.example.com", "only allowed to localhost"),
        ("smtp://127.0.0.1.evil.com", "only allowed to localhost"),
        ("smtp://smtp.example.com?insecure=maybe", "true or false"),
        ("smtps://smtp.example.com?insecure=true", "unknown option 'insecure'"),
        ("smtps://smtp.example.com?verify=false", "unknown option 'verify'"),
        ("smtps://smtp.example.com?timeout=0", "timeout"),
        ("smtps://smtp.example.com?timeout=nan", "timeout"),
        ("smtps://smtp.example.com?timeout=1&timeout=2", "twice"),
        ("smtps://smtp.example.com?cafile=/nonexistent.pem", "cafile"),
        ("smtps://smtp.example.com:99999", "port"),
        ("smtps://smtp.example.com/path", "no path"),
        ("smtps://", "needs a host"),
        ("smtps://:secret@smtp.example.com", "user name"),
        ("console://somewhere", "console://"),
        ("console://?stream=file", "console://"),
        ("memory://x", "nothing after it"),
        ("memory://?a=b", "unknown option"),
        ("file://relative/dir", "absolute directory"),
        ("file://u:secret@/tmp", "no credentials"),
        ("sendmail://", "unknown scheme"),
        ("", "unknown scheme"),
    ],
)
def test_errors_say_what_to_change(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message) as caught:
        mailer_from_url(url)
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "smtp://user:hunter2@smtp.example.com",
        "smtps://user:hunter2@smtp.example.com:99999",
        "smtps://user:hunter2@smtp.example.com?bogus=1",
        "smtps://user:hunter2@smtp.example.com?timeout=x",
    ],
)
def test_errors_never_echo_the_password(url: str) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        mailer_from_url(url)
    assert "hunter2" not in str(caught.value)
    assert "user:***@smtp.example.com" in str(caught.value)


def test_redact_url() -> None:
    assert redact_url("smtps://u:p@h:465?x=1") == "smtps://u:***@h:465?x=1"
    assert redact_url("smtps://h") == "smtps://h"
    assert redact_url("smtps://[::1") == "<unparseable URL>"
