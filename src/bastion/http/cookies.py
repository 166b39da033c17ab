"""Cookies: lenient parsing of what browsers send, strict building of what we send.

Parsing never raises: a malformed pair in the ``Cookie`` header is skipped, because one bad
cookie set by another application on the same domain must not break every request.
Building refuses anything that could inject attributes, and defaults to ``Secure``,
``HttpOnly`` and ``SameSite=Lax``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Literal

__all__ = ["SameSite", "format_set_cookie", "parse_cookie_header"]

SameSite = Literal["Strict", "Lax", "None"]

_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 6265 cookie-octet: no CTLs, whitespace, DQUOTE, comma, semicolon or backslash.
_VALUE = re.compile(r"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*")
_ATTRIBUTE_VALUE = re.compile(r"[\x20-\x3A\x3C-\x7E]*")


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header into a dict; the first occurrence of a name wins.

    The first wins because browsers send the most specific (longest path) cookie first.
    """
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        name, sep, value = chunk.partition("=")
        if not sep:
            continue
        name = name.strip()
        if not name or name in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        cookies[name] = value
    return cookies


def format_set_cookie(
    name: str,
    value: str,
    *,
    max_age: int | timedelta | None = None,
    expires: datetime | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = True,
    httponly: bool = True,
    samesite: SameSite | None = "Lax",
    partitioned: bool = False,
) -> str:
    """Return the value of a ``Set-Cookie`` header, refusing unsafe input.

    Raises:
        ValueError: the name is not a token, the value holds characters a cookie cannot carry
            (encode it, for example by signing it), an attribute holds ``;`` or a control
            character, or the ``__Host-``/``__Secure-`` prefix rules or ``SameSite=None``
            without ``Secure`` are broken.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"Cookie name {name!r} is not a valid token.")
    if not _VALUE.fullmatch(value):
        raise ValueError(
            f"Cookie {name!r} has a value with characters a cookie cannot carry "
            "(space, quote, comma, semicolon, backslash or control); encode it first."
        )
    for label, attribute in (("path", path), ("domain", domain)):
        if attribute is not None and not _ATTRIBUTE_VALUE.fullmatch(attribute):
            raise ValueError(f"Cookie {name!r} has an invalid {label} {attribute!r}.")
    if samesite is not None and samesite not in ("Strict", "Lax", "None"):
        raise ValueError("samesite must be 'Strict', 'Lax', 'None' or None.")
    if samesite == "None" and not secure:
        raise ValueError("SameSite=None cookies must be Secure; browsers refuse them otherwise.")
    if name.startswith("__Host-") and (not secure or path != "/" or domain is not None):
        raise ValueError("__Host- cookies need secure=True, path='/' and no domain.")
    if name.startswith("__Secure-") and not secure:
        raise ValueError("__Secure- cookies need secure=True.")

    parts = [f"{name}={value}"]
    if max_age is not None:
        seconds = int(max_age.total_seconds()) if isinstance(max_age, timedelta) else max_age
        parts.append(f"Max-Age={max(seconds, 0)}")
        if expires is None:
            expires = datetime.now(UTC) + timedelta(seconds=max(seconds, 0))
    if expires is not None:
        if expires.tzinfo is None:
            raise ValueError("expires must be timezone-aware.")
        parts.append(f"Expires={format_datetime(expires.astimezone(UTC), usegmt=True)}")
    if domain is not None:
        parts.append(f"Domain={domain}")
    if path is not None:
        parts.append(f"Path={path}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        parts.append(f"SameSite={samesite}")
    if partitioned:
        parts.append("Partitioned")
    return "; ".join(parts)
