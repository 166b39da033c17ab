"""SMTP delivery with TLS on by default: ``smtp+starttls://``, ``smtps://`` and local ``smtp://``.

Security rules, all enforced here rather than left to configuration:

* Certificates and host names are always verified (``ssl.create_default_context()``). A test
  or a private CA is trusted by naming its certificate (``cafile``), never by switching
  verification off.
* ``starttls`` *requires* STARTTLS: a server (or a man in the middle) that does not offer it
  gets an error, not a silent downgrade to plain text.
* ``plain`` (no TLS) is for a relay on the same machine; :func:`bastion.mail.url` refuses it
  for any other host unless the URL says ``?insecure=true``.
* Every socket operation has a timeout, so a stuck server cannot hang a request worker.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from typing import Literal

from bastion.mail.backends.base import Mailer, MailError
from bastion.mail.message import EmailMessage

__all__ = ["SMTPMailer", "Security"]

Security = Literal["plain", "starttls", "tls"]


class SMTPMailer(Mailer):
    """Sends each batch over one SMTP connection, opened by ``send()`` and closed after it.

    Args:
        host, port: the server.
        security: ``"starttls"`` (upgrade required), ``"tls"`` (implicit TLS, port 465) or
            ``"plain"`` (no encryption; the URL parser only allows it for loopback hosts).
        username, password: AUTH credentials; sent only after TLS unless ``security`` is
            ``"plain"``.
        timeout: seconds for connecting and for each server reply.
        cafile: a PEM file of extra trusted certificates (a private CA or a test server's
            self-signed certificate); verification itself stays on.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        cafile: str | None = None,
    ) -> None:
        if security not in ("plain", "starttls", "tls"):
            raise ValueError(f"Unknown SMTP security mode {security!r}.")
        if timeout <= 0:
            raise ValueError("The SMTP timeout must be positive.")
        self.host = host
        self.port = port
        self.security: Security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self.cafile = cafile

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying client context (plus ``cafile`` when given), TLS 1.2 at least."""
        context = ssl.create_default_context(cafile=self.cafile)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def _connect(self) -> smtplib.SMTP:
        connection: smtplib.SMTP
        if self.security == "tls":
            connection = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.ssl_context()
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                connection.ehlo()
                # Raises SMTPNotSupportedError when STARTTLS is not offered: no downgrade.
                connection.starttls(context=self.ssl_context())
                connection.ehlo()
            if self.username is not None:
                connection.login(self.username, self._password or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, messages: Iterable[EmailMessage]) -> int:
        batch = [message for message in messages if message.recipients()]
        if not batch:
            return 0
        sent = 0
        try:
            connection = self._connect()
            try:
                for message in batch:
                    connection.send_message(
                        message.message(),
                        from_addr=message.from_email.addr_spec,
                        to_addrs=message.recipients(),
                    )
                    sent += 1
            finally:
                try:
                    connection.quit()
                except (smtplib.SMTPException, OSError):
                    connection.close()
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"{self._where()} refused the credentials.", sent=sent) from exc
        except ssl.SSLCertVerificationError as exc:
            raise MailError(
                f"{self._where()} presented a certificate that does not verify: "
                f"{exc.verify_message}.",
                sent=sent,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            if _timed_out(exc):
                raise MailError(
                    f"{self._where()} did not answer within {self.timeout:g} s.", sent=sent
                ) from exc
            raise MailError(f"{self._where()} failed: {exc}", sent=sent) from exc
        return sent

    def _where(self) -> str:
        return f"SMTP server {self.host}:{self.port} ({self.security})"

    def __repr__(self) -> str:
        user = f" as {self.username!r}" if self.username is not None else ""
        return f"<SMTPMailer {self.host}:{self.port} {self.security}{user}>"


def _timed_out(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised while handling, a socket timeout.

    smtplib turns a timeout while reading a reply into SMTPServerDisconnected, keeping the
    TimeoutError only as the context.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
