"""The two-step login through the test client: hand-off, pending state, completion, policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from login_support import PASSWORD, cheap_hashers, create_user, csrf_token, reload
from mfa_support import (
    SESSION,
    SETUP,
    START,
    VERIFY,
    Clock,
    code_at,
    enrol,
    make_mfa_app,
    password_step,
    post_code,
)

from bastion import Bastion
from bastion.auth.mfa import flow
from bastion.auth.mfa.policy import MFAEnrolmentMiddleware, mfa_mode, mfa_required_for
from bastion.auth.models import AuditEvent, User
from bastion.exceptions import ImproperlyConfigured
from bastion.testing import Client


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


def whoami(client: Client) -> dict[str, object]:
    data: dict[str, object] = client.get("/whoami/").json()
    return data


def test_a_user_without_mfa_logs_in_in_one_step(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    client = Client(app)
    response = password_step(client, "ann@example.com")
    assert response.headers["Location"] == "/"
    assert whoami(client)["authenticated"] is True


def test_the_password_step_hands_off_to_the_code_page(app: Bastion, clock: Clock) -> None:
    secret = enrol(app, create_user(app, "ann@example.com"))
    client = Client(app)
    response = password_step(client, "ann@example.com")
    assert response.status_code == 303
    assert response.headers["Location"] == VERIFY
    assert whoami(client) == {"authenticated": False, "email": None}
    page = client.get(VERIFY)
    assert page.status_code == 200
    assert page.template_name == "auth/mfa_verify.html"
    done = post_code(client, code_at(secret, START))
    assert done.status_code == 303
    assert done.headers["Location"] == "/"
    assert whoami(client) == {"authenticated": True, "email": "ann@example.com"}


def test_next_survives_the_second_step(app: Bastion, clock: Clock) -> None:
    secret = enrol(app, create_user(app, "ann@example.com"))
    client = Client(app)
    password_step(client, "ann@example.com", next_url="/private/")
    assert post_code(client, code_at(secret, START)).headers["Location"] == "/private/"


def test_the_session_id_cycles_at_both_steps(app: Bastion, clock: Clock) -> None:
    secret = enrol(app, create_user(app, "ann@example.com"))
    client = Client(app)
    client.set_cookie(SESSION, "planted-by-someone-else")
    password_step(client, "ann@example.com")
    pending = client.cookies[SESSION]
    assert pending != "planted-by-someone-else"
    post_code(client, code_at(secret, START))
    assert client.cookies[SESSION] != pending


def test_last_login_and_audit_only_after_the_second_step(app: Bastion, clock: Clock) -> None:
    user = create_user(app, "ann@example.com")
    secret = enrol(app, user)
    client = Client(app)
    password_step(client, "ann@example.com")
    assert reload(app, user).last_login is None
    post_code(client, code_at(secret, START))
    assert reload(app, user).last_login is not None
    with app.databases.activate():
        assert AuditEvent.objects.filter(kind="login.succeeded", user=user).count() == 1
        app.databases.release()


def test_the_verify_page_without_a_pending_login_goes_to_login(app: Bastion) -> None:
    client = Client(app)
    assert client.get(VERIFY).headers["Location"] == "/accounts/login/"


def test_an_expired_pending_state_is_refused(app: Bastion, clock: Clock) -> None:
    secret = enrol(app, create_user(app, "ann@example.com"))
    client = Client(app)
    password_step(client, "ann@example.com")
    token = csrf_token(client, VERIFY)
    clock.advance(flow.PENDING_TTL + 1)
    late = client.post(VERIFY, data={"code": code_at(secret, clock.value), "csrf_token": token})
    assert late.status_code == 303
    assert late.headers["Location"] == "/accounts/login/"
    assert whoami(client)["authenticated"] is False
    assert client.get(VERIFY).headers["Location"] == "/accounts/login/"


def test_a_password_change_voids_the_pending_state(app: Bastion, clock: Clock) -> None:
    user = create_user(app, "ann@example.com")
    secret = enrol(app, user)
    client = Client(app)
    password_step(client, "ann@example.com")
    token = csrf_token(client, VERIFY)
    with app.databases.activate():
        fresh = User.objects.get(pk=user.pk)
        fresh.set_password("a different passphrase 77")
        fresh.save()
        app.databases.release()
    late = client.post(VERIFY, data={"code": code_at(secret, START), "csrf_token": token})
    assert late.headers["Location"] == "/accounts/login/"
    assert whoami(client)["authenticated"] is False


def test_logging_in_over_another_users_session_flushes_it(app: Bastion, clock: Clock) -> None:
    create_user(app, "bob@example.com")
    enrol(app, create_user(app, "ann@example.com"))
    client = Client(app)
    password_step(client, "bob@example.com")
    assert whoami(client)["email"] == "bob@example.com"
    password_step(client, "ann@example.com")
    assert whoami(client) == {"authenticated": False, "email": None}


# -- policy ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "staff", "required"),
    [
        ("none", True, False),
        ("staff", True, True),
        ("staff", False, False),
        ("all", False, True),
    ],
)
def test_the_rule(app: Bastion, mode: str, staff: bool, required: bool) -> None:
    settings = type("S", (), {"MFA_REQUIRED": mode})()
    assert mfa_required_for(User(email="a@example.com", is_staff=staff), settings) is required


def test_a_superuser_counts_as_staff() -> None:
    settings = type("S", (), {"MFA_REQUIRED": "staff"})()
    assert mfa_required_for(User(email="a@example.com", is_superuser=True), settings)


def test_an_unknown_mode_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="MFA_REQUIRED"):
        mfa_mode(type("S", (), {"MFA_REQUIRED": "always"})())
    assert mfa_mode(object()) == "none"


@pytest.fixture
def staff_app(tmp_path: Path) -> Iterator[Bastion]:
    with cheap_hashers():
        application = make_mfa_app(tmp_path / "db.sqlite3", MFA_REQUIRED="staff")
        try:
            yield application
        finally:
            application.close()


def test_staff_without_a_device_must_enrol_first(staff_app: Bastion, clock: Clock) -> None:
    create_user(staff_app, "boss@example.com", is_staff=True)
    client = Client(staff_app)
    response = password_step(client, "boss@example.com", next_url="/private/")
    assert response.headers["Location"] == SETUP
    # Held at enrolment: the site treats them as logged out.
    assert whoami(client)["authenticated"] is False
    assert client.get("/private/").status_code == 302
    assert client.get(VERIFY).headers["Location"] == "/accounts/login/"
    page = client.get(SETUP)
    assert page.status_code == 200
    secret = "".join(page.text.split("<code>")[1].split("</code>")[0].split())
    done = post_code(client, code_at(secret, START), SETUP)
    assert done.status_code == 200
    assert done.template_name == "auth/mfa_recovery_codes.html"
    assert 'href="/private/"' in done.text
    assert whoami(client) == {"authenticated": True, "email": "boss@example.com"}


def test_non_staff_log_in_directly_under_the_staff_rule(staff_app: Bastion) -> None:
    create_user(staff_app, "ann@example.com")
    client = Client(staff_app)
    assert password_step(client, "ann@example.com").headers["Location"] == "/"
    assert whoami(client)["authenticated"] is True


def test_the_all_rule_covers_everyone(tmp_path: Path) -> None:
    with cheap_hashers():
        application = make_mfa_app(tmp_path / "db.sqlite3", MFA_REQUIRED="all")
        try:
            create_user(application, "ann@example.com")
            client = Client(application)
            assert password_step(client, "ann@example.com").headers["Location"] == SETUP
            assert whoami(client)["authenticated"] is False
        finally:
            application.close()


def test_password_is_still_checked_first(app: Bastion) -> None:
    enrol(app, create_user(app, "ann@example.com"))
    client = Client(app)
    assert password_step(client, "ann@example.com", PASSWORD + "x").status_code == 400
    assert client.get(VERIFY).headers["Location"] == "/accounts/login/"


def test_the_middleware_catches_sessions_from_before_the_rule(tmp_path: Path, clock: Clock) -> None:
    with cheap_hashers():
        application = make_mfa_app(
            tmp_path / "db.sqlite3",
            MFA_REQUIRED="staff",
            middleware=[MFAEnrolmentMiddleware(exempt=["/plain/"])],
        )
        try:
            user = create_user(application, "ann@example.com")
            client = Client(application)
            assert password_step(client, "ann@example.com").headers["Location"] == "/"
            assert whoami(client)["authenticated"] is True
            with application.databases.activate():
                User.objects.filter(pk=user.pk).update(is_staff=True)
                application.databases.release()
            # Now covered by the rule, without a device: only enrolment (and logout) work.
            caught = client.get("/whoami/")
            assert caught.status_code == 303
            assert caught.headers["Location"] == SETUP
            assert client.get("/private/").headers["Location"] == SETUP
            assert client.get("/plain/").status_code == 200  # exempt
            page = client.get(SETUP)
            assert page.status_code == 200
            secret = "".join(page.text.split("<code>")[1].split("</code>")[0].split())
            assert post_code(client, code_at(secret, START), SETUP).status_code == 200
            assert whoami(client) == {"authenticated": True, "email": "ann@example.com"}
        finally:
            application.close()


def test_the_middleware_does_nothing_without_a_rule(tmp_path: Path) -> None:
    with cheap_hashers():
        application = make_mfa_app(tmp_path / "db.sqlite3", middleware=[MFAEnrolmentMiddleware()])
        try:
            create_user(application, "ann@example.com", is_staff=True)
            client = Client(application)
            assert password_step(client, "ann@example.com").headers["Location"] == "/"
            assert whoami(client)["authenticated"] is True
        finally:
            application.close()
