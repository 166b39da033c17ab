"""TOTP devices: sealed secrets, the ±1 step window, one use per code (on every database)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pyotp
import pytest
from login_support import cheap_hashers
from mfa_support import START, Clock, code_at

from bastion.auth.mfa import totp
from bastion.auth.models import TOTPDevice, User
from bastion.db import Databases

KEY = "mfa-totp-tests-" + "x" * 50
SETTINGS = SimpleNamespace(SECRET_KEY=KEY, SECRET_KEY_FALLBACKS=())


@pytest.fixture
def user(db: Databases) -> Iterator[User]:
    with cheap_hashers():
        yield User.objects.create_user("ann@example.com", "correct horse battery staple 42")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def confirmed(user: User) -> tuple[TOTPDevice, str]:
    device = totp.create_device(user, SETTINGS)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    secret = totp.device_secret(device, SETTINGS)
    assert secret is not None
    return device, secret


# -- sealing ---------------------------------------------------------------------------------


def test_a_sealed_secret_opens_only_for_its_user_and_key() -> None:
    sealed = totp.seal_secret("JBSWY3DPEHPK3PXP", 7, KEY)
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert totp.open_secret(sealed, 7, [KEY]) == "JBSWY3DPEHPK3PXP"
    assert totp.open_secret(sealed, 8, [KEY]) is None  # copied onto another user's row
    assert totp.open_secret(sealed, 7, ["another-key-" + "y" * 50]) is None
    assert totp.open_secret("JBSWY3DPEHPK3PXP", 7, [KEY]) is None  # never stored in clear
    assert totp.open_secret("v1$not base64!!", 7, [KEY]) is None


def test_a_retired_key_still_opens_secrets_sealed_before_rotation() -> None:
    sealed = totp.seal_secret("JBSWY3DPEHPK3PXP", 7, KEY)
    assert totp.open_secret(sealed, 7, ["new-key-" + "z" * 50, KEY]) == "JBSWY3DPEHPK3PXP"


def test_the_database_holds_no_clear_secret(user: User) -> None:
    device, secret = confirmed(user)
    stored = TOTPDevice.objects.get(pk=device.pk).secret
    assert secret not in stored
    assert stored.startswith("v1$")
    assert len(secret) >= 32  # 160 bits of base32


def test_a_new_enrolment_replaces_an_unconfirmed_device(user: User) -> None:
    first = totp.create_device(user, SETTINGS)
    second = totp.create_device(user, SETTINGS)
    assert list(TOTPDevice.objects.filter(user=user).values_list("id", flat=True)) == [second.pk]
    assert totp.device_secret(first, SETTINGS) != totp.device_secret(second, SETTINGS)
    assert not totp.has_mfa(user)
    assert totp.confirmed_device(user) is None


# -- codes -----------------------------------------------------------------------------------


def test_the_current_code_is_accepted_once(user: User, clock: Clock) -> None:
    device, secret = confirmed(user)
    code = code_at(secret, START)
    assert totp.verify_code(device, code, SETTINGS)
    assert not totp.verify_code(device, code, SETTINGS)
    # A stale copy of the row (another worker) cannot replay it either.
    stale = TOTPDevice.objects.get(pk=device.pk)
    stale.last_step = 0
    assert not totp.verify_code(stale, code, SETTINGS)
    assert TOTPDevice.objects.get(pk=device.pk).last_step == int(START) // 30


@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_one_step_either_side_is_accepted(user: User, clock: Clock, offset: int) -> None:
    device, secret = confirmed(user)
    assert totp.verify_code(device, code_at(secret, START + offset), SETTINGS)


@pytest.mark.parametrize("offset", [-90, -60, 60, 90, 3600])
def test_codes_outside_the_window_are_refused(user: User, clock: Clock, offset: int) -> None:
    device, secret = confirmed(user)
    assert not totp.verify_code(device, code_at(secret, START + offset), SETTINGS)
    assert TOTPDevice.objects.get(pk=device.pk).last_step == 0


def test_an_earlier_code_is_refused_after_a_later_one(user: User, clock: Clock) -> None:
    device, secret = confirmed(user)
    assert totp.verify_code(device, code_at(secret, START + 30), SETTINGS)
    assert not totp.verify_code(device, code_at(secret, START), SETTINGS)
    clock.advance(60)
    assert totp.verify_code(device, code_at(secret, START + 60), SETTINGS)


@pytest.mark.parametrize("junk", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", None, 123456])
def test_malformed_codes_are_refused(user: User, clock: Clock, junk: object) -> None:
    device, _ = confirmed(user)
    assert not totp.verify_code(device, junk, SETTINGS)


def test_spaces_and_dashes_are_ignored(user: User, clock: Clock) -> None:
    device, secret = confirmed(user)
    code = code_at(secret, START)
    assert totp.verify_code(device, f" {code[:3]} {code[3:]} ", SETTINGS)


def test_the_provisioning_uri_names_the_account_and_issuer(user: User) -> None:
    device = totp.create_device(user, SETTINGS)
    uri = totp.provisioning_uri(device, SETTINGS, "ann@example.com", "example.com")
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.secret == totp.device_secret(device, SETTINGS)
    assert parsed.issuer == "example.com"
    assert parsed.interval == 30
    assert parsed.digits == 6
