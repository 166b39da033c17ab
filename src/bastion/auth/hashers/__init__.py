"""Password hashing: Argon2id by default, PBKDF2-SHA256, bcrypt-SHA256 and scrypt available.

::

    from bastion.auth.hashers import make_password, verify_and_upgrade, dummy_verify

    user.password = make_password(raw)                    # argon2id$v=19,m=65536,...
    ok, new_hash = verify_and_upgrade(raw, user.password)  # on login
    if ok and new_hash:
        user.password = new_hash                           # older params or another algorithm

Hashes are self-describing (``algorithm$params$salt$hash``), so one database may hold many
algorithms and parameter sets; Django's formats verify, so users can be moved from Django
and are rehashed with Bastion's default on their next login. Verification never raises for a
bad stored value: a malformed, unknown or unusable hash is simply ``False`` — after the cost of
a real verification, so that accounts without a usable password cannot be told apart by
timing. See ``docs/passwords.md``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from bastion.auth.hashers._base import (
    MAX_PASSWORD_BYTES,
    Hasher,
    MalformedHash,
    PasswordTooLong,
)
from bastion.auth.hashers.argon2id import Argon2idHasher
from bastion.auth.hashers.bcrypt_sha256 import BcryptSHA256Hasher
from bastion.auth.hashers.pbkdf2 import PBKDF2SHA256Hasher
from bastion.auth.hashers.scrypt import ScryptHasher

__all__ = [
    "MAX_PASSWORD_BYTES",
    "UNUSABLE_PASSWORD_PREFIX",
    "Argon2idHasher",
    "BcryptSHA256Hasher",
    "Hasher",
    "MalformedHash",
    "PBKDF2SHA256Hasher",
    "PasswordHashers",
    "PasswordTooLong",
    "ScryptHasher",
    "check_password",
    "dummy_verify",
    "get_hashers",
    "identify_hasher",
    "is_password_usable",
    "make_password",
    "make_unusable_password",
    "needs_rehash",
    "set_hashers",
    "use_hashers",
    "verify_and_upgrade",
]

#: Hashes starting with this never verify (Django uses the same marker).
# A marker that no hash starts with, not a secret:
UNUSABLE_PASSWORD_PREFIX = "!"  # noqa: S105  # nosec B105


def _to_bytes(raw: str) -> bytes | None:
    """The password as hashed (UTF-8, as Django does), or None when it can never be valid."""
    if len(raw) > MAX_PASSWORD_BYTES:  # cheap early exit before encoding a huge string
        return None
    try:
        data = raw.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no stored password can contain one
        return None
    return data if len(data) <= MAX_PASSWORD_BYTES else None


class PasswordHashers:
    """An ordered set of hashers: the first makes new hashes, all of them verify.

    A project normally uses the module-level functions, which delegate to the process-wide
    instance (:func:`get_hashers`); an instance of its own is for tests and for projects that
    want cheaper or stronger parameters (:func:`set_hashers`).

    Args:
        hashers: the hashers; the first is the default. An algorithm may appear only once.
    """

    def __init__(self, hashers: Sequence[Hasher]) -> None:
        if not hashers:
            raise ValueError("PasswordHashers needs at least one hasher")
        self.hashers = tuple(hashers)
        self.default = self.hashers[0]
        self._by_identifier: dict[str, Hasher] = {}
        for hasher in self.hashers:
            for identifier in hasher.identifiers:
                if identifier in self._by_identifier:
                    raise ValueError(f"two hashers verify {identifier!r}")
                self._by_identifier[identifier] = hasher
        self._dummy = self.default.dummy_hash()

    @classmethod
    def defaults(cls) -> PasswordHashers:
        """Argon2id (default), PBKDF2-SHA256, bcrypt-SHA256 and scrypt, at default parameters."""
        return cls([Argon2idHasher(), PBKDF2SHA256Hasher(), BcryptSHA256Hasher(), ScryptHasher()])

    def identify(self, encoded: str | None) -> Hasher | None:
        """The hasher that verifies ``encoded``, or None (unusable, unknown or empty)."""
        if not encoded or encoded.startswith(UNUSABLE_PASSWORD_PREFIX):
            return None
        return self._by_identifier.get(encoded.partition("$")[0])

    def make_password(self, raw: str, algorithm: str | None = None) -> str:
        """Hash ``raw`` with the default hasher, or with the one making ``algorithm`` hashes.

        Raises:
            PasswordTooLong: ``raw`` is over :data:`MAX_PASSWORD_BYTES` (checked before any
                hashing work).
            ValueError: an unknown algorithm, or a password that is not valid Unicode text.
        """
        data = _to_bytes(raw)
        if data is None:
            if len(raw) > MAX_PASSWORD_BYTES or len(raw.encode("utf-8", "replace")) > (
                MAX_PASSWORD_BYTES
            ):
                raise PasswordTooLong(f"passwords are limited to {MAX_PASSWORD_BYTES} bytes")
            raise ValueError("the password is not valid Unicode text")
        hasher = self.default
        if algorithm is not None:
            for candidate in self.hashers:
                if candidate.algorithm == algorithm:
                    hasher = candidate
                    break
            else:
                raise ValueError(f"no hasher makes {algorithm!r} hashes")
        return hasher.make(data)

    def check_password(self, raw: str | None, encoded: str | None) -> bool:
        """Whether ``raw`` matches ``encoded``; never raises for a bad ``encoded``.

        A missing, unusable, unknown or malformed hash costs one default verification (see
        :meth:`dummy_verify`) and is False. An over-long password is False at once: it could
        never have been stored, and refusing it costs nothing to hash.
        """
        if raw is None:
            self.dummy_verify("")
            return False
        data = _to_bytes(raw)
        if data is None:
            return False
        hasher = self.identify(encoded)
        if hasher is None or encoded is None:
            self._verify_dummy(data)
            return False
        try:
            return hasher.verify(data, encoded)
        except ValueError:  # MalformedHash, bad base64, non-ASCII salt...
            self._verify_dummy(data)
            return False

    def needs_rehash(self, encoded: str | None) -> bool:
        """Whether ``encoded`` should be replaced by a default hash at the next login.

        True for another algorithm, a Django layout, weaker parameters than the default
        hasher's, or a malformed hash; False for an unusable marker (nothing to upgrade).
        """
        if not encoded or encoded.startswith(UNUSABLE_PASSWORD_PREFIX):
            return False
        if self.identify(encoded) is not self.default:
            return True
        try:
            return self.default.is_weaker(encoded)
        except ValueError:
            return True

    def verify_and_upgrade(self, raw: str | None, encoded: str | None) -> tuple[bool, str | None]:
        """Verify, and on success return a fresh default hash when :meth:`needs_rehash`.

        Returns:
            ``(matched, new_hash)``; ``new_hash`` is None unless it matched and the stored
            hash is another algorithm or weaker than the default. The caller saves it.
        """
        if not self.check_password(raw, encoded):
            return False, None
        if raw is not None and self.needs_rehash(encoded):
            return True, self.make_password(raw)
        return True, None

    def dummy_verify(self, raw: str) -> bool:
        """Verify ``raw`` against a hash nothing matches, at the default hasher's cost.

        Call it when the user does not exist, so that "no such user" and "wrong password"
        take the same time. Always False.
        """
        data = _to_bytes(raw)
        self._verify_dummy(data if data is not None else b"")
        return False

    def _verify_dummy(self, data: bytes) -> None:
        self.default.verify(data, self._dummy)


_current = PasswordHashers.defaults()


def get_hashers() -> PasswordHashers:
    """The process-wide hashers the module-level functions use."""
    return _current


def set_hashers(hashers: PasswordHashers | Sequence[Hasher]) -> PasswordHashers:
    """Replace the process-wide hashers (at start-up, from settings); returns the previous."""
    global _current  # one process-wide policy, like the settings it is built from
    previous = _current
    _current = hashers if isinstance(hashers, PasswordHashers) else PasswordHashers(hashers)
    return previous


@contextmanager
def use_hashers(hashers: PasswordHashers | Sequence[Hasher]) -> Iterator[PasswordHashers]:
    """Use other hashers inside a ``with`` block (tests: cheap parameters), then restore."""
    previous = set_hashers(hashers)
    try:
        yield get_hashers()
    finally:
        set_hashers(previous)


def make_password(raw: str, algorithm: str | None = None) -> str:
    """Hash ``raw`` (see :meth:`PasswordHashers.make_password`)."""
    return _current.make_password(raw, algorithm)


def check_password(raw: str | None, encoded: str | None) -> bool:
    """Whether ``raw`` matches ``encoded`` (see :meth:`PasswordHashers.check_password`)."""
    return _current.check_password(raw, encoded)


def needs_rehash(encoded: str | None) -> bool:
    """Whether ``encoded`` is due an upgrade (see :meth:`PasswordHashers.needs_rehash`)."""
    return _current.needs_rehash(encoded)


def verify_and_upgrade(raw: str | None, encoded: str | None) -> tuple[bool, str | None]:
    """Verify and maybe rehash (see :meth:`PasswordHashers.verify_and_upgrade`)."""
    return _current.verify_and_upgrade(raw, encoded)


def dummy_verify(raw: str) -> bool:
    """A verification for a user who does not exist (see :meth:`PasswordHashers.dummy_verify`)."""
    return _current.dummy_verify(raw)


def identify_hasher(encoded: str | None) -> Hasher | None:
    """The hasher that would verify ``encoded``, or None."""
    return _current.identify(encoded)


def make_unusable_password() -> str:
    """A value for accounts that must not log in with a password (SSO-only, disabled).

    It starts with ``!`` so it never verifies; the random tail keeps two such values unequal.
    """
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def is_password_usable(encoded: str | None) -> bool:
    """Whether ``encoded`` is a real hash rather than empty or an unusable marker."""
    return bool(encoded) and not (encoded or "").startswith(UNUSABLE_PASSWORD_PREFIX)
