"""Password change and reset pages on a real application, SQLite database and memory mailer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from login_support import (
    PASSWORD,
    SITE_URL,
    cheap_hashers,
    create_user,
    csrf_token,
    events,
    make_password_app,
    outbox,
    post_login,
    reload,
    request_reset,
    reset_links,
)

from bastion import Bastion
from bastion.auth.models import User
from bastion.auth.views.password import password_routes
from bastion.testing import Client

NEW_PASSWORD = "a brand new passphrase for 2027"
CHANGE = "/accounts/password_change/"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Bastion]:
    with cheap_hashers():
        application = make_password_app(tmp_path / "db.sqlite3")
        try:
            yield application
        finally:
            application.close()


def logged_in(app: Bastion, email: str = "ann@example.com") -> Client:
    client = Client(app)
    assert post_login(client, email, PASSWORD).status_code == 303
    return client


def whoami(client: Client) -> str | None:
    email: str | None = client.get("/whoami/").json()["email"]
    return email


def change(client: Client, old: str, new1: str, new2: str | None = None) -> object:
    data = {
        "old_password": old,
        "new_password1": new1,
        "new_password2": new1 if new2 is None else new2,
        "csrf_token": csrf_token(client, CHANGE),
    }
    return client.post(CHANGE, data=data)


def confirm_path(link: str) -> str:
    assert link.startswith(SITE_URL + "/")
    return link.removeprefix(SITE_URL)


def set_password(client: Client, path: str, new1: str, new2: str | None = None) -> object:
    data = {
        "new_password1": new1,
        "new_password2": new1 if new2 is None else new2,
        "csrf_token": csrf_token(client, path),
    }
    return client.post(path, data=data)


def test_the_routes_have_djangos_names() -> None:
    names = [route.name for route in password_routes]
    assert names == [
        "password_change",
        "password_change_done",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
    ]


# -- change ----------------------------------------------------------------------------------


def test_the_change_page_needs_a_login(app: Bastion) -> None:
    response = Client(app).get(CHANGE)
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/accounts/login/?next=")


def test_a_change_needs_the_old_password(app: Bastion, ann: User) -> None:
    client = logged_in(app)
    response = change(client, "not my password at all", NEW_PASSWORD)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "old password was entered incorrectly" in response.text  # type: ignore[attr-defined]
    assert reload(app, ann).password == ann.password
    assert len(events(app, "password.change_failed")) == 1
    assert whoami(client) == "ann@example.com"


@pytest.mark.parametrize(
    ("new1", "new2", "message"),
    [
        (NEW_PASSWORD, NEW_PASSWORD + "x", "do not match"),
        ("short", "short", "at least"),
        ("12345678901234567890", "12345678901234567890", "entirely numeric"),
    ],
)
def test_a_change_validates_the_new_password(
    app: Bastion, ann: User, new1: str, new2: str, message: str
) -> None:
    client = logged_in(app)
    response = change(client, PASSWORD, new1, new2)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.text  # type: ignore[attr-defined]
    assert reload(app, ann).password == ann.password


def test_a_change_keeps_this_session_and_ends_the_others(app: Bastion, ann: User) -> None:
    here, elsewhere = logged_in(app), logged_in(app)
    response = change(here, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["Location"] == "/accounts/password_change/done/"  # type: ignore[attr-defined]
    assert here.get("/accounts/password_change/done/").status_code == 200
    assert whoami(here) == "ann@example.com"
    assert whoami(elsewhere) is None
    assert reload(app, ann).check_password(NEW_PASSWORD)
    assert len(events(app, "password.changed")) == 1
    assert post_login(Client(app), "ann@example.com", NEW_PASSWORD).status_code == 303


# -- reset request ---------------------------------------------------------------------------


def test_a_reset_mails_a_link_on_site_url(app: Bastion, ann: User) -> None:
    client = Client(app)
    assert client.get("/accounts/password_reset/").status_code == 200
    response = request_reset(client, "ANN@example.com")
    assert response.status_code == 303
    assert response.headers["Location"] == "/accounts/password_reset/done/"
    (message,) = outbox(app)
    # To the stored address, not the one typed (no look-alike address gets the link).
    assert [address.addr_spec for address in message.to] == ["ann@example.com"]
    assert message.html is not None
    assert reset_links(app)[0] in message.html
    (link,) = reset_links(app)
    assert link.startswith(SITE_URL + "/accounts/reset/")
    assert client.get("/accounts/password_reset/done/").status_code == 200
    (event,) = events(app, "password.reset_requested")
    assert event.user_id == ann.pk


def test_no_mail_for_unknown_inactive_or_passwordless_accounts(app: Bastion) -> None:
    create_user(app, "off@example.com", is_active=False)
    create_user(app, "nopass@example.com", password=None)
    for email in ("nobody@example.com", "off@example.com", "nopass@example.com"):
        assert request_reset(Client(app), email).status_code == 303
    assert outbox(app) == []


def test_a_malformed_address_shows_the_form_again(app: Bastion) -> None:
    response = request_reset(Client(app), "not an address")
    assert response.status_code == 400
    assert outbox(app) == []


def test_without_site_url_a_reset_fails_closed(tmp_path: Path) -> None:
    with cheap_hashers():
        app = make_password_app(tmp_path / "db.sqlite3", SITE_URL="")
        try:
            create_user(app, "ann@example.com")
            client = Client(app, raise_server_exceptions=False)
            statuses = {request_reset(client, e).status_code for e in ("ann@example.com", "x@y.z")}
            assert statuses == {500}
            assert outbox(app) == []
        finally:
            app.close()


# -- confirmation ----------------------------------------------------------------------------


def test_a_valid_link_sets_the_password_without_logging_in(app: Bastion, ann: User) -> None:
    client = Client(app)
    request_reset(client, "ann@example.com")
    path = confirm_path(reset_links(app)[0])
    page = client.get(path)
    assert page.status_code == 200
    assert 'name="new_password1"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    response = set_password(client, path, NEW_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/accounts/reset/done/"
    assert "/accounts/login/" in client.get("/accounts/reset/done/").text
    assert whoami(client) is None  # a reset never logs in (MFA is never bypassed)
    assert reload(app, ann).check_password(NEW_PASSWORD)
    (event,) = events(app, "password.reset")
    assert event.user_id == ann.pk


def test_a_confirmation_validates_the_new_password(app: Bastion, ann: User) -> None:
    client = Client(app)
    request_reset(client, "ann@example.com")
    path = confirm_path(reset_links(app)[0])
    response = set_password(client, path, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert response.status_code == 400
    assert "do not match" in response.text
    # The link still works: nothing was changed.
    assert set_password(client, path, NEW_PASSWORD).status_code == 303


def test_an_invalid_link_answers_400_for_get_and_post(app: Bastion, ann: User) -> None:
    client = Client(app)
    path = "/accounts/reset/MQ/1-notatoken/"
    page = client.get(path)
    assert page.status_code == 400
    assert "Invalid or expired link" in page.text
    token = csrf_token(client, "/accounts/password_reset/")
    response = client.post(
        path,
        data={"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 400
    assert reload(app, ann).password == ann.password
