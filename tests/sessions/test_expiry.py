"""Idle timeout, absolute lifetime and the refreshing of an active session's expiry."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bastion.sessions.session import refresh_interval
from bastion.testing import Client

NAME = "__Host-session"


def session_set_cookies(response: Any) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{NAME}=")]


def max_age(response: Any) -> int:
    [cookie] = session_set_cookies(response)
    for part in cookie.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "Max-Age":
            return int(value)
    raise AssertionError("no Max-Age")


@pytest.mark.parametrize(
    ("idle", "interval"), [(14 * 24 * 3600, 60), (1200, 60), (600, 30), (100, 5), (10, 1)]
)
def test_refresh_interval_is_a_minute_or_a_twentieth(idle: int, interval: int) -> None:
    assert refresh_interval(idle) == interval


def test_session_read_refreshes_expiry_at_most_once_a_minute(
    make_app: Any, backend: str, clock: Any
) -> None:
    client = Client(make_app(backend))
    client.get("/put", query={"a": "1"})
    first = client.cookies[NAME]
    clock.advance(59)
    assert session_set_cookies(client.get("/show")) == []
    clock.advance(1)
    refreshed = client.get("/show")
    assert max_age(refreshed) == 14 * 24 * 3600
    assert client.cookies[NAME] != first  # re-signed with the new time
    assert session_set_cookies(client.get("/show")) == []


def test_session_active_within_idle_timeout_survives(
    make_app: Any, backend: str, clock: Any
) -> None:
    client = Client(make_app(backend, idle_timeout=100, absolute_lifetime=10_000))
    client.get("/put", query={"a": "1"})
    for _ in range(10):  # 900 seconds of activity, never 100 idle
        clock.advance(90)
        assert client.get("/show").json()["data"] == {"a": "1"}


def test_session_idle_timeout_ends_session(
    make_app: Any, backend: str, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(make_app(backend, idle_timeout=100))
    client.get("/put", query={"a": "1"})
    stale = client.cookies[NAME]
    clock.advance(101)
    with caplog.at_level(logging.INFO, logger="bastion.security.SessionExpired"):
        response = client.get("/show", cookies={NAME: stale})
    assert response.json()["data"] == {}
    assert session_set_cookies(response)  # the stale cookie is deleted
    if backend != "memory":  # only the memory store's TTL follows the fake clock
        assert "Session expired (idle timeout)" in caplog.text


def test_session_absolute_lifetime_ends_active_session(
    make_app: Any, backend: str, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(make_app(backend, idle_timeout=100, absolute_lifetime=300))
    client.get("/put", query={"a": "1"})
    for _ in range(3):
        clock.advance(90)
        client.get("/put", query={"b": "2"})
    clock.advance(31)  # 301 seconds after creation, 31 after the last activity
    with caplog.at_level(logging.INFO, logger="bastion.security.SessionExpired"):
        assert client.get("/show").json()["data"] == {}
    if backend != "memory":
        assert "Session expired (absolute lifetime)" in caplog.text


def test_session_cookie_max_age_never_outlives_absolute_lifetime(
    make_app: Any, backend: str, clock: Any
) -> None:
    client = Client(make_app(backend, idle_timeout=100, absolute_lifetime=150))
    assert max_age(client.get("/put", query={"a": "1"})) == 100
    clock.advance(90)
    assert max_age(client.get("/put", query={"a": "2"})) == 60


def test_session_cycle_key_restarts_absolute_lifetime(
    make_app: Any, backend: str, clock: Any
) -> None:
    client = Client(make_app(backend, idle_timeout=100, absolute_lifetime=150))
    client.get("/put", query={"a": "1"})
    clock.advance(90)
    client.get("/cycle")  # a login: the lifetime starts again
    clock.advance(90)  # 180 s after the first visit, 90 after the login
    assert client.get("/show").json()["data"] == {"a": "1"}
