"""Sending email: messages checked against header injection, backends chosen by ``EMAIL_URL``.

>>> from bastion.mail import EmailMessage, mailer_from_url
>>> mailer = mailer_from_url("memory://")
>>> mailer.send([EmailMessage("Hi", "Hello.", "app@example.com", ["ann@example.com"])])
1

See docs/mail.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from bastion.mail.backends import (
    ConsoleMailer,
    FileMailer,
    Mailer,
    MailError,
    MemoryMailer,
    SMTPMailer,
)
from bastion.mail.message import AddressLike, Attachment, EmailMessage
from bastion.mail.url import mailer_from_url, redact_url

__all__ = [
    "AddressLike",
    "Attachment",
    "ConsoleMailer",
    "EmailMessage",
    "FileMailer",
    "MailError",
    "Mailer",
    "MemoryMailer",
    "SMTPMailer",
    "mailer_from_url",
    "redact_url",
    "send_mail",
]


def send_mail(
    mailer: Mailer,
    subject: str,
    body: str,
    from_email: AddressLike,
    to: AddressLike | Sequence[AddressLike],
    html: str | None = None,
) -> int:
    """Build one :class:`EmailMessage` and send it with ``mailer``; return 1 if it went out.

    Raises:
        BadHeaderError: the subject or an address contains a line break.
        ValidationError: an address is malformed.
        MailError: delivery failed.
    """
    return mailer.send([EmailMessage(subject, body, from_email, to, html=html)])
