"""Argon2id, the default: memory-hard, so a GPU or ASIC attacker pays for memory, not just cores.

Bastion's own layout is ``argon2id$v=19,m=65536,t=3,p=4$<salt>$<digest>``; Django's layout
(``argon2$argon2id$v=19$m=...,t=...,p=...$<salt>$<digest>``, and ``argon2i`` from older Django
releases) verifies too, and is always rehashed into Bastion's layout on the next login.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw

from bastion.auth.hashers._base import (
    Hasher,
    MalformedHash,
    b64decode,
    b64encode,
    digests_equal,
    make_salt,
    parse_params,
)

__all__ = ["Argon2idHasher"]

_TYPES = {"argon2id": Type.ID, "argon2i": Type.I, "argon2d": Type.D}
# Generous ceilings: far above any sane setting, low enough that a planted hash cannot ask
# for more than 1 GiB of memory or minutes of CPU per verification.
_BOUNDS = {"m": (8, 1024 * 1024), "t": (1, 64), "p": (1, 64)}
_VERSION_BOUNDS = {"v": (16, 19)}


class Argon2idHasher(Hasher):
    """Argon2id via argon2-cffi.

    The defaults are RFC 9106's "second recommended option" (argon2-cffi's own default):
    64 MiB, 3 passes, 4 lanes — above OWASP's minimum of 19 MiB, 2 passes, 1 lane.
    Tests and constrained hosts may construct cheaper instances; the defaults never change
    at run time.

    Args:
        memory_cost: memory in KiB.
        time_cost: passes over the memory.
        parallelism: lanes (and threads).
        hash_len: digest length in bytes.
    """

    algorithm: ClassVar[str] = "argon2id"
    identifiers: ClassVar[tuple[str, ...]] = ("argon2id", "argon2")

    def __init__(
        self,
        memory_cost: int = 65536,
        time_cost: int = 3,
        parallelism: int = 4,
        hash_len: int = 32,
    ) -> None:
        self.memory_cost = memory_cost
        self.time_cost = time_cost
        self.parallelism = parallelism
        self.hash_len = hash_len

    def _params(self) -> str:
        return f"v=19,m={self.memory_cost},t={self.time_cost},p={self.parallelism}"

    def encode(self, password: bytes, salt: str) -> str:
        digest = hash_secret_raw(
            password, salt.encode("ascii"), self.time_cost, self.memory_cost,
            self.parallelism, self.hash_len, Type.ID, 19,
        )  # fmt: skip
        return f"argon2id${self._params()}${salt}${b64encode(digest)}"

    def dummy_hash(self) -> str:
        digest = b64encode(secrets.token_bytes(self.hash_len))
        return f"argon2id${self._params()}${make_salt()}${digest}"

    @staticmethod
    def _parse(encoded: str) -> tuple[bool, Type, dict[str, int], bytes, bytes]:
        """(native layout?, type, {v, m, t, p}, salt, digest) of either layout."""
        parts = encoded.split("$")
        if parts[0] == "argon2id" and len(parts) == 4:
            params = parse_params(parts[1], ("v", "m", "t", "p"), _BOUNDS | _VERSION_BOUNDS)
            return True, Type.ID, params, parts[2].encode("ascii"), b64decode(parts[3])
        if parts[0] == "argon2" and len(parts) in (5, 6) and parts[1] in _TYPES:
            # Django: "argon2" + argon2-cffi's PHC string; the oldest hashes lack "v=".
            version = parse_params(parts[2], ("v",), _VERSION_BOUNDS) if len(parts) == 6 else {}
            params = parse_params(parts[-3], ("m", "t", "p"), _BOUNDS)
            params["v"] = version.get("v", 16)
            return False, _TYPES[parts[1]], params, b64decode(parts[-2]), b64decode(parts[-1])
        raise MalformedHash("not an Argon2 hash")

    def verify(self, password: bytes, encoded: str) -> bool:
        _, kind, params, salt, stored = self._parse(encoded)
        if len(stored) < 4 or len(salt) < 8:
            raise MalformedHash("digest or salt too short")
        try:
            computed = hash_secret_raw(
                password, salt, params["t"], params["m"], params["p"], len(stored),
                kind, params["v"],
            )  # fmt: skip
        except HashingError as exc:  # e.g. m < 8 * p: parseable but not runnable
            raise MalformedHash(str(exc)) from exc
        return digests_equal(computed, stored)

    def is_weaker(self, encoded: str) -> bool:
        native, _, params, salt, stored = self._parse(encoded)
        return (
            not native
            or params["v"] < 19
            or params["m"] < self.memory_cost
            or params["t"] < self.time_cost
            or params["p"] < self.parallelism
            or len(stored) < self.hash_len
            or len(salt) < 16
        )
