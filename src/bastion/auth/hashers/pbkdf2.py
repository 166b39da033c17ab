"""PBKDF2-HMAC-SHA256, for deployments that must use a FIPS-approved algorithm.

The layout, ``pbkdf2_sha256$<iterations>$<salt>$<digest>``, is Django's, so hashes move
between the two frameworks in both directions unchanged.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

from bastion.auth.hashers._base import (
    Hasher,
    MalformedHash,
    b64decode,
    b64encode,
    digests_equal,
    make_salt,
    parse_int,
)

__all__ = ["PBKDF2SHA256Hasher"]

# A planted hash must not buy minutes of CPU per login attempt.
_MAX_ITERATIONS = 100_000_000


class PBKDF2SHA256Hasher(Hasher):
    """PBKDF2-HMAC-SHA256 through :func:`hashlib.pbkdf2_hmac` (OpenSSL).

    The default, 1,000,000 iterations, is Django 5.2's and above OWASP's 600,000 minimum, so
    a hash moved from Django is never weaker than one made here.

    Args:
        iterations: HMAC iterations; constructing with fewer than 600,000 is allowed only so
            tests can run quickly, and such hashes are upgraded under the default hasher.
    """

    algorithm: ClassVar[str] = "pbkdf2_sha256"
    identifiers: ClassVar[tuple[str, ...]] = ("pbkdf2_sha256",)

    def __init__(self, iterations: int = 1_000_000) -> None:
        self.iterations = iterations

    def encode(self, password: bytes, salt: str) -> str:
        digest = hashlib.pbkdf2_hmac("sha256", password, salt.encode("ascii"), self.iterations)
        return f"pbkdf2_sha256${self.iterations}${salt}${b64encode(digest)}"

    def dummy_hash(self) -> str:
        digest = b64encode(secrets.token_bytes(32))
        return f"pbkdf2_sha256${self.iterations}${make_salt()}${digest}"

    @staticmethod
    def _parse(encoded: str) -> tuple[int, bytes, bytes]:
        parts = encoded.split("$")
        if len(parts) != 4 or parts[0] != "pbkdf2_sha256" or not parts[2]:
            raise MalformedHash("not a PBKDF2-SHA256 hash")
        # Django's salts are text hashed as UTF-8; Bastion's are ASCII, the same thing.
        return parse_int(parts[1], 1, _MAX_ITERATIONS), parts[2].encode(), b64decode(parts[3])

    def verify(self, password: bytes, encoded: str) -> bool:
        iterations, salt, stored = self._parse(encoded)
        if not 16 <= len(stored) <= 64:
            raise MalformedHash("digest length")
        computed = hashlib.pbkdf2_hmac("sha256", password, salt, iterations, len(stored))
        return digests_equal(computed, stored)

    def is_weaker(self, encoded: str) -> bool:
        iterations, _, stored = self._parse(encoded)
        return iterations < self.iterations or len(stored) < 32
