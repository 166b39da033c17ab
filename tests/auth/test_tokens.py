"""Password-reset tokens: expiry, single use, binding to one account, key rotation, uidb64."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bastion.auth.tokens import (
    PasswordResetTokenGenerator,
    check_token,
    make_token,
    uid_decode,
    uid_encode,
)
from bastion.settings import Settings

KEY = "tokens-tests-" + "x7Kq2mZ9pR4tN8wL1sB6yH3cF0jD5gAeU_oI2rT7vW4qS9zX1nM6b"
OLD_KEY = "tokens-tests-old-" + "P3nD8sK1qW6zR0mT5vY2xB7cH4jL9fG_aE-uO3iS8dN1k"
NOW = 1_800_000_000.0


@dataclass
class FakeUser:
    """The attributes a token is signed over; a plain object keeps these tests DB-free."""

    pk: int = 1
    email: str = "ann@example.com"
    password: str = "argon2id$v=19$m=256,t=1,p=1$c2FsdA$aGFzaA"
    last_login: datetime | None = None


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tokens(clock: Clock) -> PasswordResetTokenGenerator:
    return PasswordResetTokenGenerator(KEY, timeout=3600, clock=clock)


def test_a_fresh_token_is_valid_for_its_user(tokens: PasswordResetTokenGenerator) -> None:
    user = FakeUser()
    token = tokens.make_token(user)
    assert tokens.check_token(user, token)
    assert len(token) < 80
    assert "/" not in token
    assert "=" not in token


def test_a_token_expires_after_the_timeout(
    tokens: PasswordResetTokenGenerator, clock: Clock
) -> None:
    user = FakeUser()
    token = tokens.make_token(user)
    clock.now = NOW + 3600
    assert tokens.check_token(user, token)
    clock.now = NOW + 3601
    assert not tokens.check_token(user, token)


def test_a_token_from_the_future_is_refused_beyond_the_clock_skew(
    tokens: PasswordResetTokenGenerator, clock: Clock
) -> None:
    user = FakeUser()
    clock.now = NOW + 3600
    token = tokens.make_token(user)
    clock.now = NOW + 3600 - 30  # another server's clock a little behind: accepted
    assert tokens.check_token(user, token)
    clock.now = NOW
    assert not tokens.check_token(user, token)


@pytest.mark.parametrize(
    "change",
    [
        {"password": "argon2id$v=19$m=256,t=1,p=1$c2FsdA$b3RoZXI"},
        {"last_login": datetime(2027, 1, 1, tzinfo=UTC)},
        {"email": "ann@elsewhere.example"},
        {"pk": 2},
    ],
    ids=["password", "last_login", "email", "pk"],
)
def test_a_token_dies_when_the_account_changes(
    tokens: PasswordResetTokenGenerator, change: dict[str, object]
) -> None:
    user = FakeUser()
    token = tokens.make_token(user)
    changed = FakeUser(**{**user.__dict__, **change})  # type: ignore[arg-type]
    assert not tokens.check_token(changed, token)


def test_last_login_survives_a_database_round_trip(tokens: PasswordResetTokenGenerator) -> None:
    """Microseconds dropped or the zone lost on the way back must not kill the token."""
    aware = datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
    token = tokens.make_token(FakeUser(last_login=aware))
    assert tokens.check_token(FakeUser(last_login=aware.replace(microsecond=0)), token)
    assert tokens.check_token(FakeUser(last_login=aware.replace(tzinfo=None)), token)
    paris = aware.astimezone(timezone(timedelta(hours=2)))
    assert tokens.check_token(FakeUser(last_login=paris), token)


def test_tokens_under_a_retired_key_still_work(clock: Clock) -> None:
    user = FakeUser()
    old = PasswordResetTokenGenerator(OLD_KEY, clock=clock).make_token(user)
    rotated = PasswordResetTokenGenerator(KEY, [OLD_KEY], clock=clock)
    assert rotated.check_token(user, old)
    assert not PasswordResetTokenGenerator(KEY, clock=clock).check_token(user, old)


@pytest.mark.parametrize(
    "token",
    ["", "-", "abc", "zzzzzzzzzzzzzzzzzz-abc", "!!-abc", "x" * 500, None, 12, b"bytes"],
)
def test_malformed_tokens_are_false_never_an_error(
    tokens: PasswordResetTokenGenerator, token: object
) -> None:
    assert not tokens.check_token(FakeUser(), token)


def test_a_tampered_token_is_refused(tokens: PasswordResetTokenGenerator) -> None:
    user = FakeUser()
    token = tokens.make_token(user)
    stamp, _, signature = token.partition("-")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert not tokens.check_token(user, f"{stamp}-{flipped}")
    later = format(int(stamp, 36) + 1, "x")  # any other timestamp breaks the signature
    assert not tokens.check_token(user, f"{later}-{signature}")
    assert not tokens.check_token(None, token)


def test_the_settings_shortcuts_read_the_keys_and_timeout() -> None:
    settings = Settings(SECRET_KEY=KEY, SECRET_KEY_FALLBACKS=[OLD_KEY], PASSWORD_RESET_TIMEOUT=60)
    generator = PasswordResetTokenGenerator.from_settings(settings)
    assert generator.timeout == 60
    assert generator.fallbacks == (OLD_KEY,)
    user = FakeUser()
    assert check_token(user, make_token(user, settings), settings)
    assert "KEY" not in repr(generator)
    assert KEY not in repr(generator)


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="SECRET_KEY"):
        PasswordResetTokenGenerator("")
    with pytest.raises(ValueError, match="positive"):
        PasswordResetTokenGenerator(KEY, timeout=0)


@pytest.mark.parametrize("pk", [1, 42, 10**12, "c0ffee-uuid"])
def test_uidb64_round_trips(pk: object) -> None:
    encoded = uid_encode(pk)
    assert "=" not in encoded
    assert uid_decode(encoded) == str(pk)


@pytest.mark.parametrize("value", ["", "!!!", "%%", "A", "gA", "x" * 500, None, 5])
def test_uidb64_garbage_decodes_to_none(value: object) -> None:
    assert uid_decode(value) is None
