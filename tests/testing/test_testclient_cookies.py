from __future__ import annotations

from urllib.parse import quote

import pytest

from bastion.testing import Client, SetCookie
from bastion.types import WSGIApp


def _set(*headers: str) -> str:
    return "/set?" + "&".join(f"set_cookie={quote(h)}" for h in headers)


def test_client_cookies_round_trip(client: Client) -> None:
    response = client.get(_set("sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax", "theme=dark"))
    assert response.cookies["sid"] == SetCookie(
        "sid", "abc", path="/", secure=True, httponly=True, samesite="Lax"
    )
    assert client.cookies == {"sid": "abc", "theme": "dark"}
    assert client.get("/next").json()["cookie"] == "sid=abc; theme=dark"


def test_client_cookie_deleted_by_the_application(client: Client) -> None:
    client.get(_set("sid=abc; Path=/"))
    client.get(_set("sid=; Max-Age=0; Path=/"))
    assert client.cookies == {}
    assert client.get("/").json()["cookie"] is None


def test_client_response_cookies_include_refused_ones(client: Client) -> None:
    response = client.get(_set("a=1; Domain=elsewhere.com", "broken"))
    assert list(response.cookies) == ["a"]
    assert client.cookies == {}


def test_client_secure_cookies_are_not_sent_over_http(echo_app: WSGIApp) -> None:
    client = Client(echo_app, base_url="http://testserver")
    client.get(_set("a=1; Secure; Path=/", "b=2; Path=/"))
    assert client.cookies == {"b": "2"}
    client.set_cookie("c", "3", secure=True)
    assert client.get("/").json()["cookie"] == "b=2"
    assert client.get("https://testserver/").json()["cookie"] == "b=2; c=3"


def test_client_cookie_paths_follow_the_mount(echo_app: WSGIApp) -> None:
    client = Client(echo_app, base_url="https://testserver/app")
    client.get(_set("a=1"))  # default path: the directory of /app/set
    client.get(_set("b=2; Path=/app/admin"))
    assert client.get("/admin/users").json()["cookie"] == "b=2; a=1"
    assert client.get("/public").json()["cookie"] == "a=1"


def test_client_set_cookie_is_host_only_by_default(client: Client) -> None:
    client.set_cookie("a", "1")
    (cookie,) = client.cookie_jar
    assert (cookie.domain, cookie.host_only, cookie.secure) == ("testserver", True, False)
    assert client.get("/").json()["cookie"] == "a=1"


def test_client_set_cookie_with_attributes(echo_app: WSGIApp) -> None:
    client = Client(echo_app, base_url="https://www.example.com")
    client.set_cookie(
        "a", "1", domain=".example.com", path="/x", httponly=True, samesite="Strict", max_age=60
    )
    (cookie,) = client.cookie_jar
    assert (cookie.domain, cookie.host_only, cookie.path) == ("example.com", False, "/x")
    assert (cookie.httponly, cookie.samesite, cookie.expires is not None) == (True, "Strict", True)
    assert client.get("/x").json()["cookie"] == "a=1"
    assert client.get("/").json()["cookie"] is None


@pytest.mark.parametrize("name", ["__Host-sid", "__Secure-sid"])
def test_client_set_cookie_makes_prefixed_cookies_secure(client: Client, name: str) -> None:
    client.set_cookie(name, "1")
    assert [c.secure for c in client.cookie_jar] == [True]


def test_client_set_cookie_refuses_a_broken_prefix(client: Client) -> None:
    with pytest.raises(ValueError, match="__Host- cookie needs"):
        client.set_cookie("__Host-sid", "1", secure=False)


def test_client_delete_and_clear_cookies(client: Client) -> None:
    client.set_cookie("a", "1")
    client.set_cookie("b", "2")
    client.delete_cookie("a")
    assert client.cookies == {"b": "2"}
    client.clear_cookies()
    assert client.cookies == {}


def test_client_per_request_cookies_win_and_are_not_kept(client: Client) -> None:
    client.set_cookie("a", "jar")
    client.set_cookie("b", "jar")
    assert client.get("/", cookies={"a": "mine", "c": "3"}).json()["cookie"] == "a=mine; c=3; b=jar"
    assert client.cookies == {"a": "jar", "b": "jar"}


def test_client_per_request_cookies_are_checked(client: Client) -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        client.get("/", cookies={"a": "x; admin=1"})


def test_client_explicit_cookie_header_replaces_the_jar(client: Client) -> None:
    client.set_cookie("a", "1")
    assert client.get("/", headers={"Cookie": "raw=; ;x"}).json()["cookie"] == "raw=; ;x"
