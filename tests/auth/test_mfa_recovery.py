"""Recovery codes: ten, single use, stored hashed, replaced as a set (on every database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from login_support import cheap_hashers

from bastion.auth.mfa import recovery
from bastion.auth.models import RecoveryCode, User
from bastion.db import Databases


@pytest.fixture
def user(db: Databases) -> Iterator[User]:
    with cheap_hashers():
        yield User.objects.create_user("ann@example.com", "correct horse battery staple 42")


def test_ten_distinct_codes_of_the_documented_shape(user: User) -> None:
    with cheap_hashers():
        codes = recovery.generate_codes(user)
    assert len(codes) == recovery.CODE_COUNT == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert len(code) == 11
        assert code[5] == "-"
        assert recovery.looks_like_recovery_code(code)
    assert recovery.remaining_codes(user) == 10


def test_codes_are_stored_hashed(user: User) -> None:
    with cheap_hashers():
        codes = recovery.generate_codes(user)
    stored = [row.code_hash for row in RecoveryCode.objects.filter(user=user)]
    assert len(stored) == 10
    for code in codes:
        assert not any(code in h or code.replace("-", "") in h for h in stored)
    assert all(h.startswith("argon2id$") for h in stored)


def test_a_code_works_once(user: User) -> None:
    with cheap_hashers():
        codes = recovery.generate_codes(user)
        assert recovery.use_code(user, codes[3])
        assert not recovery.use_code(user, codes[3])
        assert recovery.remaining_codes(user) == 9
        assert recovery.use_code(user, codes[4])


def test_typing_variations_are_accepted(user: User) -> None:
    with cheap_hashers():
        codes = recovery.generate_codes(user)
        assert recovery.use_code(user, codes[0].upper())
        assert recovery.use_code(user, " " + codes[1].replace("-", " ") + " ")
        assert recovery.use_code(user, codes[2].replace("-", ""))


@pytest.mark.parametrize(
    "junk", ["", "aaaaa-aaaa", "aaaaa-aaaaaa", "0oooo-11111", None, 42, "x" * 999]
)
def test_malformed_input_is_refused(user: User, junk: object) -> None:
    with cheap_hashers():
        recovery.generate_codes(user)
        assert not recovery.use_code(user, junk)


def test_a_new_set_revokes_the_old_one(user: User) -> None:
    with cheap_hashers():
        old = recovery.generate_codes(user)
        new = recovery.generate_codes(user)
        assert not recovery.use_code(user, old[0])
        assert recovery.use_code(user, new[0])
        assert RecoveryCode.objects.filter(user=user).count() == 10


def test_another_users_code_is_refused(user: User) -> None:
    with cheap_hashers():
        other = User.objects.create_user("bob@example.com", "correct horse battery staple 42")
        codes = recovery.generate_codes(other)
        recovery.generate_codes(user)
        assert not recovery.use_code(user, codes[0])
        assert recovery.use_code(other, codes[0])
