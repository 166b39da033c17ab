"""The login, logout and sign-up pages through the test client."""

from __future__ import annotations

import pytest
from login_support import (
    PASSWORD,
    create_user,
    csrf_token,
    post_login,
)

from bastion import Bastion
from bastion.auth.models import AuditEvent, User
from bastion.auth.redirects import safe_next
from bastion.auth.urls import routes
from bastion.testing import Client

NEW_PASSWORD = "plum-tractor-velvet-41-orbit"


def users(app: Bastion) -> list[User]:
    with app.databases.activate():
        found = list(User.objects.all())
        app.databases.release()
    return found


def test_routes_have_the_agreed_names() -> None:
    names = [route.name for route in routes]
    assert names[:3] == ["login", "logout", "signup"]


# -- login -----------------------------------------------------------------------------------


def test_login_page_shows_the_form(app: Bastion) -> None:
    response = Client(app).get("/accounts/login/")
    assert response.status_code == 200
    assert response.template_name == "auth/login.html"
    assert 'name="email"' in response.text
    assert 'type="password"' in response.text
    assert 'name="csrf_token"' in response.text


@pytest.mark.parametrize(
    "page", ["/accounts/login/", "/accounts/signup/", "/accounts/signup/done/"]
)
def test_pages_are_csp_clean(app: Bastion, page: str) -> None:
    response = Client(app).get(page)
    assert response.status_code == 200
    lowered = response.text.lower()
    assert "<script" not in lowered
    assert "<style" not in lowered
    assert " style=" not in lowered
    assert " on" not in lowered.replace(" one", "")  # no inline event handlers
    assert "Content-Security-Policy" in response.headers


def test_login_success_redirects_home_by_default(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    response = post_login(Client(app), "ann@example.com", PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_wrong_password_shows_the_one_message(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    response = post_login(Client(app), "ann@example.com", "wrong")
    assert response.status_code == 400
    assert "Please enter a correct email address and password." in response.text
    assert PASSWORD not in response.text
    assert 'value="wrong"' not in response.text


def test_incomplete_form_is_a_400_without_touching_accounts(app: Bastion) -> None:
    client = Client(app)
    response = client.post(
        "/accounts/login/", data={"email": "ann@example.com", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 400
    assert "This field is required." in response.text
    with app.databases.activate():
        assert not AuditEvent.objects.filter(kind="login.failed").exists()
        app.databases.release()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/private/", "/private/"),
        ("/search/?q=a%20b", "/search/?q=a%20b"),
        ("//evil.com", None),
        ("https://evil.com/", None),
        ("/\\evil.com", None),
        ("%2F%2Fevil.com", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_next(value: str | None, expected: str | None) -> None:
    assert safe_next(value) == expected


# -- logout ----------------------------------------------------------------------------------


def test_logout_needs_post(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    client = Client(app)
    post_login(client, "ann@example.com", PASSWORD)
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert client.get("/whoami/").json()["authenticated"] is True
    response = client.post("/accounts/logout/", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert client.get("/whoami/").json()["authenticated"] is False


# -- sign-up ---------------------------------------------------------------------------------


def signup(client: Client, email: str, password: str = NEW_PASSWORD) -> object:
    token = csrf_token(client, "/accounts/signup/")
    return client.post(
        "/accounts/signup/", data={"email": email, "password": password, "csrf_token": token}
    )


def test_signup_creates_an_account_that_can_log_in(app: Bastion) -> None:
    client = Client(app)
    response = signup(client, "New@Example.COM")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["Location"] == "/accounts/signup/done/"  # type: ignore[attr-defined]
    assert [u.email for u in users(app)] == ["New@example.com"]
    assert client.get("/whoami/").json()["authenticated"] is False  # not logged in by it
    assert post_login(client, "new@example.com", NEW_PASSWORD).status_code == 303
    done = Client(app).get("/accounts/signup/done/")
    assert done.status_code == 200
    assert "log in" in done.text.lower()


def test_signup_lists_every_password_problem(app: Bastion) -> None:
    response = signup(Client(app), "weak@example.com", "1234")
    assert response.status_code == 400  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert "at least 12 characters" in text
    assert "entirely numeric" in text
    assert users(app) == []


def test_signup_with_a_taken_address_changes_nothing(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    response = signup(Client(app), "ANN@example.com".lower(), NEW_PASSWORD)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert len(users(app)) == 1
    # Ann's password is still hers.
    assert post_login(Client(app), "ann@example.com", PASSWORD).status_code == 303
    assert post_login(Client(app), "ann@example.com", NEW_PASSWORD).status_code == 400
    with app.databases.activate():
        assert AuditEvent.objects.filter(kind="signup.existing").count() == 1
        app.databases.release()
