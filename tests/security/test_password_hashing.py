"""Attacks on password hashing: timing of unknown users, hostile stored hashes, huge passwords."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest

from bastion.auth.hashers import (
    MAX_PASSWORD_BYTES,
    Argon2idHasher,
    BcryptSHA256Hasher,
    PasswordHashers,
    PasswordTooLong,
    PBKDF2SHA256Hasher,
    ScryptHasher,
    make_unusable_password,
)

CHEAP = PasswordHashers(
    [
        Argon2idHasher(memory_cost=256, time_cost=1, parallelism=1),
        PBKDF2SHA256Hasher(iterations=1000),
        BcryptSHA256Hasher(rounds=4),
        ScryptHasher(n=2**10, r=8, p=1),
    ]
)


def _medians(
    first: Callable[[], object], second: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median seconds of each, interleaved so drift in machine load hits both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeats):
        for fn, out in ((first, a), (second, b)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def test_unknown_user_costs_what_a_wrong_password_costs_at_the_defaults() -> None:
    """Login for a missing account calls dummy_verify; it must not answer measurably faster.

    The defaults are the subject here (the real Argon2id cost); the bounds are generous
    because this is a security property (same order of cost), not a performance assertion.
    """
    defaults = PasswordHashers.defaults()
    stored = defaults.make_password("the real password")
    real, dummy = _medians(
        lambda: defaults.check_password("a guess", stored),
        lambda: defaults.dummy_verify("a guess"),
        repeats=5,
    )
    assert 0.5 < dummy / real < 2.0, (real, dummy)


@pytest.mark.parametrize(
    "stored", [None, "", "!", make_unusable_password(), "md5$x$y", "argon2$", "argon2id$x"]
)
def test_accounts_without_a_usable_hash_cost_a_real_verification(stored: str | None) -> None:
    """SSO-only or disabled accounts ("!..." hashes) must not be told apart by timing."""
    hashers = PasswordHashers([PBKDF2SHA256Hasher(iterations=200_000)])  # ~tens of ms
    real_hash = hashers.make_password("pw")
    real, unusable = _medians(
        lambda: hashers.check_password("guess", real_hash),
        lambda: hashers.check_password("guess", stored),
        repeats=5,
    )
    assert 0.5 < unusable / real < 2.0, (real, unusable)


def _real(algorithm: str) -> str:
    return CHEAP.make_password("pw", algorithm)


MALFORMED = [
    "argon2$",
    "argon2id$",
    "argon2id$$$",
    "$$$",
    "$",
    "argon2",
    "!unusable",
    "sha1$$deadbeef",
    "md5$salt$d41d8cd98f00b204e9800998ecf8427e",
    "unsalted_md5$x",
    _real("argon2id")[:-10],
    _real("argon2id").rsplit("$", 1)[0] + "$",  # empty digest: must not equal an empty compute
    _real("pbkdf2_sha256").rsplit("$", 1)[0] + "$",
    _real("scrypt").rsplit("$", 1)[0] + "$",
    _real("bcrypt_sha256")[:-5],
    _real("argon2id").replace("$v=19,", "$v=19,v=19,"),
    "argon2id$v=19,m=99999999999,t=1,p=1$saltsalt$AAAAAAAA",  # a terabyte of memory
    "argon2id$v=19,m=8,t=1,p=64$saltsalt$AAAAAAAA",  # m < 8p: argon2 refuses to run
    "argon2id$v=19,m=256,t=1,p=1$sält-ünicode$AAAAAAAA",
    "argon2$argon2x$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$AAAAAAAA",
    "pbkdf2_sha256$99999999999$salt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2_sha256$-5$salt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2_sha256$1000$salt$not*base64!",
    "pbkdf2_sha256$\u0661\u0660\u0660\u0660$salt$" + "A" * 43 + "=",  # Arabic-Indic digits
    "scrypt$n=1000,r=8,p=1$salt$" + "A" * 88,  # n not a power of two
    "scrypt$n=16777216,r=64,p=1$salt$" + "A" * 88,  # 128 GiB
    "scrypt$16384$salt$8$$" + "A" * 88,
    "bcrypt$$2b$99$" + "a" * 53,
    "bcrypt$$2x$12$" + "a" * 53,
    "bcrypt_sha256$r=12$" + "!" * 22 + "$" + "a" * 31,
    "bcrypt_sha256$$2b$04$" + "a" * 52,
]


@pytest.mark.parametrize("stored", MALFORMED)
@pytest.mark.parametrize("password", ["pw", "", "!unusable"])
def test_malformed_hashes_are_false_never_an_exception(stored: str, password: str) -> None:
    assert CHEAP.check_password(password, stored) is False
    assert CHEAP.verify_and_upgrade(password, stored) == (False, None)
    assert isinstance(CHEAP.needs_rehash(stored), bool)


@pytest.mark.parametrize("password", ["", "!", "pw"])
def test_an_unusable_marker_never_verifies(password: str) -> None:
    marker = make_unusable_password()
    assert not CHEAP.check_password(password, marker)
    assert not CHEAP.check_password(marker, marker)
    assert not CHEAP.check_password(marker[1:], marker)


def test_an_over_long_password_is_refused_before_hashing() -> None:
    defaults = PasswordHashers.defaults()  # a real Argon2id hash would take ~100 ms
    stored = CHEAP.make_password("pw")
    huge = "x" * (10 * 1024 * 1024)
    start = time.perf_counter()
    for _ in range(20):
        assert defaults.check_password(huge, stored) is False
        assert defaults.verify_and_upgrade(huge, stored) == (False, None)
        with pytest.raises(PasswordTooLong):
            defaults.make_password(huge)
    assert time.perf_counter() - start < 1.0  # 60 refusals, no hashing


def test_the_bound_is_in_bytes_not_characters() -> None:
    at_limit = "x" * MAX_PASSWORD_BYTES
    assert CHEAP.check_password(at_limit, CHEAP.make_password(at_limit))
    multibyte = "é" * (MAX_PASSWORD_BYTES // 2 + 1)  # fewer characters, more bytes
    with pytest.raises(PasswordTooLong):
        CHEAP.make_password(multibyte)
    assert not CHEAP.check_password(multibyte, CHEAP.make_password("pw"))


def test_a_lone_surrogate_is_false_not_an_exception() -> None:
    stored = CHEAP.make_password("pw")
    assert CHEAP.check_password("\ud800", stored) is False
    with pytest.raises(ValueError, match="Unicode"):
        CHEAP.make_password("\ud800")


def test_a_dummy_hash_matches_nothing() -> None:
    for hasher in CHEAP.hashers:
        dummy = hasher.dummy_hash()
        assert CHEAP.identify(dummy) is hasher
        assert not CHEAP.check_password("", dummy)
        assert not CHEAP.check_password("pw", dummy)
