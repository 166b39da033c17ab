"""Password hashers: formats, round trips, rehashing, Django's hashes, the process-wide set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import bastion.auth
from bastion.auth import hashers
from bastion.auth.hashers import (
    Argon2idHasher,
    BcryptSHA256Hasher,
    PasswordHashers,
    PBKDF2SHA256Hasher,
    ScryptHasher,
)

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "vectors" / "django_hashes.json").read_text(encoding="utf-8")
)["vectors"]
ALGORITHMS = ["argon2id", "pbkdf2_sha256", "bcrypt_sha256", "scrypt"]


def cheap_hashers(first: str = "argon2id") -> PasswordHashers:
    """Every algorithm at test-time cost; ``first`` is the default."""
    all_ = [
        Argon2idHasher(memory_cost=256, time_cost=1, parallelism=1),
        PBKDF2SHA256Hasher(iterations=1000),
        BcryptSHA256Hasher(rounds=4),
        ScryptHasher(n=2**10, r=8, p=1),
    ]
    return PasswordHashers(sorted(all_, key=lambda h: h.algorithm != first))


@pytest.fixture
def cheap() -> PasswordHashers:
    return cheap_hashers()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_round_trip_in_the_self_describing_format(cheap: PasswordHashers, algorithm: str) -> None:
    encoded = cheap.make_password("correct horse", algorithm)
    name, params, salt, digest = encoded.split("$")
    assert name == algorithm
    assert params
    assert salt
    assert digest
    assert cheap.check_password("correct horse", encoded)
    assert not cheap.check_password("correct horsf", encoded)
    assert not cheap.check_password("", encoded)
    assert cheap.make_password("correct horse", algorithm) != encoded  # fresh salt each time


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_unicode_and_dollar_signs_in_passwords(cheap: PasswordHashers, algorithm: str) -> None:
    raw = "pässwörd $ ✓ 密码"
    encoded = cheap.make_password(raw, algorithm)
    assert cheap.check_password(raw, encoded)
    assert not cheap.check_password("pässwörd $ ✓ 密", encoded)


def test_bcrypt_sees_beyond_72_bytes(cheap: PasswordHashers) -> None:
    """The SHA-256 pre-hash: passwords sharing their first 72 bytes are still different."""
    encoded = cheap.make_password("a" * 72 + "1", "bcrypt_sha256")
    assert cheap.check_password("a" * 72 + "1", encoded)
    assert not cheap.check_password("a" * 72 + "2", encoded)
    assert not cheap.check_password("a" * 72, encoded)


def test_default_is_argon2id_with_documented_parameters() -> None:
    defaults = PasswordHashers.defaults()
    assert isinstance(defaults.default, Argon2idHasher)
    argon = defaults.default
    assert (argon.memory_cost, argon.time_cost, argon.parallelism) == (65536, 3, 4)
    assert argon.memory_cost >= 19 * 1024
    assert argon.time_cost >= 2
    pbkdf2, bcrypt_, scrypt_ = defaults.hashers[1:]
    assert isinstance(pbkdf2, PBKDF2SHA256Hasher)
    assert pbkdf2.iterations >= 600_000
    assert isinstance(bcrypt_, BcryptSHA256Hasher)
    assert bcrypt_.rounds >= 10
    assert isinstance(scrypt_, ScryptHasher)
    assert (scrypt_.n, scrypt_.r, scrypt_.p) == (2**15, 8, 3)


def test_a_hash_at_the_real_defaults() -> None:
    """The default parameters themselves are the subject: one real Argon2id hash."""
    defaults = PasswordHashers.defaults()
    encoded = defaults.make_password("at the defaults")
    assert encoded.startswith("argon2id$v=19,m=65536,t=3,p=4$")
    assert defaults.check_password("at the defaults", encoded)
    assert not defaults.needs_rehash(encoded)


def test_needs_rehash(cheap: PasswordHashers) -> None:
    argon = cheap.make_password("pw")
    assert not cheap.needs_rehash(argon)
    for algorithm in ALGORITHMS[1:]:
        assert cheap.needs_rehash(cheap.make_password("pw", algorithm))
    stronger = PasswordHashers([Argon2idHasher(memory_cost=512, time_cost=1, parallelism=1)])
    assert stronger.needs_rehash(argon)  # weaker memory than the default
    weaker = PasswordHashers([Argon2idHasher(memory_cost=128, time_cost=1, parallelism=1)])
    assert not weaker.needs_rehash(argon)  # never downgraded
    assert cheap.needs_rehash("md5$abc$def")
    assert cheap.needs_rehash("argon2id$nonsense")
    assert not cheap.needs_rehash(hashers.make_unusable_password())
    assert not cheap.needs_rehash(None)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (PBKDF2SHA256Hasher(iterations=1000), PBKDF2SHA256Hasher(iterations=2000)),
        (BcryptSHA256Hasher(rounds=4), BcryptSHA256Hasher(rounds=5)),
        (ScryptHasher(n=2**10, r=8, p=1), ScryptHasher(n=2**11, r=8, p=1)),
        (
            Argon2idHasher(memory_cost=256, time_cost=1, parallelism=1),
            Argon2idHasher(memory_cost=256, time_cost=2, parallelism=1),
        ),
    ],
    ids=ALGORITHMS[1:] + ALGORITHMS[:1],
)
def test_older_parameters_are_upgraded_on_login(old: Any, new: Any) -> None:
    encoded = PasswordHashers([old]).make_password("pw")
    current = PasswordHashers([new])
    assert current.needs_rehash(encoded)
    ok, upgraded = current.verify_and_upgrade("pw", encoded)
    assert ok
    assert upgraded is not None
    assert current.check_password("pw", upgraded)
    assert not current.needs_rehash(upgraded)
    assert current.verify_and_upgrade("pw", upgraded) == (True, None)
    assert current.verify_and_upgrade("wrong", encoded) == (False, None)


@pytest.mark.parametrize(
    "vector", VECTORS, ids=[f"{v['algorithm']}-{v['params']}-{i}" for i, v in enumerate(VECTORS)]
)
def test_django_hashes_verify_and_are_upgraded_to_argon2id(
    cheap: PasswordHashers, vector: dict[str, Any]
) -> None:
    ok, upgraded = cheap.verify_and_upgrade(vector["password"], vector["hash"])
    assert ok
    assert upgraded is not None
    assert upgraded.startswith("argon2id$")
    assert cheap.check_password(vector["password"], upgraded)
    assert not cheap.check_password(vector["password"] + "!", vector["hash"])


def test_vectors_cover_every_django_format() -> None:
    assert {v["algorithm"] for v in VECTORS} == {
        "pbkdf2_sha256", "argon2", "bcrypt_sha256", "bcrypt", "scrypt",
    }  # fmt: skip
    assert {v["algorithm"] for v in VECTORS if v["params"] == "django-default"} == {
        "pbkdf2_sha256", "argon2", "bcrypt_sha256", "bcrypt", "scrypt",
    }  # fmt: skip


def test_bastion_pbkdf2_hashes_verify_in_django() -> None:
    """The PBKDF2 layout is Django's, so hashes also move from Bastion to Django."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher  # needs no Django settings

    encoded = cheap_hashers().make_password("both ways", "pbkdf2_sha256")
    assert PBKDF2PasswordHasher().verify("both ways", encoded)
    assert not PBKDF2PasswordHasher().verify("both way", encoded)


