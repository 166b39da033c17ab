"""Attacks on password change and reset.

Host poisoning (the link must be on ``SITE_URL`` whatever ``Host`` or ``X-Forwarded-Host``
says), token reuse, expiry and use after the account changed, a token moved to another
account, tampered links (never a 500), account enumeration through the reset request page
(status, body, headers, timing), and sessions surviving a reset or a change.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from login_support import (
    PASSWORD,
    SITE_URL,
    cheap_hashers,
    create_user,
    csrf_token,
    make_password_app,
    outbox,
    post_login,
    reload,
    request_reset,
    reset_links,
)

import bastion.auth.tokens as tokens_module
from bastion import Bastion
from bastion.auth.models import User
from bastion.settings import ProxyConfig
from bastion.testing import Client

NEW_PASSWORD = "a brand new passphrase for 2027"
OTHER_PASSWORD = "yet another passphrase, 1999 edition"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Bastion]:
    with cheap_hashers():
        application = make_password_app(
            tmp_path / "db.sqlite3",
            ALLOWED_HOSTS=["testserver", ".example.com"],
            PROXY=ProxyConfig(trusted_hops=1, trust_forwarded_host=True),
        )
        try:
            yield application
        finally:
            application.close()


@pytest.fixture
def ann(app: Bastion) -> User:
    return create_user(app, "ann@example.com")


@pytest.fixture
def bob(app: Bastion) -> User:
    return create_user(app, "bob@example.com")


def link_path(app: Bastion, email: str) -> str:
    """Ask for a reset for ``email`` and return the path of the link it mailed."""
    before = len(reset_links(app))
    assert request_reset(Client(app), email).status_code == 303
    links = reset_links(app)
    assert len(links) == before + 1
    assert links[-1].startswith(SITE_URL + "/")
    return links[-1].removeprefix(SITE_URL)


def set_password(client: Client, path: str, password: str) -> Any:
    data = {
        "new_password1": password,
        "new_password2": password,
        "csrf_token": csrf_token(client, "/accounts/password_reset/"),
    }
    return client.post(path, data=data)


def whoami(client: Client) -> str | None:
    email: str | None = client.get("/whoami/").json()["email"]
    return email


# -- host poisoning --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "attacker.example.com"},
        {"X-Forwarded-Host": "attacker.example.com"},
        {"Host": "attacker.example.com", "X-Forwarded-Host": "evil.example.com:8443"},
    ],
    ids=["host", "x-forwarded-host", "both"],
)
def test_a_poisoned_host_still_gets_a_link_on_site_url(
    app: Bastion, ann: User, headers: dict[str, str]
) -> None:
    """Both hosts are allowed here (``.example.com``), and still never reach the link."""
    response = request_reset(Client(app), "ann@example.com", headers=headers)
    assert response.status_code == 303
    (message,) = outbox(app)
    (link,) = reset_links(app)
    assert link.startswith(SITE_URL + "/accounts/reset/")
    for text in (message.body, message.html or ""):
        assert "attacker" not in text
        assert "evil" not in text


def test_a_disallowed_host_is_refused_before_any_mail(app: Bastion, ann: User) -> None:
    client = Client(app, raise_server_exceptions=False)
    token = csrf_token(client, "/accounts/password_reset/")
    response = client.post(
        "/accounts/password_reset/",
        data={"email": "ann@example.com", "csrf_token": token},
        headers={"Host": "evil.test"},
    )
    assert response.status_code == 400
    assert outbox(app) == []


# -- the token -------------------------------------------------------------------------------


def test_a_token_works_once(app: Bastion, ann: User) -> None:
    path = link_path(app, "ann@example.com")
    client = Client(app)
    assert set_password(client, path, NEW_PASSWORD).status_code == 303
    assert client.get(path).status_code == 400
    assert set_password(client, path, OTHER_PASSWORD).status_code == 400
    assert reload(app, ann).check_password(NEW_PASSWORD)


def test_an_expired_token_is_refused(
    app: Bastion, ann: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = time.time()
    monkeypatch.setattr(tokens_module, "unix_time", lambda: start)
    path = link_path(app, "ann@example.com")
    monkeypatch.setattr(tokens_module, "unix_time", lambda: start + 3599)
    assert Client(app).get(path).status_code == 200
    monkeypatch.setattr(tokens_module, "unix_time", lambda: start + 3601)
    client = Client(app)
    page = client.get(path)
    assert page.status_code == 400
    assert "Invalid or expired link" in page.text
    assert set_password(client, path, NEW_PASSWORD).status_code == 400
    assert reload(app, ann).password == ann.password


def test_the_timeout_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with cheap_hashers():
        app = make_password_app(tmp_path / "db.sqlite3", PASSWORD_RESET_TIMEOUT=60)
        try:
            create_user(app, "ann@example.com")
            start = time.time()
            monkeypatch.setattr(tokens_module, "unix_time", lambda: start)
            path = link_path(app, "ann@example.com")
            monkeypatch.setattr(tokens_module, "unix_time", lambda: start + 61)
            assert Client(app).get(path).status_code == 400
        finally:
            app.close()


def test_a_token_dies_when_the_password_changes(app: Bastion, ann: User) -> None:
    path = link_path(app, "ann@example.com")
    client = Client(app)
    assert post_login(client, "ann@example.com", PASSWORD).status_code == 303
    data = {
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
        "csrf_token": csrf_token(client, "/accounts/password_change/"),
    }
    assert client.post("/accounts/password_change/", data=data).status_code == 303
    assert Client(app).get(path).status_code == 400


def test_a_token_dies_when_the_user_logs_in(app: Bastion, ann: User) -> None:
    """The user remembered their password: the link in their mailbox must be worthless."""
    path = link_path(app, "ann@example.com")
    assert post_login(Client(app), "ann@example.com", PASSWORD).status_code == 303
    assert Client(app).get(path).status_code == 400


def test_a_token_for_one_account_does_not_open_another(app: Bastion, ann: User, bob: User) -> None:
    path = link_path(app, "ann@example.com")
    _, _, ann_uid, token, _ = path.rsplit("/", 4)
    bob_path = link_path(app, "bob@example.com")
    bob_uid = bob_path.rsplit("/", 3)[1]
    assert bob_uid != ann_uid
    forged = f"/accounts/reset/{bob_uid}/{token}/"
    client = Client(app)
    assert client.get(forged).status_code == 400
    assert set_password(client, forged, NEW_PASSWORD).status_code == 400
    assert reload(app, bob).password == bob.password


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/reset/MQ/garbage/",
        "/accounts/reset/Mg/{token}/",  # another pk, a real token
        "/accounts/reset/MA/{token}/",  # pk 0: the dummy of unknown addresses
        "/accounts/reset/LTE/{token}/",  # pk -1
        "/accounts/reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk/{token}/",  # beyond any integer
        "/accounts/reset/YWJj/{token}/",  # "abc"
        "/accounts/reset/_w/{token}/",  # not UTF-8
        "/accounts/reset/%00/{token}/",
        "/accounts/reset/%C3%A9/{token}/",
        "/accounts/reset/" + "A" * 300 + "/{token}/",
        "/accounts/reset/MQ/{token}x/",
        "/accounts/reset/MQ/0-{sig}/",
        "/accounts/reset/MQ/zzzzzzzzzzzzzzzzzzzzzz-{sig}/",
        "/accounts/reset/MQ/" + "x" * 2000 + "/",
        "/accounts/reset/MQ/%E2%80%AE{token}/",
    ],
)
def test_tampered_links_get_the_invalid_page_never_a_500(
    app: Bastion, ann: User, path: str
) -> None:
    real = link_path(app, "ann@example.com")
    token = real.rsplit("/", 2)[1]
    url = path.format(token=token, sig=token.partition("-")[2])
    client = Client(app, raise_server_exceptions=False)
    page = client.get(url)
    assert page.status_code in (400, 404)
    if page.status_code == 400:
        assert "Invalid or expired link" in page.text
    assert set_password(client, url, NEW_PASSWORD).status_code in (400, 404)
    assert reload(app, ann).password == ann.password


# -- enumeration through the request page ----------------------------------------------------


def fingerprint(response: Any) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted((name.lower(), value) for name, value in response.headers.items())
    return response.status_code, response.content, headers


def test_the_request_page_answers_the_same_for_known_and_unknown_addresses(
    app: Bastion, ann: User
) -> None:
    # Each from a client of its own: the rate-limit headers count requests per client.
    known = request_reset(Client(app), "ann@example.com", environ={"REMOTE_ADDR": "10.0.0.1"})
    unknown = request_reset(Client(app), "nobody@example.com", environ={"REMOTE_ADDR": "10.0.0.2"})
    assert fingerprint(known) == fingerprint(unknown)
    assert len(outbox(app)) == 1


def test_the_request_page_takes_about_the_same_time(app: Bastion, ann: User) -> None:
    """Generous bound: the medians of both paths within 2x (plus 20 ms) of each other."""

    addresses = iter(range(1, 1000))

    def timed(email: str) -> float:
        client = Client(app)
        token = csrf_token(client, "/accounts/password_reset/")
        start = time.perf_counter()
        client.post(
            "/accounts/password_reset/",
            data={"email": email, "csrf_token": token},
            environ={"REMOTE_ADDR": f"10.1.{next(addresses) // 250}.{next(addresses) % 250}"},
        )
        return time.perf_counter() - start

    for email in ("ann@example.com", "nobody@example.com"):  # warm up both paths
        timed(email)
    known = statistics.median(timed("ann@example.com") for _ in range(15))
    unknown = statistics.median(timed("nobody@example.com") for _ in range(15))
    assert known <= 2 * unknown + 0.02
    assert unknown <= 2 * known + 0.02


# -- sessions --------------------------------------------------------------------------------


def test_a_reset_logs_out_every_session_of_the_user(app: Bastion, ann: User) -> None:
    laptop, phone = Client(app), Client(app)
    for device in (laptop, phone):
        assert post_login(device, "ann@example.com", PASSWORD).status_code == 303
        assert whoami(device) == "ann@example.com"
    path = link_path(app, "ann@example.com")
    stranger = Client(app)
    assert set_password(stranger, path, NEW_PASSWORD).status_code == 303
    assert whoami(laptop) is None
    assert whoami(phone) is None
    assert whoami(stranger) is None  # and nobody was logged in by the reset


def test_a_reset_from_a_logged_in_browser_logs_that_browser_out_too(
    app: Bastion, ann: User
) -> None:
    client = Client(app)
    assert post_login(client, "ann@example.com", PASSWORD).status_code == 303
    path = link_path(app, "ann@example.com")  # a login happened before the link: still valid
    assert set_password(client, path, NEW_PASSWORD).status_code == 303
    assert whoami(client) is None


def test_a_change_needs_the_old_password_and_ends_only_the_other_sessions(
    app: Bastion, ann: User
) -> None:
    here, elsewhere = Client(app), Client(app)
    for device in (here, elsewhere):
        assert post_login(device, "ann@example.com", PASSWORD).status_code == 303

    def change(old: str) -> Any:
        data = {
            "old_password": old,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "csrf_token": csrf_token(here, "/accounts/password_change/"),
        }
        return here.post("/accounts/password_change/", data=data)

    assert change("").status_code == 400
    assert change(NEW_PASSWORD).status_code == 400  # a session alone cannot take the account
    assert whoami(elsewhere) == "ann@example.com"
    assert change(PASSWORD).status_code == 303
    assert whoami(here) == "ann@example.com"
    assert whoami(elsewhere) is None


def test_reset_requests_are_throttled_per_client(tmp_path: Path) -> None:
    """Nobody can flood an inbox with reset mail: the sixth request in a minute gets 429."""
    app = make_password_app(tmp_path / "db.sqlite3")
    try:
        client = Client(app)
        statuses = [request_reset(client, f"nobody{i}@example.com").status_code for i in range(6)]
        assert statuses[:5] == [303] * 5
        assert statuses[5] == 429
    finally:
        app.close()
