"""Passkeys as a second factor: registration, the login's passkey step, listing and removal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from login_support import PASSWORD, cheap_hashers, create_user, csrf_token, post_login
from soft_authenticator import (
    BEGIN,
    SITE,
    SoftAuthenticator,
    add_passkey,
    make_passkey_app,
    passkey_step,
)

from bastion import Bastion
from bastion.auth.mfa import passkeys, totp
from bastion.auth.models import AuditEvent, User, WebAuthnCredential
from bastion.exceptions import ImproperlyConfigured
from bastion.settings import Settings
from bastion.testing import Client

EMAIL = "ann@example.com"
VERIFY = "/accounts/passkeys/verify/"  # passkey-only users go straight there


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Bastion]:
    with cheap_hashers():
        application = make_passkey_app(tmp_path / "db.sqlite3")
        try:
            yield application
        finally:
            application.close()


@pytest.fixture
def ann(app: Bastion) -> User:
    return create_user(app, EMAIL)


def logged_in(app: Bastion) -> Client:
    client = Client(app)
    assert post_login(client, EMAIL, PASSWORD).status_code == 303
    return client


def whoami(client: Client) -> object:
    return client.get("/whoami/").json()["email"]


def stored(app: Bastion) -> list[WebAuthnCredential]:
    with app.databases.activate():
        found = list(WebAuthnCredential.objects.order_by("id"))
        app.databases.release()
    return found


def test_rp_id_and_origin_come_from_site_url() -> None:
    settings = Settings(SECRET_KEY="k" * 50, SITE_URL="https://login.example.org:8443/app/")
    assert passkeys.rp_id(settings) == "login.example.org"
    assert passkeys.origin(settings) == "https://login.example.org:8443"
    with pytest.raises(ImproperlyConfigured):
        passkeys.rp_id(Settings(SECRET_KEY="k" * 50))


def test_register_then_log_in_with_the_passkey(app: Bastion, ann: User) -> None:
    key = SoftAuthenticator()
    client = logged_in(app)
    answer = add_passkey(client, key, name="Yubikey")
    assert answer.status_code == 200
    assert answer.json()["ok"] is True
    [row] = stored(app)
    assert (row.credential_id, row.name, row.user_id) == (key.id, "Yubikey", ann.pk)  # type: ignore[attr-defined]
    page = client.get("/accounts/passkeys/")
    assert "Yubikey" in page.text
    assert "nonce=" in page.text

    browser = Client(app)
    first = post_login(browser, EMAIL, PASSWORD)
    assert first.headers["Location"] == VERIFY  # a passkey counts as MFA: the second step
    assert whoami(browser) is None
    assert browser.get("/accounts/passkeys/verify/").status_code == 200
    done = passkey_step(browser, key)
    assert done.status_code == 200
    assert done.json()["ok"] is True
    assert whoami(browser) == EMAIL
    [row] = stored(app)
    assert row.sign_count == 1
    assert row.last_used is not None
    with app.databases.activate():
        kinds = set(AuditEvent.objects.values_list("kind", flat=True))
        app.databases.release()
    assert "mfa.passkey_added" in kinds


def test_has_mfa_counts_a_passkey(app: Bastion, ann: User) -> None:
    with app.databases.activate():
        assert not totp.has_mfa(ann)
        assert not passkeys.has_passkey(ann)
        app.databases.release()
    add_passkey(logged_in(app), SoftAuthenticator())
    with app.databases.activate():
        assert totp.has_mfa(ann)
        assert passkeys.has_passkey(ann)
        app.databases.release()


def test_registration_options_exclude_existing_passkeys(app: Bastion, ann: User) -> None:
    key = SoftAuthenticator()
    client = logged_in(app)
    add_passkey(client, key)
    options = client.post(BEGIN, json={}).json()
    assert options["rp"]["id"] == "example.com"
    assert [c["id"] for c in options["excludeCredentials"]] == [key.id]
    assert client.post(BEGIN, json={}).headers["Cache-Control"] == "no-store"


def test_the_same_authenticator_cannot_be_registered_twice(app: Bastion, ann: User) -> None:
    key = SoftAuthenticator()
    client = logged_in(app)
    assert add_passkey(client, key).status_code == 200
    assert add_passkey(client, key).status_code == 400
    assert len(stored(app)) == 1


def test_registration_needs_a_login(app: Bastion) -> None:
    assert Client(app).post(BEGIN, json={}).status_code in (302, 303)


def test_delete_requires_the_password(app: Bastion, ann: User) -> None:
    client = logged_in(app)
    add_passkey(client, SoftAuthenticator())
    [row] = stored(app)
    url = f"/accounts/passkeys/{row.pk}/delete/"
    wrong = client.post(url, data={"password": "nope", "csrf_token": csrf_token(client, url)})
    assert wrong.status_code == 400
    assert len(stored(app)) == 1
    right = client.post(url, data={"password": PASSWORD, "csrf_token": csrf_token(client, url)})
    assert right.status_code == 303
    assert right.headers["Location"] == "/accounts/passkeys/"
    assert stored(app) == []


def test_another_users_passkey_cannot_be_deleted(app: Bastion, ann: User) -> None:
    add_passkey(logged_in(app), SoftAuthenticator())
    [row] = stored(app)
    create_user(app, "bob@example.com")
    bob = Client(app)
    post_login(bob, "bob@example.com", PASSWORD)
    assert bob.get(f"/accounts/passkeys/{row.pk}/delete/").status_code == 404
    assert len(stored(app)) == 1


def test_site_url_is_used_not_the_host(app: Bastion, ann: User) -> None:
    assert passkeys.origin(app.settings) == SITE
