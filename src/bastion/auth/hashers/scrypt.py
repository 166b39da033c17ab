"""scrypt through :func:`hashlib.scrypt`: memory-hard, with no dependency beyond OpenSSL.

Bastion's layout is ``scrypt$n=32768,r=8,p=3$<salt>$<digest>``; Django's
``scrypt$<n>$<salt>$<r>$<p>$<digest>`` verifies and is rehashed.
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
    parse_params,
)

__all__ = ["ScryptHasher"]

# 128 * n * r bytes of memory; a planted hash may not ask for more than 1 GiB.
_MAX_MEMORY = 1024 * 1024 * 1024
_BOUNDS = {"n": (2, 2**24), "r": (1, 64), "p": (1, 64)}


def _maxmem(n: int, r: int, p: int) -> int:
    """OpenSSL's limit for one call: the work area plus slack (its default is only 32 MiB)."""
    return 128 * r * (n + p + 2) + 2**20


class ScryptHasher(Hasher):
    """scrypt.

    The defaults, N=2**15, r=8, p=3 (32 MiB), are one of OWASP's equivalent settings; N must be
    a power of two.

    Args:
        n: CPU/memory cost.
        r: block size.
        p: parallelism.
    """

    algorithm: ClassVar[str] = "scrypt"
    identifiers: ClassVar[tuple[str, ...]] = ("scrypt",)

    def __init__(self, n: int = 2**15, r: int = 8, p: int = 3) -> None:
        self.n, self.r, self.p = n, r, p

    def _params(self) -> str:
        return f"n={self.n},r={self.r},p={self.p}"

    def encode(self, password: bytes, salt: str) -> str:
        digest = hashlib.scrypt(
            password, salt=salt.encode("ascii"), n=self.n, r=self.r, p=self.p,
            maxmem=_maxmem(self.n, self.r, self.p), dklen=64,
        )  # fmt: skip
        return f"scrypt${self._params()}${salt}${b64encode(digest)}"

    def dummy_hash(self) -> str:
        return f"scrypt${self._params()}${make_salt()}${b64encode(secrets.token_bytes(64))}"

    @staticmethod
    def _parse(encoded: str) -> tuple[bool, dict[str, int], bytes, bytes]:
        """(native layout?, {n, r, p}, salt, digest)."""
        parts = encoded.split("$")
        if parts[0] != "scrypt":
            raise MalformedHash("not an scrypt hash")
        if len(parts) == 4:
            params = parse_params(parts[1], ("n", "r", "p"), _BOUNDS)
            salt, digest = parts[2], parts[3]
        elif len(parts) == 6:
            n, salt, r, p, digest = parts[1:]
            params = {
                "n": parse_int(n, *_BOUNDS["n"]),
                "r": parse_int(r, *_BOUNDS["r"]),
                "p": parse_int(p, *_BOUNDS["p"]),
            }
        else:
            raise MalformedHash("not an scrypt hash")
        if params["n"] & (params["n"] - 1) or 128 * params["n"] * params["r"] > _MAX_MEMORY:
            raise MalformedHash("scrypt n must be a power of two within the memory bound")
        if not salt:
            raise MalformedHash("empty salt")
        return len(parts) == 4, params, salt.encode(), b64decode(digest)

    def verify(self, password: bytes, encoded: str) -> bool:
        _, params, salt, stored = self._parse(encoded)
        if not 16 <= len(stored) <= 128:
            raise MalformedHash("digest length")
        n, r, p = params["n"], params["r"], params["p"]
        computed = hashlib.scrypt(
            password, salt=salt, n=n, r=r, p=p, maxmem=_maxmem(n, r, p), dklen=len(stored)
        )
        return digests_equal(computed, stored)

    def is_weaker(self, encoded: str) -> bool:
        native, params, _, stored = self._parse(encoded)
        return (
            not native
            or params["n"] < self.n
            or params["r"] < self.r
            or params["p"] < self.p
            or len(stored) < 64
        )
