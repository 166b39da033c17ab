"""The SMTP backend against real aiosmtpd servers: plain, STARTTLS, implicit TLS, AUTH."""

from __future__ import annotations

import email
import email.policy
import time
from email.message import EmailMessage as StdMessage
from urllib.parse import quote

import pytest

from bastion.mail import Attachment, EmailMessage, MailError, SMTPMailer, mailer_from_url

from .conftest import HOST, PASSWORD, USER, Certs, Server


def message(**overrides: object) -> EmailMessage:
    fields: dict[str, object] = {
        "subject": "Grüße aus Köln ✉",
        "body": "Plain text body.\n",
        "from_email": "Zoë Example <app@example.com>",
        "to": ["Ann <ann@example.com>"],
        "bcc": ["hidden@example.com"],
        "html": "<p>HTML body</p>",
        "attachments": [Attachment("report.pdf", b"%PDF-1.7 fake", "application/pdf")],
    }
    fields.update(overrides)
    return EmailMessage(**fields)  # type: ignore[arg-type]


def parse(content: bytes) -> StdMessage:
    parsed = email.message_from_bytes(content, policy=email.policy.default)
    assert isinstance(parsed, StdMessage)
    return parsed


def credentials() -> str:
    return f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}"


def test_plain_smtp_to_localhost_delivers_every_part(plain_server: Server) -> None:
    mailer = mailer_from_url(f"smtp://{HOST}:{plain_server.port}")
    assert mailer.send([message()]) == 1

    [received] = plain_server.sink.messages
    assert received.mail_from == "app@example.com"
    assert received.rcpt_tos == ["ann@example.com", "hidden@example.com"]
    parsed = parse(received.content)
    assert parsed["Subject"] == "Grüße aus Köln ✉"
    assert parsed["From"].addresses[0].display_name == "Zoë Example"
    assert "Bcc" not in parsed
    assert parsed["Message-ID"].endswith("@example.com>")
    assert parsed["Date"].datetime is not None
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None
    assert text.get_content().splitlines() == ["Plain text body."]
    assert html is not None
    assert html.get_content().strip() == "<p>HTML body</p>"
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == "report.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.7 fake"


def test_several_messages_share_one_connection(plain_server: Server) -> None:
    mailer = mailer_from_url(f"smtp://{HOST}:{plain_server.port}")
    sent = mailer.send([message(subject=f"n{i}", bcc=()) for i in range(3)])
    assert sent == 3
    assert [parse(m.content)["Subject"] for m in plain_server.sink.messages] == ["n0", "n1", "n2"]


def test_messages_without_recipients_are_skipped(plain_server: Server) -> None:
    mailer = mailer_from_url(f"smtp://{HOST}:{plain_server.port}")
    assert mailer.send([message(to=(), bcc=())]) == 0
    assert plain_server.sink.messages == []


def test_starttls_with_auth_delivers(starttls_server: Server, certs: Certs) -> None:
    url = f"smtp+starttls://{credentials()}@{HOST}:{starttls_server.port}?cafile={certs.cafile}"
    with mailer_from_url(url) as mailer:
        assert mailer.send([message()]) == 1
    [received] = starttls_server.sink.messages
    assert received.login == USER.encode()
    assert parse(received.content)["Subject"] == "Grüße aus Köln ✉"


def test_starttls_by_host_name_checks_the_name(starttls_server: Server, certs: Certs) -> None:
    url = f"smtp+starttls://{credentials()}@localhost:{starttls_server.port}?cafile={certs.cafile}"
    assert mailer_from_url(url).send([message()]) == 1


def test_implicit_tls_with_auth_delivers(tls_server: Server, certs: Certs) -> None:
    url = f"smtps://{credentials()}@{HOST}:{tls_server.port}?cafile={certs.cafile}"
    assert mailer_from_url(url).send([message()]) == 1
    [received] = tls_server.sink.messages
    assert received.login == USER.encode()


def test_wrong_password_is_a_mail_error(tls_server: Server, certs: Certs) -> None:
    url = f"smtps://{USER}:wrong@{HOST}:{tls_server.port}?cafile={certs.cafile}"
    with pytest.raises(MailError, match="refused the credentials") as caught:
        mailer_from_url(url).send([message()])
    assert "wrong" not in str(caught.value)
    assert tls_server.sink.messages == []


def test_server_requiring_auth_refuses_anonymous_mail(
    starttls_server: Server, certs: Certs
) -> None:
    url = f"smtp+starttls://{HOST}:{starttls_server.port}?cafile={certs.cafile}"
    with pytest.raises(MailError, match="failed"):
        mailer_from_url(url).send([message()])
    assert starttls_server.sink.messages == []


def test_wrong_password_over_starttls(starttls_server: Server, certs: Certs) -> None:
    url = f"smtp+starttls://{USER}:nope@{HOST}:{starttls_server.port}?cafile={certs.cafile}"
    with pytest.raises(MailError, match="refused the credentials"):
        mailer_from_url(url).send([message()])


def test_untrusted_certificate_is_refused(tls_server: Server) -> None:
    # No cafile: the system store does not know the test CA.
    with pytest.raises(MailError, match="does not verify"):
        mailer_from_url(f"smtps://{HOST}:{tls_server.port}").send([message()])


def test_certificate_for_another_host_is_refused(wrong_host_server: Server, certs: Certs) -> None:
    url = f"smtps://{HOST}:{wrong_host_server.port}?cafile={certs.cafile}"
    with pytest.raises(MailError, match="does not verify"):
        mailer_from_url(url).send([message()])
    assert wrong_host_server.sink.messages == []


def test_starttls_certificate_for_another_host_is_refused(
    wrong_host_starttls_server: Server, certs: Certs
) -> None:
    url = f"smtp+starttls://{HOST}:{wrong_host_starttls_server.port}?cafile={certs.cafile}"
    with pytest.raises(MailError, match="does not verify"):
        mailer_from_url(url).send([message()])
    assert wrong_host_starttls_server.sink.messages == []


def test_starttls_is_required_not_optional(plain_server: Server, certs: Certs) -> None:
    # A server (or an attacker stripping the capability) that offers no STARTTLS.
    url = f"smtp+starttls://{credentials()}@{HOST}:{plain_server.port}?cafile={certs.cafile}"
    with pytest.raises(MailError, match="STARTTLS"):
        mailer_from_url(url).send([message()])
    assert plain_server.sink.messages == []


def test_silent_server_times_out_quickly(silent_port: int) -> None:
    mailer = mailer_from_url(f"smtp://{HOST}:{silent_port}?timeout=0.3")
    started = time.monotonic()
    with pytest.raises(MailError, match=r"did not answer within 0\.3 s"):
        mailer.send([message()])
    assert time.monotonic() - started < 3


def test_refused_connection_is_a_mail_error() -> None:
    from .conftest import free_port

    with pytest.raises(MailError, match="failed"):
        mailer_from_url(f"smtp://{HOST}:{free_port()}?timeout=2").send([message()])


def test_repr_never_shows_the_password() -> None:
    mailer = SMTPMailer("smtp.example.com", 587, username="u", password="hunter2")
    assert "hunter2" not in repr(mailer)
    assert "hunter2" not in str(vars(mailer).get("password"))


def test_constructor_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="security"):
        SMTPMailer("h", 25, security="ssl")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout"):
        SMTPMailer("h", 25, timeout=0)
