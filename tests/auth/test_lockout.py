"""Account lockout with exponential backoff, per-client throttling, unlock, audit events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from login_support import (
    PASSWORD,
    cheap_hashers,
    create_user,
    make_app,
    post_login,
    strict_policy,
)

from bastion import Bastion
from bastion.auth.lockout import Lockout, LockoutPolicy, account_key, unlock
from bastion.auth.models import AuditEvent, User
from bastion.http.request import Request
from bastion.testing import Client


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Bastion]:
    with cheap_hashers():
        application = make_app(tmp_path / "db.sqlite3", policy=strict_policy())
        try:
            with application.databases.activate():
                yield application
        finally:
            application.databases.release()
            application.close()


@pytest.fixture
def lockout(app: Bastion) -> Lockout:
    return Lockout(app.cache, strict_policy())


def request_from(app: Bastion, ip: str) -> Request:
    return Request(settings=app.settings, client_addr=ip, app=app)


def kinds(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind))


# -- the policy ------------------------------------------------------------------------------


def test_lock_duration_doubles_and_is_capped() -> None:
    policy = LockoutPolicy(lock_seconds=60, max_lock_seconds=300)
    assert [policy.lock_duration(n) for n in (1, 2, 3, 4, 100, 10**9)] == [
        60,
        120,
        240,
        300,
        300,
        300,
    ]


@pytest.mark.parametrize("bad", [0, -1, True, 2.5])
def test_policy_refuses_nonsense(bad: object) -> None:
    with pytest.raises(ValueError, match="max_failures"):
        LockoutPolicy(max_failures=bad)  # type: ignore[arg-type]


def test_account_key_is_case_insensitive_and_holds_no_address() -> None:
    assert account_key("Ann@Example.com") == account_key("ann@example.com")
    assert account_key("ann@example.com") != account_key("bob@example.com")
    assert "ann" not in account_key("ann@example.com")


# -- account lockout -------------------------------------------------------------------------


def test_account_locks_after_max_failures(app: Bastion, lockout: Lockout) -> None:
    request = request_from(app, "10.0.0.1")
    assert not lockout.register_failure(request, "ann@example.com")
    assert not lockout.register_failure(request, "ann@example.com")
    assert not lockout.is_locked("ann@example.com")
    assert lockout.register_failure(request, "ANN@example.com")  # the same account
    wait = lockout.account_retry_after("ann@example.com")
    assert wait is not None
    assert 55 <= wait <= 60
    assert not lockout.is_locked("bob@example.com")


def test_each_further_lock_lasts_twice_as_long(app: Bastion, lockout: Lockout) -> None:
    request = request_from(app, "10.0.0.1")
    waits = []
    for _ in range(3):
        for _ in range(3):
            lockout.register_failure(request, "ann@example.com")
        waits.append(lockout.account_retry_after("ann@example.com"))
        app.cache.delete(f"bastion.auth.lockout:lock:{account_key('ann@example.com')}")
    assert [w is not None and w > 0 for w in waits] == [True] * 3
    first, second, third = (w or 0 for w in waits)
    assert 55 <= first <= 60
    assert 115 <= second <= 120
    assert 235 <= third <= 240


def test_attempts_during_a_lock_do_not_extend_it(app: Bastion, lockout: Lockout) -> None:
    request = request_from(app, "10.0.0.1")
    for _ in range(3):
        lockout.register_failure(request, "ann@example.com")
    before = lockout.account_retry_after("ann@example.com")
    for _ in range(10):
        assert not lockout.register_failure(request, "ann@example.com", account=False)
    assert lockout.account_retry_after("ann@example.com") == before


def test_success_resets_the_failure_count(app: Bastion, lockout: Lockout) -> None:
    request = request_from(app, "10.0.0.1")
    for _ in range(2):
        lockout.register_failure(request, "ann@example.com")
    lockout.register_success("ann@example.com")
    for _ in range(2):
        lockout.register_failure(request, "ann@example.com")
    assert not lockout.is_locked("ann@example.com")


def test_each_lock_is_audited_with_the_user(app: Bastion, lockout: Lockout) -> None:
    ann = create_user(app, "ann@example.com")
    request = request_from(app, "10.0.0.9")
    for _ in range(3):
        lockout.register_failure(request, "ann@example.com")
    (event,) = kinds("login.locked")
    assert event.user_id == ann.pk  # type: ignore[attr-defined]
    assert event.ip == "10.0.0.9"
    assert event.detail["seconds"] == 60
    assert event.detail["account"] == account_key("ann@example.com")
    # Unknown addresses lock the same way (the responses must not differ), without a user.
    for _ in range(3):
        lockout.register_failure(request, "ghost@example.com")
    assert [e.user_id for e in kinds("login.locked")].count(None) == 1  # type: ignore[attr-defined]


def test_unlock_clears_lock_failures_and_backoff(app: Bastion, lockout: Lockout) -> None:
    request = request_from(app, "10.0.0.1")
    for _ in range(3):
        lockout.register_failure(request, "ann@example.com")
    assert lockout.is_locked("ann@example.com")
    unlock("ann@example.com", cache=app.cache, by="admin@example.com")
    assert not lockout.is_locked("ann@example.com")
    for _ in range(3):
        lockout.register_failure(request, "ann@example.com")
    assert lockout.account_retry_after("ann@example.com") == 60  # level 1 again
    assert len(kinds("login.unlocked")) == 1


# -- client throttling -----------------------------------------------------------------------


def test_client_is_throttled_after_its_budget(app: Bastion, lockout: Lockout) -> None:
    attacker, bystander = request_from(app, "203.0.113.7"), request_from(app, "198.51.100.1")
    for n in range(10):
        assert lockout.client_retry_after(attacker) is None
        lockout.register_failure(attacker, f"user{n}@example.com")
    wait = lockout.client_retry_after(attacker)
    assert wait is not None
    assert 0 < wait <= 15 * 60
    assert lockout.client_retry_after(bystander) is None
    lockout.unblock_client(attacker)
    assert lockout.client_retry_after(attacker) is None


def test_ipv6_clients_are_counted_by_their_slash_64(app: Bastion, lockout: Lockout) -> None:
    for n in range(10):
        lockout.register_failure(request_from(app, f"2001:db8::{n + 1}"), f"u{n}@example.com")
    assert lockout.client_retry_after(request_from(app, "2001:db8::ffff")) is not None
    assert lockout.client_retry_after(request_from(app, "2001:db8:1::1")) is None


# -- through the login view ------------------------------------------------------------------


def test_a_locked_account_refuses_even_the_right_password(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    client = Client(app)
    for _ in range(3):
        assert post_login(client, "ann@example.com", "wrong").status_code == 400
    locked = post_login(client, "ann@example.com", PASSWORD)
    assert locked.status_code == 400
    assert "Please enter a correct email address and password." in locked.text
    assert client.get("/whoami/").json()["authenticated"] is False
    unlock("ann@example.com", cache=app.cache)
    assert post_login(client, "ann@example.com", PASSWORD).status_code == 303


def test_the_view_answers_429_with_retry_after(app: Bastion) -> None:
    client = Client(app)
    for n in range(10):
        assert post_login(client, f"user{n}@example.com", "guess", ip="192.0.2.1").status_code == (
            400
        )
    response = post_login(client, "user@example.com", "guess", ip="192.0.2.1")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    # Another client is unaffected.
    assert post_login(client, "user@example.com", "guess", ip="192.0.2.2").status_code == 400


def test_a_successful_login_resets_the_account_counter(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    client = Client(app)
    for _ in range(2):
        post_login(client, "ann@example.com", "wrong")
    assert post_login(client, "ann@example.com", PASSWORD).status_code == 303
    for _ in range(2):
        post_login(client, "ann@example.com", "wrong")
    assert post_login(client, "ann@example.com", PASSWORD).status_code == 303
    assert User.objects.filter(email="ann@example.com").exists()
