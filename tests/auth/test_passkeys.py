"""Passkeys as a second factor: registration, the login's passkey step, listing and removal."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from login_support import PASSWORD, cheap_hashers, create_user, csrf_token, post_login
from mfa_support import SETUP, code_at, enrol, give_codes, post_code
from soft_authenticator import (
    BEGIN,
    FINISH,
    SITE,
    SoftAuthenticator,
    add_passkey,
    make_passkey_app,
    passkey_step,
)

from bastion import Bastion
from bastion.auth.mfa import passkeys, recovery, totp
from bastion.auth.mfa.policy import MFAEnrolmentMiddleware
from bastion.auth.models import AuditEvent, User, WebAuthnCredential
from bastion.exceptions import ImproperlyConfigured
from bastion.settings import Settings
from bastion.testing import Client

EMAIL = "ann@example.com"
VERIFY = "/accounts/passkeys/verify/"  # passkey-only users go straight there
LIST = "/accounts/passkeys/"
CODES = "/accounts/mfa/recovery-codes/"
CODE_ITEM = re.compile(r"<li><code>([a-z0-9-]{11})</code></li>")


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


def audit_kinds(app: Bastion) -> list[str]:
    with app.databases.activate():
        found = [
            str(kind) for kind in AuditEvent.objects.order_by("id").values_list("kind", flat=True)
        ]
        app.databases.release()
    return found


def code_rows(app: Bastion, user: User) -> int:
    with app.databases.activate():
        count = recovery.remaining_codes(user)
        app.databases.release()
    return count


def stored(app: Bastion) -> list[WebAuthnCredential]:
    with app.databases.activate():
        found = list(WebAuthnCredential.objects.order_by("id"))
        app.databases.release()
    return found


@pytest.mark.parametrize("site", ["http://127.0.0.1:8000", "https://[::1]/", "http://10.0.0.5"])
def test_an_ip_address_is_no_relying_party(site: str) -> None:
    settings = Settings(SECRET_KEY="k" * 50, SITE_URL=site)
    with pytest.raises(ImproperlyConfigured, match="need a domain name"):
        passkeys.rp_id(settings)


def test_the_setup_page_does_not_offer_passkeys_on_an_ip_address(tmp_path: Path) -> None:
    with cheap_hashers():
        application = make_passkey_app(tmp_path / "ip.sqlite3", SITE_URL="http://127.0.0.1:8000")
        try:
            create_user(application, EMAIL)
            client = logged_in(application)
            page = client.get(SETUP)
            assert "<svg" in page.text  # the app is offered
            assert f'href="{LIST}"' not in page.text  # a passkey would fail: not offered
        finally:
            application.close()


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
    client = Client(app)
    for url in (BEGIN, FINISH):
        answer = client.post(url, json={})
        assert answer.status_code == 403  # JSON for the page's script, not a login page
        assert answer.json() == {"ok": False, "error": "Sign in again."}
    page = client.get(LIST)
    assert page.status_code in (302, 303)
    assert page.headers["Location"].startswith("/accounts/login/?next=")


def test_only_the_verify_page_may_ask_for_a_passkey(app: Bastion, ann: User) -> None:
    """The site's Permissions-Policy denies ``publickey-credentials-get``; a browser would
    refuse ``navigator.credentials.get()`` on the verify page unless that page allows it."""
    add_passkey(logged_in(app), SoftAuthenticator())
    browser = Client(app)
    post_login(browser, EMAIL, PASSWORD)
    verify_policy = browser.get(VERIFY).headers["Permissions-Policy"]
    assert "publickey-credentials-get=(self)" in verify_policy
    assert "camera=()" in verify_policy  # the rest of the site's policy still applies
    login_policy = Client(app).get("/accounts/login/").headers["Permissions-Policy"]
    assert "publickey-credentials-get=()" in login_policy


# -- recovery codes with the first passkey ---------------------------------------------------


def test_the_first_passkey_brings_recovery_codes_shown_once(app: Bastion, ann: User) -> None:
    client = logged_in(app)
    answer = add_passkey(client, SoftAuthenticator())
    assert answer.json()["redirect"] == CODES
    assert code_rows(app, ann) == 0  # made by the page that shows them, never parked
    page = client.get(CODES)
    assert page.status_code == 200
    assert page.template_name == "auth/mfa_recovery_codes.html"
    assert "no-store" in page.headers["Cache-Control"]
    shown = CODE_ITEM.findall(page.text)
    assert len(shown) == 10
    assert f'href="{LIST}"' in page.text  # "Continue" goes back to the list
    assert code_rows(app, ann) == 10
    again = client.get(CODES)
    assert not CODE_ITEM.findall(again.text)  # shown once
    assert "10 unused" in again.text
    assert audit_kinds(app).count("mfa.recovery_codes_generated") == 1
    # The codes work as the second step of a passkey user who lost the key.
    browser = Client(app)
    assert post_login(browser, EMAIL, PASSWORD).headers["Location"] == VERIFY
    assert post_code(browser, shown[0]).headers["Location"] == "/"
    assert whoami(browser) == EMAIL


def test_a_second_passkey_keeps_the_codes(app: Bastion, ann: User) -> None:
    client = logged_in(app)
    add_passkey(client, SoftAuthenticator())
    first = CODE_ITEM.findall(client.get(CODES).text)
    answer = add_passkey(client, SoftAuthenticator())
    assert answer.json()["ok"] is True
    assert "redirect" not in answer.json()  # the list reloads: no new set
    assert not CODE_ITEM.findall(client.get(CODES).text)
    with app.databases.activate(), cheap_hashers():
        assert recovery.use_code(ann, first[0])
        app.databases.release()


def test_a_passkey_user_may_add_an_authenticator_app_and_keeps_the_codes(
    app: Bastion, ann: User
) -> None:
    client = logged_in(app)
    add_passkey(client, SoftAuthenticator())
    codes = CODE_ITEM.findall(client.get(CODES).text)
    page = client.get(SETUP)
    assert "<svg" in page.text  # the QR code: an app can be added beside the passkey
    secret = "".join(page.text.split("<code>")[1].split("</code>")[0].split())
    done = post_code(client, code_at(secret, time.time()), SETUP)
    assert done.status_code == 303  # no new set of codes: the first one stays valid
    assert "already set up" in client.get(SETUP).text
    with app.databases.activate(), cheap_hashers():
        assert totp.confirmed_device(ann) is not None
        assert recovery.use_code(ann, codes[0])
        app.databases.release()


def test_a_user_with_codes_gets_no_new_set_with_a_passkey(app: Bastion, ann: User) -> None:
    client = logged_in(app)
    old = give_codes(app, ann)
    answer = add_passkey(client, SoftAuthenticator())
    assert "redirect" not in answer.json()
    assert "10 unused" in client.get(CODES).text
    with app.databases.activate(), cheap_hashers():
        assert recovery.use_code(ann, old[0])
        app.databases.release()


def test_the_promise_of_codes_never_replaces_a_set(app: Bastion, ann: User) -> None:
    client = logged_in(app)
    add_passkey(client, SoftAuthenticator())  # promises a first set to the next GET
    mine = give_codes(app, ann)  # made meanwhile (another tab): the user may have noted them
    page = client.get(CODES)
    assert not CODE_ITEM.findall(page.text)
    assert "10 unused" in page.text
    with app.databases.activate(), cheap_hashers():
        assert recovery.use_code(ann, mine[0])
        app.databases.release()
    assert "mfa.recovery_codes_generated" not in audit_kinds(app)


def test_registering_beside_an_app_keeps_its_codes(app: Bastion, ann: User) -> None:
    client = logged_in(app)
    enrol(app, ann)
    old = give_codes(app, ann)
    assert "redirect" not in add_passkey(client, SoftAuthenticator()).json()
    with app.databases.activate(), cheap_hashers():
        assert recovery.use_code(ann, old[1])
        app.databases.release()


# -- enrolling with a passkey while MFA_REQUIRED holds the user ------------------------------


def test_a_user_held_at_enrolment_can_enrol_with_a_passkey(held_app: Bastion) -> None:
    ann = create_user(held_app, EMAIL)
    key = SoftAuthenticator()
    client = Client(held_app)
    assert post_login(client, EMAIL, PASSWORD, next_url="/private/").headers["Location"] == SETUP
    setup = client.get(SETUP)
    assert f'href="{LIST}"' in setup.text  # the enrolment page offers a passkey
    page = client.get(LIST)
    assert page.status_code == 200
    assert "Set up a passkey" in page.text
    assert f'href="{SETUP}"' in page.text  # and the way back to the app
    assert whoami(client) is None  # still held: anonymous everywhere else
    answer = add_passkey(client, key, name="Laptop")
    assert answer.status_code == 200
    assert answer.json()["redirect"] == CODES
    assert whoami(client) == EMAIL  # no longer held
    codes = client.get(CODES)
    assert len(CODE_ITEM.findall(codes.text)) == 10
    assert 'href="/private/"' in codes.text  # the next of the login survives
    assert client.get("/private/").status_code == 200
    assert code_rows(held_app, ann) == 10
    kinds = audit_kinds(held_app)
    assert kinds.index("mfa.passkey_added") < kinds.index("login.succeeded")
    # From now on the password leads to the passkey step, not to enrolment.
    browser = Client(held_app)
    assert post_login(browser, EMAIL, PASSWORD).headers["Location"] == VERIFY
    assert passkey_step(browser, key).json()["ok"] is True
    assert whoami(browser) == EMAIL


def test_a_held_user_whose_codes_exist_goes_to_next(held_app: Bastion) -> None:
    ann = create_user(held_app, EMAIL)
    give_codes(held_app, ann)  # left from an earlier factor, say
    client = Client(held_app)
    post_login(client, EMAIL, PASSWORD, next_url="/private/")
    assert add_passkey(client, SoftAuthenticator()).json()["redirect"] == "/private/"
    assert whoami(client) == EMAIL


def test_the_setup_page_offers_passkeys_only_where_they_work(tmp_path: Path) -> None:
    with cheap_hashers():
        application = make_passkey_app(tmp_path / "no-site.sqlite3", SITE_URL="")
        try:
            create_user(application, EMAIL)
            client = Client(application)
            post_login(client, EMAIL, PASSWORD)
            page = client.get(SETUP)
            assert page.status_code == 200
            assert LIST not in page.text  # no SITE_URL: no relying party, no offer
        finally:
            application.close()


def test_the_middleware_lets_a_held_user_enrol_with_a_passkey(tmp_path: Path) -> None:
    with cheap_hashers():
        application = make_passkey_app(
            tmp_path / "mw.sqlite3", MFA_REQUIRED="staff", middleware=[MFAEnrolmentMiddleware()]
        )
        try:
            user = create_user(application, EMAIL)
            client = logged_in(application)
            with application.databases.activate():
                User.objects.filter(pk=user.pk).update(is_staff=True)
                application.databases.release()
            assert client.get("/private/").headers["Location"] == SETUP  # held
            assert f'href="{LIST}"' in client.get(SETUP).text
            assert client.get(LIST).status_code == 200
            answer = add_passkey(client, SoftAuthenticator())
            assert answer.json()["redirect"] == CODES
            assert len(CODE_ITEM.findall(client.get(CODES).text)) == 10
            assert client.get("/private/").status_code == 200  # no longer held
            assert whoami(client) == EMAIL
        finally:
            application.close()


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
