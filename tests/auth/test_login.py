"""``authenticate``, ``login`` and ``logout`` on a real application and SQLite database."""

from __future__ import annotations

import pytest
from login_support import (
    PASSWORD,
    create_user,
    events,
    post_login,
    reload,
)

from bastion import Bastion
from bastion.auth.login import authenticate
from bastion.auth.models import User
from bastion.testing import Client

SESSION = "__Host-session"
CSRF = "__Host-csrftoken"


@pytest.fixture
def ann(app: Bastion) -> User:
    return create_user(app, "Ann@Example.com")


# -- authenticate ----------------------------------------------------------------------------


def test_authenticate_accepts_the_right_password_only(app: Bastion, ann: User) -> None:
    with app.databases.activate():
        user = authenticate(None, "Ann@Example.com", PASSWORD)
        assert user is not None
        assert user.pk == ann.pk
        assert authenticate(None, "Ann@Example.com", PASSWORD + "x") is None
        assert authenticate(None, "Ann@Example.com", "") is None
        app.databases.release()


def test_authenticate_matches_the_address_case_insensitively(app: Bastion, ann: User) -> None:
    with app.databases.activate():
        user = authenticate(None, "ann@EXAMPLE.COM", PASSWORD)
        assert user is not None
        assert user.pk == ann.pk
        assert authenticate(None, "ANN@example.com", PASSWORD) is not None
        app.databases.release()


def test_authenticate_refuses_unknown_inactive_and_unusable(app: Bastion) -> None:
    create_user(app, "off@example.com", is_active=False)
    create_user(app, "nopass@example.com", password=None)
    with app.databases.activate():
        assert authenticate(None, "nobody@example.com", PASSWORD) is None
        assert authenticate(None, "off@example.com", PASSWORD) is None  # right password
        assert authenticate(None, "nopass@example.com", "") is None
        assert authenticate(None, "x" * 300 + "@example.com", PASSWORD) is None
        app.databases.release()


# -- login -----------------------------------------------------------------------------------


def test_login_stores_the_user_cycles_the_session_and_rotates_csrf(app: Bastion, ann: User) -> None:
    client = Client(app)
    post_login(client, "ann@example.com", PASSWORD)
    first_session, first_csrf = client.cookies[SESSION], client.cookies[CSRF]
    response = post_login(client, "ann@example.com", PASSWORD)
    assert response.status_code == 303
    assert client.cookies[SESSION] != first_session
    assert client.cookies[CSRF] != first_csrf
    assert client.get("/whoami/").json() == {"authenticated": True, "email": "Ann@example.com"}
    # The old session id stopped working when the key cycled.
    replay = Client(app)
    replay.set_cookie(SESSION, first_session)
    assert replay.get("/whoami/").json()["authenticated"] is False


def test_login_updates_last_login_and_audits(app: Bastion, ann: User) -> None:
    assert getattr(ann, "last_login", "unset") is None
    post_login(Client(app), "ann@example.com", PASSWORD)
    assert reload(app, ann).last_login is not None
    (event,) = events(app, "login.succeeded")
    assert event.user_id == ann.pk  # type: ignore[attr-defined]
    assert event.ip == "127.0.0.1"
    assert PASSWORD not in str(event.detail)


def test_login_as_someone_else_empties_the_previous_session(app: Bastion, ann: User) -> None:
    create_user(app, "bob@example.com")
    client = Client(app)
    post_login(client, "ann@example.com", PASSWORD)
    ann_session = client.cookies[SESSION]
    post_login(client, "bob@example.com", PASSWORD)
    assert client.get("/whoami/").json()["email"] == "bob@example.com"
    stale = Client(app)
    stale.set_cookie(SESSION, ann_session)
    assert stale.get("/whoami/").json()["authenticated"] is False


def test_failed_login_is_audited_without_the_password(app: Bastion, ann: User) -> None:
    post_login(Client(app), "ann@example.com", "not the password")
    (event,) = events(app, "login.failed")
    assert event.detail.get("email") == "ann@example.com"
    assert "not the password" not in str(event.detail)


# -- logout ----------------------------------------------------------------------------------


def test_logout_flushes_the_session_and_audits(app: Bastion, ann: User) -> None:
    client = Client(app)
    post_login(client, "ann@example.com", PASSWORD)
    session = client.cookies[SESSION]
    token = client.get("/accounts/login/").text.split('name="csrf_token" value="')[1]
    response = client.post("/accounts/logout/", data={"csrf_token": token.split('"')[0]})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert SESSION not in client.cookies
    assert client.get("/whoami/").json()["authenticated"] is False
    # The server-side record is gone: a copy of the cookie is worthless.
    thief = Client(app)
    thief.set_cookie(SESSION, session)
    assert thief.get("/whoami/").json()["authenticated"] is False
    (event,) = events(app, "logout")
    assert event.user_id == ann.pk  # type: ignore[attr-defined]


def test_logout_when_anonymous_is_harmless(app: Bastion) -> None:
    client = Client(app)
    response = client.post("/accounts/logout/")
    assert response.status_code == 303
    assert events(app, "logout") == []
