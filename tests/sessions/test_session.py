"""Sessions end to end, through a real application and the test client, on every backend."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bastion.testing import Client

NAME = "__Host-session"


def set_cookies(response: Any, name: str = NAME) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]


def attributes(set_cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in set_cookie.split(";")[1:]]
    return {k.lower(): v for k, _, v in (p.partition("=") for p in parts)}


def test_session_round_trip_keeps_data(make_app: Any, backend: str) -> None:
    client = Client(make_app(backend))
    first = client.get("/put", query={"colour": "blue"})
    assert first.json()["data"] == {"colour": "blue"}
    assert len(set_cookies(first)) == 1
    assert first.headers.getlist("Vary") == ["Cookie"]
    second = client.get("/put", query={"size": "L"})
    assert second.json()["data"] == {"colour": "blue", "size": "L"}
    assert client.get("/show").json()["data"] == {"colour": "blue", "size": "L"}


def test_session_cookie_attributes_are_secure_by_default(make_app: Any, backend: str) -> None:
    response = Client(make_app(backend)).get("/put", query={"a": "1"})
    [cookie] = set_cookies(response)
    attrs = attributes(cookie)
    assert attrs["path"] == "/"
    assert attrs["max-age"] == str(14 * 24 * 3600)
    assert attrs["samesite"] == "Lax"
    assert {"secure", "httponly"} <= attrs.keys()
    assert "domain" not in attrs


def test_session_untouched_request_gets_no_cookie_and_no_vary(make_app: Any, backend: str) -> None:
    client = Client(make_app(backend))
    client.get("/put", query={"a": "1"})
    response = client.get("/untouched")
    assert response.headers.getlist("Set-Cookie") == []
    assert "Vary" not in response.headers


def test_session_read_only_request_varies_but_sets_no_cookie(make_app: Any, backend: str) -> None:
    client = Client(make_app(backend))
    client.get("/put", query={"a": "1"})
    response = client.get("/show")
    assert response.json()["data"] == {"a": "1"}
    assert set_cookies(response) == []
    assert response.headers.getlist("Vary") == ["Cookie"]


def test_session_new_and_unused_is_never_stored(make_app: Any, backend: str) -> None:
    response = Client(make_app(backend)).get("/show")
    assert response.json() == {"data": {}, "key": None}
    assert set_cookies(response) == []


def test_session_json_values_round_trip(make_app: Any, backend: str) -> None:
    client = Client(make_app(backend))
    value = {"cart": [1, 2.5, {"note": None, "gift": True}], "name": "Zoë"}
    client.get("/put", query={"json": json.dumps(value)})
    assert client.get("/show").json()["data"] == value


@pytest.mark.parametrize(
    ("kind", "error", "message"),
    [
        ("object", TypeError, r"session\['bad'\] is a object; sessions hold JSON values only"),
        ("intkey", TypeError, r"session\['bad'\] has the key 1; JSON object keys are strings"),
        ("nan", ValueError, r"session\['bad'\] is nan"),
    ],
)
def test_session_non_json_value_fails_at_save(
    make_app: Any, backend: str, kind: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        Client(make_app(backend)).get("/invalid", query={"kind": kind})


def test_session_in_place_change_is_saved_only_when_marked(make_app: Any, backend: str) -> None:
    client = Client(make_app(backend))
    client.get("/put", query={"json": '{"cart": ["tea"]}'})
    client.get("/append", query={"item": "cake"})
    assert client.get("/show").json()["data"] == {"cart": ["tea"]}
    client.get("/append", query={"item": "cake", "mark": "1"})
    assert client.get("/show").json()["data"] == {"cart": ["tea", "cake"]}


def test_session_cycle_key_keeps_data_under_new_id(make_app: Any, backend: str) -> None:
    client = Client(make_app(backend))
    client.get("/put", query={"user": "7"})
    key = client.get("/show").json()["key"]
    assert key is not None
    before = client.cookies[NAME]
    cycled = client.get("/cycle").json()
    assert cycled["old"] == key
    assert cycled["new"] != key
    assert cycled["data"] == {"user": "7"}
    assert client.cookies[NAME] != before
    after = client.get("/show").json()
    assert after == {"data": {"user": "7"}, "key": cycled["new"]}


def test_session_cycle_key_on_new_session_is_not_stored(make_app: Any, backend: str) -> None:
    response = Client(make_app(backend)).get("/cycle")
    assert response.json()["new"] is not None
    assert set_cookies(response) == []


def test_session_flush_deletes_data_and_cookie(make_app: Any, backend: str) -> None:
    client = Client(make_app(backend))
    client.get("/put", query={"user": "7"})
    response = client.get("/flush")
    assert response.json() == {"data": {}, "key": None}
    [cookie] = set_cookies(response)
    assert attributes(cookie)["max-age"] == "0"
    assert NAME not in client.cookies
    assert client.get("/show").json()["data"] == {}


def test_session_flush_then_set_starts_a_new_session(make_app: Any, backend: str) -> None:
    client = Client(make_app(backend))
    client.get("/put", query={"user": "7"})
    old = client.get("/show").json()["key"]
    client.get("/flush", query={"message": "bye"})
    after = client.get("/show").json()
    assert after["data"] == {"message": "bye"}
    assert after["key"] not in (None, old)


def test_session_flush_without_cookie_sends_nothing(make_app: Any, backend: str) -> None:
    assert set_cookies(Client(make_app(backend)).get("/flush")) == []


@pytest.mark.parametrize("route", ["/remove", "/clear"])
def test_session_emptied_deletes_cookie(make_app: Any, backend: str, route: str) -> None:
    client = Client(make_app(backend))
    client.get("/put", query={"a": "1"})
    response = client.get(route, query={"a": ""})
    assert response.json()["data"] == {}
    assert attributes(set_cookies(response)[0])["max-age"] == "0"
    assert NAME not in client.cookies


def test_session_clear_of_empty_session_changes_nothing(make_app: Any, backend: str) -> None:
    assert set_cookies(Client(make_app(backend)).get("/clear")) == []


def test_session_server_error_discards_changes(make_app: Any, backend: str) -> None:
    client = Client(make_app(backend), raise_server_exceptions=False)
    client.get("/put", query={"a": "1"})
    response = client.get("/fail", query={"then": "set"})
    assert response.status_code == 500
    assert set_cookies(response) == []
    assert client.get("/show").json()["data"] == {"a": "1"}


@pytest.mark.parametrize("action", ["flush", "cycle"])
def test_session_server_error_still_ends_retired_session(
    make_app: Any, backend: str, action: str
) -> None:
    client = Client(make_app(backend), raise_server_exceptions=False)
    client.get("/put", query={"a": "1"})
    old_cookie = client.cookies[NAME]
    response = client.get("/fail", query={"then": action})
    assert response.status_code == 500
    assert attributes(set_cookies(response)[0])["max-age"] == "0"
    assert NAME not in client.cookies
    if backend != "signed_cookie":  # a server-side record is gone for good
        replay = client.get("/show", cookies={NAME: old_cookie})
        assert replay.json()["data"] == {}


def test_session_server_error_on_new_session_sends_nothing(make_app: Any, backend: str) -> None:
    client = Client(make_app(backend), raise_server_exceptions=False)
    response = client.get("/fail", query={"then": "flush"})
    assert response.status_code == 500
    assert set_cookies(response) == []


def test_session_persistent_false_makes_browser_session_cookie(make_app: Any, backend: str) -> None:
    response = Client(make_app(backend, persistent=False)).get("/put", query={"a": "1"})
    attrs = attributes(set_cookies(response)[0])
    assert "max-age" not in attrs
    assert "expires" not in attrs


def test_session_samesite_follows_config(make_app: Any, backend: str) -> None:
    response = Client(make_app(backend, samesite="Strict")).get("/put", query={"a": "1"})
    assert attributes(set_cookies(response)[0])["samesite"] == "Strict"


def test_session_custom_cookie_name(make_app: Any, backend: str) -> None:
    client = Client(make_app(backend, cookie_name="sid"))
    response = client.get("/put", query={"a": "1"})
    assert set_cookies(response, "__Host-sid")
    assert client.get("/show").json()["data"] == {"a": "1"}


def test_session_over_http_in_debug_uses_plain_name_without_secure(
    make_app: Any, backend: str
) -> None:
    client = Client(make_app(backend, debug=True), base_url="http://testserver")
    response = client.get("/put", query={"a": "1"})
    [cookie] = set_cookies(response, "session")
    assert "secure" not in attributes(cookie)
    assert client.get("/show").json()["data"] == {"a": "1"}
    # A __Host- cookie is never read over plain HTTP, and the other way round.
    https = Client(make_app(backend, debug=True))
    https.set_cookie("session", client.cookies["session"])
    assert https.get("/show").json()["data"] == {}


def test_session_over_http_in_production_is_still_secure(make_app: Any, backend: str) -> None:
    # Without DEBUG a plain-HTTP request is redirected to HTTPS (308) before the session layer
    # runs. This test is about the cookie's flags when one gets through anyway, so the app is
    # built without the redirect layer.
    client = Client(make_app(backend, https_redirect=False), base_url="http://testserver")
    response = client.get("/put", query={"a": "1"})
    [cookie] = set_cookies(response, "session")
    assert "secure" in attributes(cookie)
