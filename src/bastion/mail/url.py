"""``EMAIL_URL`` → a mailer.

Forms (see docs/mail.md)::

    smtp+starttls://user:pass@smtp.example.com:587   STARTTLS required (default port 587)
    smtps://user:pass@smtp.example.com:465           implicit TLS (default port 465)
    smtp://localhost:25                              plain, loopback hosts only
    smtp://relay.internal:25?insecure=true           plain to another host, said out loud
    console://  console://?stream=stdout             development
    file:///var/tmp/mail                             one .eml per message
    memory://   (alias locmem://)                    tests

SMTP options: ``timeout`` (seconds, default 10), ``cafile`` (extra trusted certificates),
``insecure=true`` (``smtp://`` only). Credentials are percent-decoded. Every error says what
to change and shows the URL with its password replaced by ``***``.
"""

from __future__ import annotations

import ipaddress
import math
import sys
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from bastion.exceptions import ImproperlyConfigured
from bastion.mail.backends.base import Mailer
from bastion.mail.backends.console import ConsoleMailer
from bastion.mail.backends.file import FileMailer
from bastion.mail.backends.memory import MemoryMailer
from bastion.mail.backends.smtp import Security, SMTPMailer

__all__ = ["mailer_from_url", "redact_url"]

_SMTP: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
_SMTP_OPTIONS = {"timeout", "cafile", "insecure"}


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return parts._replace(netloc=f"{user}:***@{hostport}").geturl()


def _error(url: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"EMAIL_URL {redact_url(url)!r}: {problem}")


def _options(url: str, parts: SplitResult, allowed: set[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError as exc:
        raise _error(url, "the query string is malformed.") from exc
    for key, value in pairs:
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise _error(url, f"unknown option {key!r} (known: {known}).")
        if key in options:
            raise _error(url, f"the option {key!r} is given twice.")
        options[key] = value
    return options


def _flag(url: str, options: dict[str, str], name: str) -> bool:
    value = options.get(name, "false").lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise _error(url, f"{name} must be true or false.")
    return value in ("true", "1", "yes")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _smtp(url: str, parts: SplitResult, scheme: str) -> SMTPMailer:
    security, default_port = _SMTP[scheme]
    allowed = _SMTP_OPTIONS if security == "plain" else _SMTP_OPTIONS - {"insecure"}
    options = _options(url, parts, allowed)
    host = parts.hostname
    if not host:
        raise _error(url, "an SMTP URL needs a host, e.g. smtp+starttls://smtp.example.com.")
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise _error(url, "the port must be a number between 1 and 65535.") from exc
    if parts.path not in ("", "/"):
        raise _error(url, "an SMTP URL has no path.")
    try:
        timeout = float(options.get("timeout", "10"))
    except ValueError:
        timeout = math.nan
    if not (0 < timeout <= 600):
        raise _error(url, "timeout must be a number of seconds between 0 and 600.")
    cafile = options.get("cafile")
    if cafile is not None and not Path(cafile).is_file():
        raise _error(url, f"cafile {cafile!r} is not a readable file.")
    if security == "plain" and not _is_loopback(host) and not _flag(url, options, "insecure"):
        raise _error(
            url,
            "plain smtp:// sends mail and passwords unencrypted, so it is only allowed to "
            "localhost. Use smtp+starttls:// (port 587) or smtps:// (port 465), or add "
            "?insecure=true if the network path is trusted.",
        )
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and username is None:
        raise _error(url, "a password needs a user name.")
    return SMTPMailer(
        host,
        port,
        security=security,
        username=username,
        password=password,
        timeout=timeout,
        cafile=cafile,
    )


def mailer_from_url(url: str) -> Mailer:
    """Build the mailer an ``EMAIL_URL`` describes.

    Raises:
        ImproperlyConfigured: unknown scheme or option, bad port or timeout, a plain SMTP
            server that is not local, a relative file path... The password never appears.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise _error(url, "not a valid URL.") from exc
    scheme = parts.scheme.lower()
    if scheme in _SMTP:
        return _smtp(url, parts, scheme)
    if scheme in ("console", "memory", "locmem", "file") and (
        parts.username is not None or parts.password is not None
    ):
        raise _error(url, f"{scheme}:// takes no credentials.")
    if scheme == "console":
        stream = _options(url, parts, {"stream"}).get("stream", "stderr")
        if parts.netloc or parts.path or stream not in ("stderr", "stdout"):
            raise _error(url, "use console:// or console://?stream=stdout.")
        return ConsoleMailer(sys.stdout if stream == "stdout" else None)
    if scheme in ("memory", "locmem"):
        _options(url, parts, set())
        if parts.netloc or parts.path:
            raise _error(url, f"use {scheme}:// with nothing after it.")
        return MemoryMailer()
    if scheme == "file":
        _options(url, parts, set())
        path = unquote(parts.path)
        if parts.netloc not in ("", "localhost") or not path.startswith("/"):
            raise _error(url, "use an absolute directory, e.g. file:///var/tmp/mail.")
        return FileMailer(path)
    known = "smtp+starttls://, smtps://, smtp://, console://, file:///dir, memory://"
    raise _error(url, f"unknown scheme {parts.scheme!r}; use one of {known}.")
