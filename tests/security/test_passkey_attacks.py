"""Attacks on the passkey second factor: replayed challenges, phishing origins, another user's
credential, cloned authenticators, guessing against the lockout, the pending state, and the
hold at enrolment (which must open the passkey registration and nothing else)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from login_support import PASSWORD, cheap_hashers, create_user, post_login, strict_policy
from mfa_support import SETUP, enrol
from soft_authenticator import (
    BEGIN,
    FINISH,
    VERIFY_BEGIN,
    VERIFY_FINISH,
    SoftAuthenticator,
    add_passkey,
    make_passkey_app,
    passkey_step,
)

from bastion import Bastion
from bastion.auth.mfa import passkeys
from bastion.auth.mfa.policy import MFAEnrolmentMiddleware
from bastion.auth.models import User, WebAuthnCredential
from bastion.testing import Client

EMAIL = "ann@example.com"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Bastion]:
    policy = strict_policy()  # 3 failures lock the account
    with cheap_hashers():
        application = make_passkey_app(tmp_path / "db.sqlite3", policy=policy, AUTH_LOCKOUT=policy)
        try:
            yield application
        finally:
            application.close()


@pytest.fixture
def ann(app: Bastion) -> User:
    return create_user(app, EMAIL)


@pytest.fixture
def key(app: Bastion, ann: User) -> SoftAuthenticator:
    authenticator = SoftAuthenticator()
    client = Client(app)
    post_login(client, EMAIL, PASSWORD)
    assert add_passkey(client, authenticator).status_code == 200
    return authenticator


def pending(app: Bastion, email: str = EMAIL) -> Client:
    client = Client(app)
    assert post_login(client, email, PASSWORD).headers["Location"] == "/accounts/passkeys/verify/"
    return client


def whoami(client: Client) -> object:
    return client.get("/whoami/").json()["email"]


def test_a_replayed_assertion_is_refused(app: Bastion, key: SoftAuthenticator) -> None:
    client = pending(app)
    options = client.post(VERIFY_BEGIN, json={}).json()
    credential = key.sign(options)
    assert client.post(VERIFY_FINISH, json={"credential": credential}).status_code == 200
    # The same response again, in another half-logged-in session: its challenge is spent.
    thief = pending(app)
    thief.post(VERIFY_BEGIN, json={})
    assert thief.post(VERIFY_FINISH, json={"credential": credential}).status_code == 400
    assert whoami(thief) is None


def test_a_challenge_is_single_use_even_after_a_failure(
    app: Bastion, key: SoftAuthenticator
) -> None:
    client = pending(app)
    options = client.post(VERIFY_BEGIN, json={}).json()
    bad = key.sign(options, origin="https://evil.example")
    assert client.post(VERIFY_FINISH, json={"credential": bad}).status_code == 400
    good = key.sign(options)  # a correct answer to the spent challenge
    assert client.post(VERIFY_FINISH, json={"credential": good}).status_code == 400
    assert whoami(client) is None


def test_an_expired_challenge_is_refused(
    app: Bastion, key: SoftAuthenticator, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = pending(app)
    options = client.post(VERIFY_BEGIN, json={}).json()
    from bastion.auth.mfa import totp

    later = totp.now() + passkeys.CHALLENGE_TTL + 1
    monkeypatch.setattr(totp, "now", lambda: later)
    assert client.post(VERIFY_FINISH, json={"credential": key.sign(options)}).status_code in (
        400,
        403,
    )
    assert whoami(client) is None


@pytest.mark.parametrize("lie", [{"origin": "https://evil.example"}, {"rp_id": "evil.example"}])
def test_a_phishing_origin_or_rp_id_is_refused(
    app: Bastion, key: SoftAuthenticator, lie: dict[str, str]
) -> None:
    client = pending(app)
    assert passkey_step(client, key, **lie).status_code == 400
    assert whoami(client) is None


def test_the_request_host_does_not_choose_the_origin(app: Bastion, key: SoftAuthenticator) -> None:
    client = pending(app)
    answer = passkey_step(client, key, origin="http://testserver")
    assert answer.status_code == 400
    assert whoami(client) is None


def test_registration_from_a_wrong_origin_is_refused(app: Bastion, ann: User) -> None:
    client = Client(app)
    post_login(client, EMAIL, PASSWORD)
    options = client.post(BEGIN, json={}).json()
    evil = SoftAuthenticator().register(options, origin="https://evil.example")
    assert client.post(FINISH, json={"credential": evil}).status_code == 400


def test_another_users_passkey_is_refused(app: Bastion, key: SoftAuthenticator) -> None:
    create_user(app, "bob@example.com")
    bob_key = SoftAuthenticator()
    bob = Client(app)
    post_login(bob, "bob@example.com", PASSWORD)
    assert add_passkey(bob, bob_key).status_code == 200
    # Bob, with Ann's password, signs Ann's challenge with his own passkey.
    client = pending(app)
    assert passkey_step(client, bob_key).status_code == 400
    assert whoami(client) is None


def test_a_cloned_authenticator_is_refused(app: Bastion, key: SoftAuthenticator) -> None:
    first = pending(app)
    assert passkey_step(first, key, counter=5).status_code == 200
    clone = pending(app)
    assert passkey_step(clone, key, counter=5).status_code == 400  # counter did not grow
    late = pending(app)
    assert passkey_step(late, key, counter=3).status_code == 400
    assert whoami(clone) is None
    assert whoami(late) is None


def test_failed_assertions_count_toward_the_lockout(app: Bastion, key: SoftAuthenticator) -> None:
    client = pending(app)
    for _ in range(3):
        assert passkey_step(client, key, origin="https://evil.example").status_code in (400, 403)
    # Locked: the pending state is dropped, and a fresh password step does not reach it.
    assert client.post(VERIFY_BEGIN, json={}).status_code == 403
    again = Client(app)
    post_login(again, EMAIL, PASSWORD)
    assert again.post(VERIFY_BEGIN, json={}).status_code == 403
    assert whoami(again) is None


def test_the_pending_state_grants_nothing(app: Bastion, key: SoftAuthenticator) -> None:
    client = pending(app)
    assert whoami(client) is None
    assert client.get("/private/").status_code in (302, 303)
    assert client.get("/accounts/passkeys/").status_code in (302, 303)
    # The second step is not enrolment: no registering a passkey of one's own here.
    assert client.post(BEGIN, json={}).status_code == 403
    forged = SoftAuthenticator().register({"challenge": "AAAA"})
    assert client.post(FINISH, json={"credential": forged}).status_code == 403
    assert whoami(client) is None


def test_verify_without_a_password_step_is_refused(app: Bastion, key: SoftAuthenticator) -> None:
    client = Client(app)
    assert client.post(VERIFY_BEGIN, json={}).status_code == 403
    assert client.post(VERIFY_FINISH, json={"credential": {}}).status_code == 403
    assert client.get("/accounts/passkeys/verify/").status_code == 303


def test_garbage_credentials_are_refused_not_crashing(app: Bastion, key: SoftAuthenticator) -> None:
    client = pending(app)
    for junk in ({}, {"id": key.id}, {"id": key.id, "response": "x"}, "text", [1], None):
        client.post(VERIFY_BEGIN, json={})
        assert client.post(VERIFY_FINISH, json={"credential": junk}).status_code in (400, 403)


# -- the hold at enrolment (MFA_REQUIRED) ----------------------------------------------------

HELD_ELSEWHERE = [
    "/whoami/",
    "/private/",
    "/accounts/mfa/recovery-codes/",
    "/accounts/mfa/disable/",
    "/accounts/passkeys/1/delete/",
]


def passkey_count(app: Bastion) -> int:
    with app.databases.activate():
        count = int(WebAuthnCredential.objects.count())
        app.databases.release()
    return count


def held(app: Bastion) -> Client:
    client = Client(app)
    assert post_login(client, EMAIL, PASSWORD).headers["Location"] == SETUP
    return client


def test_the_hold_at_enrolment_grants_nothing_else(held_app: Bastion) -> None:
    create_user(held_app, EMAIL)
    client = held(held_app)
    for page in ["/private/", "/accounts/mfa/recovery-codes/", "/accounts/mfa/disable/"]:
        response = client.get(page)
        assert response.status_code in (302, 303)
        assert response.headers["Location"].startswith("/accounts/login/")
    assert whoami(client) is None
    # Nor the passkey login step, which would log in with a passkey not yet registered.
    assert client.get("/accounts/passkeys/verify/").status_code == 303
    assert client.post(VERIFY_BEGIN, json={}).status_code == 403
    # A registration that fails verification leaves the visitor held and anonymous.
    options = client.post(BEGIN, json={}).json()
    evil = SoftAuthenticator().register(options, origin="https://evil.example")
    assert client.post(FINISH, json={"credential": evil}).status_code == 400
    assert whoami(client) is None
    assert passkey_count(held_app) == 0


def test_a_stale_hold_cannot_add_a_passkey(held_app: Bastion) -> None:
    ann = create_user(held_app, EMAIL)
    thief = held(held_app)  # knows the password, not yet the owner's second factor
    options = thief.post(BEGIN, json={}).json()
    enrol(held_app, ann)  # the owner enrols meanwhile, in another browser
    credential = SoftAuthenticator().register(options)
    assert thief.post(FINISH, json={"credential": credential}).status_code == 403
    assert thief.post(BEGIN, json={}).status_code == 403
    assert thief.get("/accounts/passkeys/").status_code in (302, 303)
    assert whoami(thief) is None
    assert passkey_count(held_app) == 0


def test_one_hold_cannot_register_for_another_account(held_app: Bastion) -> None:
    create_user(held_app, EMAIL)
    create_user(held_app, "bob@example.com")
    ann = held(held_app)
    options = ann.post(BEGIN, json={}).json()
    bob = Client(held_app)
    post_login(bob, "bob@example.com", PASSWORD)
    credential = SoftAuthenticator().register(options)  # Ann's challenge, Bob's session
    assert bob.post(FINISH, json={"credential": credential}).status_code == 400
    assert whoami(bob) is None
    assert passkey_count(held_app) == 0


def test_the_middleware_hold_opens_only_the_enrolment_pages(tmp_path: Path) -> None:
    with cheap_hashers():
        application = make_passkey_app(
            tmp_path / "mw.sqlite3", MFA_REQUIRED="staff", middleware=[MFAEnrolmentMiddleware()]
        )
        try:
            create_user(application, EMAIL)
            client = Client(application)
            assert post_login(client, EMAIL, PASSWORD).headers["Location"] == "/"
            with application.databases.activate():
                User.objects.filter(email=EMAIL).update(is_staff=True)  # now the rule covers
                application.databases.release()
            for page in HELD_ELSEWHERE:
                response = client.get(page)
                assert response.status_code == 303, page
                assert response.headers["Location"] == SETUP, page
            assert client.get("/accounts/passkeys/").status_code == 200
            assert client.post(BEGIN, json={}).status_code == 200
            assert client.get(SETUP).status_code == 200
        finally:
            application.close()
