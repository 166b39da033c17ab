"""What every password hasher shares: the interface, the format helpers, the input bound.

A stored hash names its algorithm first (``algorithm$params$salt$hash``), so a database can
hold hashes of several algorithms and parameter sets at once and each verifies with the
parameters it was made with. Every comparison of a computed digest with a stored one goes
through :func:`hmac.compare_digest`, so the time taken says nothing about how many leading
bytes matched.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from abc import ABC, abstractmethod
from typing import ClassVar

__all__ = [
    "MAX_PASSWORD_BYTES",
    "Hasher",
    "MalformedHash",
    "PasswordTooLong",
    "b64decode",
    "b64encode",
    "digests_equal",
    "make_salt",
    "parse_int",
    "parse_params",
]

#: The longest password, in UTF-8 bytes, that is ever hashed. PBKDF2 and bcrypt-SHA256 first
#: digest the whole input, so an unbounded password is an unbounded CPU cost per login
#: attempt: a request with a megabyte "password" would otherwise be a cheap denial of service.
MAX_PASSWORD_BYTES = 4096


class PasswordTooLong(ValueError):
    """A password longer than :data:`MAX_PASSWORD_BYTES` was given to be hashed."""


class MalformedHash(ValueError):
    """A stored hash cannot be parsed or names parameters no hasher should run."""


def make_salt() -> str:
    """A 22-character salt (132 random bits) from the URL-safe alphabet, which has no ``$``."""
    return secrets.token_urlsafe(16)


def b64encode(data: bytes) -> str:
    """Standard base64 with padding: what Django's PBKDF2 and scrypt hashes use."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Decode standard base64, padded or not; a bad character is a :class:`MalformedHash`."""
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedHash("invalid base64") from exc


def digests_equal(computed: bytes, stored: bytes) -> bool:
    """Compare in constant time, so timing leaks nothing about a partial match."""
    return hmac.compare_digest(computed, stored)


def parse_params(
    text: str, keys: tuple[str, ...], bounds: dict[str, tuple[int, int]]
) -> dict[str, int]:
    """Parse ``k=v,k=v`` into ints, requiring exactly ``keys`` and each value within bounds.

    The bounds are what stops a corrupted or planted hash from asking for a terabyte of
    memory or a billion iterations when it is verified.
    """
    values: dict[str, int] = {}
    for item in text.split(","):
        key, sep, raw = item.partition("=")
        if not sep or key in values or not raw.isascii() or not raw.isdigit():
            raise MalformedHash(f"bad parameter {item!r}")
        values[key] = int(raw)
    if set(values) != set(keys):
        raise MalformedHash(f"expected parameters {keys}")
    for key, (low, high) in bounds.items():
        if not low <= values[key] <= high:
            raise MalformedHash(f"{key}={values[key]} outside {low}..{high}")
    return values


def parse_int(text: str, low: int, high: int) -> int:
    """One bounded decimal field (Django's formats put bare numbers between the ``$``)."""
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise MalformedHash(f"bad number {text[:20]!r}")
    return int(text)


class Hasher(ABC):
    """One password hashing algorithm with one set of parameters.

    A hasher makes hashes with its own parameters and verifies hashes made with any
    parameters (within sane bounds), including the Django layouts listed in
    :attr:`identifiers`. Passwords reach a hasher as UTF-8 bytes already checked against
    :data:`MAX_PASSWORD_BYTES`.
    """

    #: The name written first in the hashes this hasher makes.
    algorithm: ClassVar[str]
    #: Every first field this hasher can verify (its own and legacy/Django names).
    identifiers: ClassVar[tuple[str, ...]]

    @abstractmethod
    def encode(self, password: bytes, salt: str) -> str:
        """Hash ``password`` with ``salt`` and this hasher's parameters."""

    @abstractmethod
    def verify(self, password: bytes, encoded: str) -> bool:
        """Whether ``password`` matches ``encoded``; :class:`MalformedHash` if unparseable."""

    @abstractmethod
    def is_weaker(self, encoded: str) -> bool:
        """Whether ``encoded`` is another layout or uses weaker parameters than this hasher."""

    def make(self, password: bytes) -> str:
        """A new hash with a fresh random salt."""
        return self.encode(password, make_salt())

    @abstractmethod
    def dummy_hash(self) -> str:
        """A hash in this hasher's format, with its parameters, that matches no password.

        Verifying against it costs what verifying a real hash costs, and making it costs
        nothing: the digest is random bytes, not the output of a hash computation.
        """

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.dummy_hash().rsplit('$', 2)[0]}>"
