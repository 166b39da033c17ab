"""Attacks on the second factor: replay, the window, recovery-code reuse, the half-logged-in
state, fixation across the second step, and code guessing against the lockout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from login_support import PASSWORD, cheap_hashers, create_user, csrf_token, strict_policy
from mfa_support import (
    SESSION,
    START,
    VERIFY,
    Clock,
    code_at,
    enrol,
    give_codes,
    make_mfa_app,
    password_step,
    post_code,
)

from bastion import Bastion
from bastion.auth.models import AuditEvent, User
from bastion.testing import Client

EMAIL = "ann@example.com"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Bastion]:
    policy = strict_policy()  # 3 failures lock the account
    with cheap_hashers():
        application = make_mfa_app(tmp_path / "db.sqlite3", policy=policy, AUTH_LOCKOUT=policy)
        try:
            yield application
        finally:
            application.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def ann(app: Bastion) -> User:
    return create_user(app, EMAIL, is_staff=True)


@pytest.fixture
def secret(app: Bastion, ann: User) -> str:
    return enrol(app, ann)


def logged_in_as(client: Client) -> object:
    return client.get("/whoami/").json()["email"]


def fresh_login(app: Bastion) -> Client:
    client = Client(app)
    assert password_step(client, EMAIL).headers["Location"] == VERIFY
    return client


# -- TOTP ------------------------------------------------------------------------------------


def test_a_totp_code_cannot_be_replayed(app: Bastion, secret: str, clock: Clock) -> None:
    code = code_at(secret, START)
    first = fresh_login(app)
    assert post_code(first, code).status_code == 303
    # The same code, seen over a shoulder, in a second browser within the same 30 s.
    thief = fresh_login(app)
    replay = post_code(thief, code)
    assert replay.status_code == 400
    assert logged_in_as(thief) is None


def test_an_older_code_is_refused_after_a_newer_one(
    app: Bastion, secret: str, clock: Clock
) -> None:
    assert post_code(fresh_login(app), code_at(secret, START + 30)).status_code == 303
    assert post_code(fresh_login(app), code_at(secret, START)).status_code == 400


@pytest.mark.parametrize("offset", [-3600, -90, -60, 60, 90, 3600])
def test_codes_outside_one_step_are_refused(
    app: Bastion, secret: str, clock: Clock, offset: int
) -> None:
    client = fresh_login(app)
    assert post_code(client, code_at(secret, START + offset)).status_code == 400
    assert logged_in_as(client) is None


@pytest.mark.parametrize("offset", [-30, 30])
def test_one_step_of_drift_is_tolerated(
    app: Bastion, secret: str, clock: Clock, offset: int
) -> None:
    client = fresh_login(app)
    assert post_code(client, code_at(secret, START + offset)).status_code == 303


# -- recovery codes --------------------------------------------------------------------------


def test_a_recovery_code_cannot_be_reused(app: Bastion, ann: User, secret: str) -> None:
    codes = give_codes(app, ann)
    first = fresh_login(app)
    assert post_code(first, codes[0]).status_code == 303
    assert logged_in_as(first) == EMAIL
    second = fresh_login(app)
    assert post_code(second, codes[0]).status_code == 400
    assert logged_in_as(second) is None
    with app.databases.activate():
        assert AuditEvent.objects.filter(kind="mfa.recovery_code_used").count() == 1
        app.databases.release()


def test_another_users_recovery_code_is_refused(app: Bastion, ann: User, secret: str) -> None:
    bob = create_user(app, "bob@example.com")
    bobs = give_codes(app, bob)
    client = fresh_login(app)
    assert post_code(client, bobs[0]).status_code == 400


# -- the half-logged-in state ----------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        "/private/",
        "/private-class/",
        "/staff-class/",
        "/users/",
        "/accounts/mfa/recovery-codes/",
        "/accounts/mfa/disable/",
        "/accounts/mfa/setup/",
    ],
)
def test_pages_between_the_steps_treat_the_visitor_as_anonymous(
    app: Bastion, secret: str, page: str
) -> None:
    client = fresh_login(app)
    response = client.get(page)
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/accounts/login/")
    assert client.get("/whoami/").json() == {"authenticated": False, "email": None}
    assert client.get("/staff/").status_code in (302, 403)


def test_posting_to_protected_pages_between_the_steps_does_nothing(
    app: Bastion, ann: User, secret: str
) -> None:
    client = fresh_login(app)
    token = csrf_token(client, VERIFY)
    disable = client.post(
        "/accounts/mfa/disable/", data={"password": PASSWORD, "csrf_token": token}
    )
    assert disable.status_code in (302, 303)
    regenerate = client.post("/accounts/mfa/recovery-codes/", data={"csrf_token": token})
    assert regenerate.status_code in (302, 303)
    with app.databases.activate():
        kinds = set(AuditEvent.objects.values_list("kind", flat=True))
        app.databases.release()
    assert "mfa.removed" not in kinds
    assert "mfa.recovery_codes_generated" not in kinds


def test_an_expired_pending_state_grants_nothing(app: Bastion, secret: str, clock: Clock) -> None:
    client = fresh_login(app)
    token = csrf_token(client, VERIFY)
    clock.advance(10 * 60)
    late = client.post(VERIFY, data={"code": code_at(secret, clock.value), "csrf_token": token})
    assert late.headers["Location"] == "/accounts/login/"
    assert logged_in_as(client) is None


def test_the_session_id_changes_when_the_second_step_completes(
    app: Bastion, secret: str, clock: Clock
) -> None:
    victim = fresh_login(app)
    before = victim.cookies[SESSION]
    assert post_code(victim, code_at(secret, START)).status_code == 303
    assert victim.cookies[SESSION] != before
    # Whoever copied the pending cookie has nothing.
    attacker = Client(app)
    attacker.set_cookie(SESSION, before)
    assert logged_in_as(attacker) is None
    assert attacker.get(VERIFY).headers["Location"] == "/accounts/login/"


# -- guessing --------------------------------------------------------------------------------


def wrong(client: Client) -> int:
    status: int = post_code(client, "000000").status_code
    return status


def test_failed_codes_lock_the_account_and_restarting_does_not_reset(
    app: Bastion, secret: str, clock: Clock
) -> None:
    client = fresh_login(app)
    assert wrong(client) == 400
    assert wrong(client) == 400
    # Restart the login with the right password: the two failures still count.
    client = fresh_login(app)
    assert wrong(client) == 400  # the third failure: locked
    # Locked: the right password no longer reaches the second step, and this session's
    # pending state is gone (the login must start again, after the lock).
    assert password_step(Client(app), EMAIL).status_code == 400
    assert client.get(VERIFY).headers["Location"] == "/accounts/login/"
    assert logged_in_as(client) is None
    with app.databases.activate():
        kinds = list(AuditEvent.objects.values_list("kind", flat=True))
        app.databases.release()
    assert kinds.count("mfa.failed") == 3
    assert "login.locked" in kinds


def test_a_pending_session_is_refused_once_the_account_locks(
    app: Bastion, secret: str, clock: Clock
) -> None:
    patient = fresh_login(app)  # pending, waiting
    guesser = fresh_login(app)
    for _ in range(3):
        wrong(guesser)
    response = post_code(patient, code_at(secret, START))
    assert response.status_code == 400
    assert logged_in_as(patient) is None


def test_password_and_code_failures_share_one_budget(
    app: Bastion, secret: str, clock: Clock
) -> None:
    assert password_step(Client(app), EMAIL, "wrong password 1234").status_code == 400
    assert password_step(Client(app), EMAIL, "wrong password 5678").status_code == 400
    client = fresh_login(app)
    assert wrong(client) == 400  # the third failure of the account
    assert password_step(Client(app), EMAIL).status_code == 400


def test_a_success_resets_the_count(app: Bastion, secret: str, clock: Clock) -> None:
    client = fresh_login(app)
    wrong(client)
    wrong(client)
    assert post_code(client, code_at(secret, START)).status_code == 303
    client = fresh_login(app)
    wrong(client)
    wrong(client)
    assert post_code(client, code_at(secret, START + 30)).status_code == 303


def test_guessing_the_password_on_the_disable_page_locks_and_logs_out(
    app: Bastion, ann: User, secret: str, clock: Clock
) -> None:
    client = fresh_login(app)
    assert post_code(client, code_at(secret, START)).status_code == 303
    page = "/accounts/mfa/disable/"
    for attempt in range(3):
        token = csrf_token(client, page)
        response = client.post(page, data={"password": f"guess {attempt} xyz", "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/accounts/login/"
    assert logged_in_as(client) is None
    assert password_step(Client(app), EMAIL).status_code == 400  # the account is locked