def test_unknown_algorithm_and_bad_sets_are_refused(cheap: PasswordHashers) -> None:
    with pytest.raises(ValueError, match="md5"):
        cheap.make_password("pw", "md5")
    with pytest.raises(ValueError, match="at least one"):
        PasswordHashers([])
    with pytest.raises(ValueError, match="two hashers"):
        PasswordHashers([PBKDF2SHA256Hasher(1000), PBKDF2SHA256Hasher(2000)])


def test_identify(cheap: PasswordHashers) -> None:
    assert isinstance(cheap.identify("argon2$argon2id$..."), Argon2idHasher)
    assert isinstance(cheap.identify("bcrypt$$2b$..."), BcryptSHA256Hasher)
    assert cheap.identify("sha1$x$y") is None
    assert cheap.identify("!") is None
    assert cheap.identify("") is None


def test_unusable_passwords() -> None:
    first, second = hashers.make_unusable_password(), hashers.make_unusable_password()
    assert first.startswith("!")
    assert first != second
    assert not hashers.is_password_usable(first)
    assert not hashers.is_password_usable(None)
    assert not hashers.is_password_usable("")
    assert hashers.is_password_usable("argon2id$v=19,m=8,t=1,p=1$salt$AAAA")


def test_module_functions_use_the_process_wide_set(cheap: PasswordHashers) -> None:
    original = hashers.get_hashers()
    with hashers.use_hashers(cheap) as active:
        assert active is cheap is hashers.get_hashers()
        encoded = hashers.make_password("pw")
        assert encoded.startswith("argon2id$v=19,m=256,")
        assert hashers.check_password("pw", encoded)
        assert hashers.verify_and_upgrade("pw", encoded) == (True, None)
        assert not hashers.needs_rehash(encoded)
        assert hashers.dummy_verify("pw") is False
        assert isinstance(hashers.identify_hasher(encoded), Argon2idHasher)
        pbkdf2 = hashers.make_password("pw", "pbkdf2_sha256")
        ok, upgraded = hashers.verify_and_upgrade("pw", pbkdf2)
        assert ok
        assert upgraded is not None
        assert upgraded.startswith("argon2id$")
    assert hashers.get_hashers() is original
    with hashers.use_hashers([PBKDF2SHA256Hasher(1000)]) as active:
        assert hashers.make_password("pw").startswith("pbkdf2_sha256$1000$")
    assert hashers.get_hashers() is original


def test_lazy_reexports_from_the_package() -> None:
    assert bastion.auth.make_password is hashers.make_password
    assert bastion.auth.verify_and_upgrade is hashers.verify_and_upgrade
    assert "validate_password" in dir(bastion.auth)
    with pytest.raises(AttributeError):
        _ = bastion.auth.no_such_name


def test_repr_shows_parameters_not_secrets() -> None:
    assert repr(Argon2idHasher()) == "<Argon2idHasher argon2id$v=19,m=65536,t=3,p=4>"
    assert repr(PBKDF2SHA256Hasher()) == "<PBKDF2SHA256Hasher pbkdf2_sha256$1000000>"
