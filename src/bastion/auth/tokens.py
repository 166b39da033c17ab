"""Password-reset tokens: expiring, single-use, bound to one account, checked in constant time.

A token is ``<timestamp>-<signature>``: the time it was made (seconds, base 36) and an
HMAC-SHA256, keyed by a key derived from ``SECRET_KEY``, over the user's primary key, email,
password hash, last login and that timestamp. Nothing is stored on the server:

* **expiring**: a token older than ``PASSWORD_RESET_TIMEOUT`` seconds (default one hour), or
  dated in the future, is refused;
* **single-use**: using it sets a new password, which changes the hash it was signed over;
  a login (``last_login``) or a change of address invalidates it too;
* **bound to one account**: the primary key is in the signed message, so user A's token is
  worthless for user B;
* **rotatable keys**: tokens are made with ``SECRET_KEY`` and accepted under any of
  ``SECRET_KEY_FALLBACKS`` as well, so rotating the key does not break links in flight.

Bastion has no global settings object, so the generator is built from the application's
settings::

    tokens = PasswordResetTokenGenerator.from_settings(request.settings)
    token = tokens.make_token(user)
    tokens.check_token(user, token)  # True until used, expired or the account changed

``make_token(user, settings)`` and ``check_token(user, token, settings)`` are shortcuts.
The ``uidb64`` helpers put the primary key into the link without padding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from bastion.security.signing import CLOCK_SKEW

__all__ = [
    "DEFAULT_TIMEOUT",
    "PasswordResetTokenGenerator",
    "check_token",
    "make_token",
    "uid_decode",
    "uid_encode",
    "unix_time",
]

DEFAULT_TIMEOUT = 3600
"""Seconds a token is valid when the settings do not say (``PASSWORD_RESET_TIMEOUT``)."""

_SALT = b"bastion.auth.tokens.password-reset"
_MAX_TOKEN = 100  # a real token is about 50 characters; longer input is not worth parsing
_MAX_TIMESTAMP_DIGITS = 13  # base 36: far beyond any real clock, small enough to parse cheaply
_MAX_UID = 128
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def unix_time() -> float:
    """The current Unix time (the default clock of every generator)."""
    return time.time()


def uid_encode(pk: Any) -> str:
    """``pk`` as URL-safe base 64 without ``=`` padding (``uidb64`` in the reset link)."""
    return base64.urlsafe_b64encode(str(pk).encode("utf-8")).decode("ascii").rstrip("=")


def uid_decode(uidb64: object) -> str | None:
    """The primary key text inside ``uidb64``, or None for anything malformed.

    Never raises: the value comes straight from a URL anyone can edit.
    """
    if not isinstance(uidb64, str) or not uidb64 or len(uidb64) > _MAX_UID:
        return None
    try:
        raw = base64.urlsafe_b64decode(uidb64 + "=" * (-len(uidb64) % 4))
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    if not text or not text.isprintable():
        return None
    return text


def _base36(number: int) -> str:
    if number <= 0:
        return "0"
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_DIGITS[rest])
    return "".join(reversed(digits))


def _parse_base36(text: str) -> int | None:
    if not text or len(text) > _MAX_TIMESTAMP_DIGITS or any(c not in _DIGITS for c in text):
        return None
    return int(text, 36)


def _login_stamp(value: datetime | None) -> str:
    """``last_login`` in a form that survives a database round trip.

    Databases drop microseconds (MariaDB) or the time zone (SQLite) differently, so the
    value is moved to UTC, stripped of its zone and cut to whole seconds first.
    """
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat()


class PasswordResetTokenGenerator:
    """Makes and checks reset tokens (see the module docstring).

    Args:
        secret_key: the key tokens are signed with (``SECRET_KEY``).
        fallbacks: older keys whose tokens are still accepted (``SECRET_KEY_FALLBACKS``).
        timeout: seconds a token is valid (``PASSWORD_RESET_TIMEOUT``).
        clock: returns the current Unix time; None: :func:`unix_time`, looked up on each
            call, so tests of the views can move time by monkeypatching it.
    """

    def __init__(
        self,
        secret_key: str,
        fallbacks: Iterable[str] = (),
        *,
        timeout: int = DEFAULT_TIMEOUT,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not secret_key:
            raise ValueError("A password-reset token needs a non-empty SECRET_KEY.")
        if timeout <= 0:
            raise ValueError(f"PASSWORD_RESET_TIMEOUT must be positive, got {timeout!r}.")
        self.secret_key = secret_key
        self.fallbacks = tuple(key for key in fallbacks if key)
        self.timeout = int(timeout)
        self.clock = clock

    def __repr__(self) -> str:
        return f"<PasswordResetTokenGenerator timeout={self.timeout}>"  # never the keys

    @classmethod
    def from_settings(
        cls, settings: Any, *, clock: Callable[[], float] | None = None
    ) -> PasswordResetTokenGenerator:
        """A generator with the keys and ``PASSWORD_RESET_TIMEOUT`` of ``settings``."""
        return cls(
            settings.SECRET_KEY,
            getattr(settings, "SECRET_KEY_FALLBACKS", ()),
            timeout=int(getattr(settings, "PASSWORD_RESET_TIMEOUT", DEFAULT_TIMEOUT)),
            clock=clock,
        )

    def now(self) -> int:
        """The current Unix time in whole seconds (from ``clock``, else :func:`unix_time`)."""
        return int(self.clock() if self.clock is not None else unix_time())

    def make_token(self, user: Any) -> str:
        """A token for ``user``, valid for ``timeout`` seconds from now."""
        timestamp = self.now()
        return self._token(user, timestamp, self.secret_key)

    def check_token(self, user: Any, token: object) -> bool:
        """Whether ``token`` was made for ``user`` as it is now, and has not expired.

        False (never an exception) for a malformed, tampered, expired, future-dated or
        already-used token, or for ``user`` None. The signature is compared with
        :func:`hmac.compare_digest` against every accepted key.
        """
        if user is None or not isinstance(token, str) or len(token) > _MAX_TOKEN:
            return False
        stamp_text, dash, _signature = token.partition("-")
        timestamp = _parse_base36(stamp_text) if dash else None
        if timestamp is None:
            return False
        matched = False
        for key in (self.secret_key, *self.fallbacks):
            # No early exit: every key costs the same, whichever one matches.
            matched |= hmac.compare_digest(
                token.encode("utf-8"), self._token(user, timestamp, key).encode("utf-8")
            )
        if not matched:
            return False
        age = self.now() - timestamp
        # A little slack for a token made on a server whose clock runs ahead of this one's.
        return -CLOCK_SKEW <= age <= self.timeout

    def _token(self, user: Any, timestamp: int, secret_key: str) -> str:
        stamp = _base36(timestamp)
        key = hashlib.sha256(_SALT + b":" + secret_key.encode("utf-8")).digest()
        message = "\x00".join(
            (
                str(getattr(user, "pk", "")),
                str(getattr(user, "email", "") or ""),
                str(getattr(user, "password", "") or ""),
                _login_stamp(getattr(user, "last_login", None)),
                stamp,
            )
        )
        digest = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
        return f"{stamp}-{base64.urlsafe_b64encode(digest).decode('ascii').rstrip('=')}"


def make_token(user: Any, settings: Any) -> str:
    """``PasswordResetTokenGenerator.from_settings(settings).make_token(user)``."""
    return PasswordResetTokenGenerator.from_settings(settings).make_token(user)


def check_token(user: Any, token: object, settings: Any) -> bool:
    """``PasswordResetTokenGenerator.from_settings(settings).check_token(user, token)``."""
    return PasswordResetTokenGenerator.from_settings(settings).check_token(user, token)
