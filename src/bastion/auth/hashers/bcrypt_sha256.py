"""bcrypt with a SHA-256 pre-hash, plus verification of Django's plain ``bcrypt$`` hashes.

bcrypt reads only the first 72 bytes of its input (and bcrypt 5 refuses longer input), so a
long passphrase would otherwise be silently cut. The password is first digested with SHA-256
and hex-encoded — 64 ASCII bytes, no NUL — exactly as Django's ``BCryptSHA256PasswordHasher``
does, so Django's hashes verify unchanged.

Bastion's layout is ``bcrypt_sha256$r=12$<22-char salt>$<31-char digest>``; Django's
``bcrypt_sha256$$2b$12$<53 chars>`` and ``bcrypt$$2b$12$<53 chars>`` verify and are rehashed.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

import bcrypt

from bastion.auth.hashers._base import Hasher, MalformedHash, digests_equal, parse_params

__all__ = ["BcryptSHA256Hasher"]

_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_BCRYPT_INPUT_LIMIT = 72


def _prehash(password: bytes) -> bytes:
    return hashlib.sha256(password).hexdigest().encode("ascii")


class BcryptSHA256Hasher(Hasher):
    """bcrypt-SHA256 via the ``bcrypt`` package.

    Args:
        rounds: the log2 cost; 12 (Django's default, above OWASP's minimum of 10).
    """

    algorithm: ClassVar[str] = "bcrypt_sha256"
    identifiers: ClassVar[tuple[str, ...]] = ("bcrypt_sha256", "bcrypt")

    def __init__(self, rounds: int = 12) -> None:
        self.rounds = rounds

    def encode(self, password: bytes, salt: str) -> str:
        # bcrypt needs its own 16-byte salt in its own base64; the generic salt is unused.
        del salt
        full = bcrypt.hashpw(_prehash(password), bcrypt.gensalt(self.rounds)).decode("ascii")
        tail = full.rsplit("$", 1)[1]
        return f"bcrypt_sha256$r={self.rounds}${tail[:22]}${tail[22:]}"

    def dummy_hash(self) -> str:
        salt = "".join(secrets.choice(_ALPHABET) for _ in range(21)) + "."
        digest = "".join(secrets.choice(_ALPHABET) for _ in range(31))
        return f"bcrypt_sha256$r={self.rounds}${salt}${digest}"

    @staticmethod
    def _parse(encoded: str) -> tuple[str, int, str]:
        """(layout: "native" | "bcrypt_sha256" | "bcrypt", rounds, bcrypt's own $2b$ string)."""
        parts = encoded.split("$")
        if len(parts) == 4 and parts[0] == "bcrypt_sha256":
            rounds = parse_params(parts[1], ("r",), {"r": (4, 31)})["r"]
            if len(parts[2]) != 22 or len(parts[3]) != 31:
                raise MalformedHash("bcrypt salt or digest length")
            return "native", rounds, f"$2b${rounds:02d}${parts[2]}{parts[3]}"
        if len(parts) == 5 and parts[0] in ("bcrypt_sha256", "bcrypt") and parts[1] == "":
            if parts[2] not in ("2a", "2b", "2y") or len(parts[4]) != 53:
                raise MalformedHash("not a bcrypt hash")
            rounds = parse_params(f"r={parts[3]}", ("r",), {"r": (4, 31)})["r"]
            return parts[0], rounds, "$" + "$".join(parts[2:])
        raise MalformedHash("not a bcrypt hash")

    def verify(self, password: bytes, encoded: str) -> bool:
        layout, _, full = self._parse(encoded)
        # Legacy plain bcrypt saw at most 72 bytes when the hash was made; match that here
        # so those users can log in once and be rehashed without the limit.
        secret = password[:_BCRYPT_INPUT_LIMIT] if layout == "bcrypt" else _prehash(password)
        if b"\x00" in secret:
            return False
        try:
            computed = bcrypt.hashpw(secret, full.encode("ascii"))
        except ValueError as exc:  # an invalid salt that passed the length checks
            raise MalformedHash("invalid bcrypt salt") from exc
        return digests_equal(computed, full.encode("ascii"))

    def is_weaker(self, encoded: str) -> bool:
        layout, rounds, _ = self._parse(encoded)
        return layout != "native" or rounds < self.rounds
