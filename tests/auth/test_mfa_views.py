"""The MFA pages: enrolment (QR code, one valid code), recovery codes, disabling, routes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from login_support import PASSWORD, cheap_hashers, create_user, csrf_token
from mfa_support import (
    SETUP,
    START,
    Clock,
    code_at,
    devices,
    enrol,
    give_codes,
    make_mfa_app,
    password_step,
    post_code,
)
from soft_authenticator import SoftAuthenticator, add_passkey, make_passkey_app

from bastion import Bastion
from bastion.auth.mfa import recovery
from bastion.auth.mfa.views import mfa_routes
from bastion.auth.models import AuditEvent, User, WebAuthnCredential
from bastion.testing import Client

CODES = "/accounts/mfa/recovery-codes/"
DISABLE = "/accounts/mfa/disable/"
CODE_ITEM = re.compile(r"<li><code>([a-z0-9-]{11})</code></li>")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Bastion]:
    with cheap_hashers():
        application = make_mfa_app(tmp_path / "db.sqlite3")
        try:
            yield application
        finally:
            application.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def client(app: Bastion, ann: User) -> Client:
    """A browser logged in as ann (no MFA yet)."""
    browser = Client(app)
    assert password_step(browser, "ann@example.com").status_code == 303
    return browser


def kinds(app: Bastion) -> list[str]:
    with app.databases.activate():
        found = [e.kind for e in AuditEvent.objects.order_by("id")]
        app.databases.release()
    return found


def shown_secret(text: str) -> str:
    return "".join(text.split("<code>")[1].split("</code>")[0].split())


def test_route_names() -> None:
    assert [r.name for r in mfa_routes] == [
        "mfa_setup",
        "mfa_verify",
        "mfa_recovery_codes",
        "mfa_disable",
    ]


@pytest.mark.parametrize("page", [SETUP, CODES, DISABLE])
def test_pages_need_a_login(app: Bastion, page: str) -> None:
    response = Client(app).get(page)
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/accounts/login/")


# -- enrolment -------------------------------------------------------------------------------


def test_setup_shows_an_inline_qr_code_and_the_secret(client: Client) -> None:
    page = client.get(SETUP)
    assert page.status_code == 200
    assert page.template_name == "auth/mfa_setup.html"
    assert "<svg" in page.text
    assert "<img" not in page.text
    assert "data:" not in page.text
    lowered = page.text.lower()
    assert "<script" not in lowered
    assert " style=" not in lowered
    assert "<style" not in lowered
    assert "Content-Security-Policy" in page.headers
    assert len(shown_secret(page.text)) == 32
    assert "no-store" in page.headers["Cache-Control"]


def test_reloading_setup_keeps_the_same_secret(client: Client) -> None:
    assert shown_secret(client.get(SETUP).text) == shown_secret(client.get(SETUP).text)


def test_enrolment_needs_a_valid_code(
    app: Bastion, ann: User, client: Client, clock: Clock
) -> None:
    secret = shown_secret(client.get(SETUP).text)
    wrong = post_code(client, code_at(secret, START + 600), SETUP)
    assert wrong.status_code == 400
    assert [d.confirmed for d in devices(app, ann)] == [False]
    assert "mfa.failed" in kinds(app)
    right = post_code(client, code_at(secret, START), SETUP)
    assert right.status_code == 200
    assert [d.confirmed for d in devices(app, ann)] == [True]
    assert "mfa.enrolled" in kinds(app)
    shown = CODE_ITEM.findall(right.text)
    assert len(shown) == 10
    with app.databases.activate(), cheap_hashers():
        assert recovery.use_code(ann, shown[0])
        app.databases.release()


def test_the_secret_is_never_shown_after_enrolment(
    app: Bastion, client: Client, clock: Clock
) -> None:
    secret = shown_secret(client.get(SETUP).text)
    post_code(client, code_at(secret, START), SETUP)
    again = client.get(SETUP)
    assert again.status_code == 200
    assert secret not in again.text.replace(" ", "")
    assert "<svg" not in again.text
    assert "already set up" in again.text
    token = csrf_token(client, DISABLE)
    code = code_at(secret, START + 30)
    assert client.post(SETUP, data={"code": code, "csrf_token": token}).status_code == 400


# -- recovery codes --------------------------------------------------------------------------


def test_recovery_codes_page_without_a_device_goes_to_setup(client: Client) -> None:
    assert client.get(CODES).headers["Location"] == SETUP


def test_new_recovery_codes_replace_the_old_ones(app: Bastion, ann: User, client: Client) -> None:
    enrol(app, ann)
    old = give_codes(app, ann)
    page = client.get(CODES)
    assert "10 unused" in page.text
    assert not CODE_ITEM.findall(page.text)  # nothing shown again
    response = client.post(CODES, data={"csrf_token": csrf_token(client, CODES)})
    new = CODE_ITEM.findall(response.text)
    assert "no-store" in response.headers["Cache-Control"]
    assert len(new) == 10
    assert not set(new) & set(old)
    with app.databases.activate(), cheap_hashers():
        assert not recovery.use_code(ann, old[0])
        assert recovery.use_code(ann, new[0])
        app.databases.release()
    assert "mfa.recovery_codes_generated" in kinds(app)


# -- disabling -------------------------------------------------------------------------------


def disable(client: Client, password: str) -> Any:
    return client.post(
        DISABLE, data={"password": password, "csrf_token": csrf_token(client, DISABLE)}
    )


def test_disabling_needs_the_password(app: Bastion, ann: User, client: Client) -> None:
    enrol(app, ann)
    give_codes(app, ann)
    page = client.get(DISABLE)
    assert page.status_code == 200
    assert 'type="password"' in page.text
    wrong = client.post(
        DISABLE, data={"password": "not it at all 123", "csrf_token": csrf_token(client, DISABLE)}
    )
    assert wrong.status_code == 400
    assert len(devices(app, ann)) == 1
    missing = client.post(DISABLE, data={"csrf_token": csrf_token(client, DISABLE)})
    assert missing.status_code == 400
    assert "mfa.removed" not in kinds(app)
    right = client.post(
        DISABLE, data={"password": PASSWORD, "csrf_token": csrf_token(client, DISABLE)}
    )
    assert right.status_code == 303
    assert devices(app, ann) == []
    with app.databases.activate():
        assert recovery.remaining_codes(ann) == 0
        app.databases.release()
    assert "mfa.removed" in kinds(app)
    # Next login is one step again.
    fresh = Client(app)
    assert password_step(fresh, "ann@example.com").headers["Location"] == "/"


def test_disabling_under_the_rule_sends_back_to_enrolment(tmp_path: Path) -> None:
    with cheap_hashers():
        application = make_mfa_app(tmp_path / "db.sqlite3", MFA_REQUIRED="all")
        try:
            user = create_user(application, "ann@example.com")
            enrol(application, user)
            browser = Client(application)
            password_step(browser, "ann@example.com")
            # Logged in another way for the test: complete with a recovery code.
            codes = give_codes(application, user)
            assert post_code(browser, codes[0]).status_code == 303
            token = csrf_token(browser, DISABLE)
            gone = browser.post(DISABLE, data={"password": PASSWORD, "csrf_token": token})
            assert gone.headers["Location"] == SETUP
            assert browser.get("/whoami/").json()["authenticated"] is False
            assert browser.get(SETUP).status_code == 200
        finally:
            application.close()


@pytest.fixture
def passkey_app(tmp_path: Path) -> Iterator[Bastion]:
    with cheap_hashers():
        application = make_passkey_app(tmp_path / "passkeys.sqlite3")
        try:
            yield application
        finally:
            application.close()


def passkey_rows(app: Bastion, user: User) -> list[WebAuthnCredential]:
    with app.databases.activate():
        found = list(WebAuthnCredential.objects.filter(user=user))
        app.databases.release()
    return found


def test_disabling_removes_the_passkeys_too(passkey_app: Bastion) -> None:
    ann = create_user(passkey_app, "ann@example.com")
    client = Client(passkey_app)
    assert password_step(client, "ann@example.com").headers["Location"] == "/"
    assert add_passkey(client, SoftAuthenticator(), name="Key one").status_code == 200
    assert add_passkey(client, SoftAuthenticator(), name="Key two").status_code == 200
    enrol(passkey_app, ann)
    give_codes(passkey_app, ann)
    page = client.get(DISABLE)
    assert "passkeys" in page.text
    assert disable(client, "not it at all 123").status_code == 400
    assert len(passkey_rows(passkey_app, ann)) == 2  # a wrong password removes nothing
    keys = [row.pk for row in passkey_rows(passkey_app, ann)]
    assert disable(client, PASSWORD).status_code == 303
    assert passkey_rows(passkey_app, ann) == []
    assert devices(passkey_app, ann) == []
    with passkey_app.databases.activate():
        assert recovery.remaining_codes(ann) == 0
        removed = list(AuditEvent.objects.filter(kind="mfa.passkey_removed").order_by("id"))
        passkey_app.databases.release()
    assert [event.detail["device"] for event in removed] == keys
    found = kinds(passkey_app)
    assert found.index("mfa.passkey_removed") < found.index("mfa.removed")
    # The next login is the password alone: no code page, no passkey page.
    fresh = Client(passkey_app)
    assert password_step(fresh, "ann@example.com").headers["Location"] == "/"
    assert fresh.get("/whoami/").json() == {"authenticated": True, "email": "ann@example.com"}


def test_disabling_a_passkey_only_account(passkey_app: Bastion) -> None:
    ann = create_user(passkey_app, "ann@example.com")
    client = Client(passkey_app)
    password_step(client, "ann@example.com")
    add_passkey(client, SoftAuthenticator())
    assert "Type your password" in client.get(DISABLE).text  # on: a passkey counts
    assert disable(client, PASSWORD).status_code == 303
    assert passkey_rows(passkey_app, ann) == []
    assert "not on" in client.get(DISABLE).text
    assert password_step(Client(passkey_app), "ann@example.com").headers["Location"] == "/"


def test_disabling_under_the_rule_leaves_no_passkey_to_skip_enrolment(tmp_path: Path) -> None:
    with cheap_hashers():
        application = make_passkey_app(tmp_path / "rule.sqlite3", MFA_REQUIRED="all")
        try:
            user = create_user(application, "ann@example.com")
            enrol(application, user)
            codes = give_codes(application, user)
            browser = Client(application)
            password_step(browser, "ann@example.com")
            assert post_code(browser, codes[0]).status_code == 303
            assert add_passkey(browser, SoftAuthenticator()).status_code == 200
            gone = disable(browser, PASSWORD)
            # Nothing left, the passkey included: back to enrolment, logged out meanwhile.
            assert gone.headers["Location"] == SETUP
            assert passkey_rows(application, user) == []
            assert devices(application, user) == []
            assert browser.get("/whoami/").json()["authenticated"] is False
        finally:
            application.close()
