"""Attacks on login and sign-up: stuffing, guessing, enumeration, fixation, open redirect, CSRF.

The brute-force tests run two Bastion applications (two "workers") on one real Redis, with
a key prefix of their own, and alternate between them: the counters must be shared.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from login_support import (
    PASSWORD,
    TOKEN,
    cheap_hashers,
    create_user,
    csrf_token,
    make_app,
    post_login,
    strict_policy,
    unique_prefix,
)
from services import require_service

from bastion import Bastion
from bastion.auth.hashers import Argon2idHasher, use_hashers
from bastion.auth.lockout import Lockout, LockoutPolicy
from bastion.http.request import Request
from bastion.settings import CacheConfig
from bastion.testing import Client

REDIS_DB = 5
SESSION = "__Host-session"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "db.sqlite3"


@pytest.fixture
def workers(database: Path) -> Iterator[tuple[Bastion, Bastion]]:
    """Two applications on one SQLite file and one Redis database (shared key prefix)."""
    require_service("Redis", "127.0.0.1", 6379)
    prefix = unique_prefix()
    options: dict[str, Any] = {
        "cache_url": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "policy": strict_policy(),
        "CACHE": CacheConfig(key_prefix=prefix),
    }
    with cheap_hashers():
        first = make_app(database, **options)
        second = make_app(database, migrated=False, **options)
        try:
            yield first, second
        finally:
            first.cache.clear()
            first.close()
            second.close()


@pytest.fixture
def app(database: Path) -> Iterator[Bastion]:
    with cheap_hashers():
        application = make_app(database, policy=LockoutPolicy(max_failures=1000))
        try:
            yield application
        finally:
            application.close()


# -- brute force -----------------------------------------------------------------------------


def test_credential_stuffing_from_one_address_is_stopped(
    workers: tuple[Bastion, Bastion],
) -> None:
    first, second = workers
    victims = [f"user{n}@example.com" for n in range(12)]
    for email in victims:
        create_user(first, email)
    clients = [Client(first), Client(second)]
    statuses = [
        post_login(clients[n % 2], email, "Summer2024!", ip="203.0.113.66").status_code
        for n, email in enumerate(victims)
    ]
    # strict_policy: 10 failures per client, counted across both workers.
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]
    # Even the right password is refused now, on either worker, before any password work.
    for client in clients:
        blocked = post_login(client, victims[0], PASSWORD, ip="203.0.113.66")
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
    # Another address is not punished for it.
    assert post_login(clients[0], victims[0], PASSWORD, ip="198.51.100.5").status_code == 303


def test_one_account_from_many_addresses_is_locked(workers: tuple[Bastion, Bastion]) -> None:
    first, second = workers
    create_user(first, "ann@example.com")
    clients = [Client(first), Client(second)]
    for n in range(3):  # strict_policy: 3 failures lock the account
        ip = f"198.51.100.{n + 10}"
        assert post_login(clients[n % 2], "ann@example.com", f"guess{n}", ip=ip).status_code == 400
    for n, client in enumerate(clients):
        # The attacker now has the password; from a fresh address, on either worker: no.
        attempt = post_login(client, "ann@example.com", PASSWORD, ip=f"192.0.2.{n + 1}")
        assert attempt.status_code == 400
        assert client.get("/whoami/").json()["authenticated"] is False


# -- enumeration -----------------------------------------------------------------------------


def shape(response: Any) -> tuple[int, str, list[str], list[str]]:
    """What an attacker compares: status, body (minus the per-response CSRF token), headers."""
    body = TOKEN.sub('name="csrf_token" value=""', response.text)
    cookies = sorted(c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie"))
    return response.status_code, body, sorted(response.headers), cookies


def test_login_failures_look_the_same(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    create_user(app, "off@example.com", is_active=False)
    create_user(app, "locked@example.com")
    with app.databases.activate():  # locked as by failures from elsewhere
        stranger = Request(settings=app.settings, client_addr="10.9.9.9", app=app)
        Lockout(app.cache, LockoutPolicy(max_failures=1)).register_failure(
            stranger, "locked@example.com"
        )
        app.databases.release()

    def attempt(email: str, password: str) -> tuple[int, str, list[str], list[str]]:
        client = Client(app)
        response = post_login(client, email, password)
        return shape(response)

    unknown = attempt("nobody@example.com", "whatever-password")
    wrong = attempt("ann@example.com", "whatever-password")
    inactive = attempt("off@example.com", PASSWORD)  # the right password
    locked = attempt("locked@example.com", PASSWORD)  # the right password

    def without_email(result: tuple[int, str, list[str], list[str]], email: str) -> Any:
        status, body, headers, cookies = result
        return status, body.replace(email, "EMAIL"), headers, cookies

    assert (
        without_email(unknown, "nobody@example.com")
        == without_email(wrong, "ann@example.com")
        == without_email(inactive, "off@example.com")
        == without_email(locked, "locked@example.com")
    )
    assert unknown[0] == 400


def timed(call: Callable[[], Any], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def test_login_timing_does_not_reveal_accounts(database: Path) -> None:
    # A hasher costly enough to dominate a request, as in production (Argon2id is ~50 ms).
    hasher = Argon2idHasher(memory_cost=8 * 1024, time_cost=3, parallelism=1)
    with use_hashers([hasher]):
        app = make_app(database, policy=LockoutPolicy(max_failures=10_000))
        try:
            create_user(app, "ann@example.com")
            client = Client(app)
            token = csrf_token(client)

            def login_as(email: str) -> Callable[[], Any]:
                data = {"email": email, "password": "not-the-password", "csrf_token": token}
                return lambda: client.post("/accounts/login/", data=data)

            hash_cost = timed(lambda: hasher.verify(b"x", hasher.make(b"y")), 5)
            unknown = timed(login_as("nobody@example.com"), 15)
            known = timed(login_as("ann@example.com"), 15)
        finally:
            app.close()
    # Without the dummy verification the unknown address would be a whole hash faster.
    assert abs(unknown - known) < hash_cost * 0.5, (unknown, known, hash_cost)


def signup_shape(client: Client, email: str) -> tuple[int, str, list[str], list[str]]:
    token = csrf_token(client, "/accounts/signup/")
    response = client.post(
        "/accounts/signup/",
        data={"email": email, "password": "plum-tractor-velvet-41-orbit", "csrf_token": token},
    )
    status, _body, headers, cookies = shape(response)
    return status, response.headers.get("Location", ""), headers, cookies


def test_signup_does_not_reveal_accounts(database: Path) -> None:
    hasher = Argon2idHasher(memory_cost=8 * 1024, time_cost=3, parallelism=1)
    with use_hashers([hasher]):
        app = make_app(database)
        try:
            create_user(app, "ann@example.com")
            taken = signup_shape(Client(app), "ann@example.com")
            fresh = signup_shape(Client(app), "new@example.com")
            assert taken == fresh
            assert taken[0] == 303

            counter = iter(range(10_000))

            def sign_up(email: Callable[[], str]) -> Callable[[], Any]:
                client = Client(app)
                token = csrf_token(client, "/accounts/signup/")
                data = {"password": "plum-tractor-velvet-41-orbit", "csrf_token": token}
                return lambda: client.post("/accounts/signup/", data={**data, "email": email()})

            hash_cost = timed(lambda: hasher.make(b"y"), 5)
            existing = timed(sign_up(lambda: "ann@example.com"), 9)
            new = timed(sign_up(lambda: f"n{next(counter)}@example.com"), 9)
        finally:
            app.close()
    assert abs(existing - new) < hash_cost * 0.5, (existing, new, hash_cost)


# -- session fixation ------------------------------------------------------------------------


def test_a_planted_session_id_is_worthless_after_login(app: Bastion) -> None:
    create_user(app, "mallory@example.com")
    create_user(app, "ann@example.com")
    attacker = Client(app)
    post_login(attacker, "mallory@example.com", PASSWORD)
    planted = attacker.cookies[SESSION]
    victim = Client(app)
    victim.set_cookie(SESSION, planted)
    assert post_login(victim, "ann@example.com", PASSWORD).status_code == 303
    assert victim.cookies[SESSION] != planted
    assert victim.get("/whoami/").json()["email"] == "ann@example.com"
    # The attacker's copy does not follow the victim into her account.
    assert attacker.get("/whoami/").json()["email"] != "ann@example.com"


def test_the_session_id_changes_at_login(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    client = Client(app)
    post_login(client, "ann@example.com", PASSWORD)
    before = client.cookies[SESSION]
    post_login(client, "ann@example.com", PASSWORD)
    assert client.cookies[SESSION] != before
    stale = Client(app)
    stale.set_cookie(SESSION, before)
    assert stale.get("/whoami/").json()["authenticated"] is False


# -- open redirect ---------------------------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.com",
    "///evil.com",
    "https:evil.com",
    "http:/evil.com",
    "https://evil.com/",
    "http://testserver.evil.com/",
    "\\\\evil.com",
    "/\\evil.com",
    "\\/evil.com",
    "/\t/evil.com",
    " //evil.com",
    "%2F%2Fevil.com",
    "/%2F/evil.com",
    "/%5Cevil.com",
    "%252F%252Fevil.com",
    "/%252F%252Fevil.com",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.com",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leaves_the_site(app: Bastion, target: str) -> None:
    create_user(app, "ann@example.com")
    client = Client(app)
    page = client.get("/accounts/login/", query={"next": target})
    assert '<input type="hidden" name="next" value="">' in page.text  # not carried along
    response = post_login(client, "ann@example.com", PASSWORD, next_url=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


# -- logout and CSRF -------------------------------------------------------------------------


def test_logout_by_get_is_refused(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    client = Client(app)
    post_login(client, "ann@example.com", PASSWORD)
    # An <img src="/accounts/logout/"> on any page would otherwise log the user out.
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/whoami/").json()["authenticated"] is True


def test_logout_from_another_site_is_refused(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    client = Client(app)
    post_login(client, "ann@example.com", PASSWORD)
    response = client.post(
        "/accounts/logout/",
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert client.get("/whoami/").json()["authenticated"] is True


def test_login_csrf_from_another_site_is_refused(app: Bastion) -> None:
    # Login CSRF: an attacker's page logs the victim into the attacker's account.
    create_user(app, "mallory@example.com")
    victim = Client(app)
    data = {"email": "mallory@example.com", "password": PASSWORD}
    forged = victim.post(
        "/accounts/login/",
        data=data,
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    old_browser = Client(app, fetch_metadata=False)
    assert old_browser.post("/accounts/login/", data=data).status_code == 403
    assert victim.get("/whoami/").json()["authenticated"] is False
    assert SESSION not in victim.cookies


def test_csrf_token_from_before_login_is_rotated(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    client = Client(app, fetch_metadata=False)
    page = client.get("/accounts/login/")
    match = re.search(TOKEN, page.text)
    assert match is not None
    before = client.cookies["__Host-csrftoken"]
    data = {"email": "ann@example.com", "password": PASSWORD, "csrf_token": match.group(1)}
    assert client.post("/accounts/login/", data=data).status_code == 303
    assert client.cookies["__Host-csrftoken"] != before
