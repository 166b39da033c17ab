"""Who a request counts against: client address, user, a project's key function."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.ratelimit import client_key, user_key
from bastion.ratelimit.keys import check_key, key_component, request_key
from bastion.settings import ProxyConfig, Settings

from .conftest import KEY

SAFE = re.compile(r"[A-Za-z0-9_.:@+=-]{1,64}")


def make_request(
    client_addr: str | None = "203.0.113.9", headers: dict[str, str] | None = None, **proxy: Any
) -> Request:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"], PROXY=ProxyConfig(**proxy))
    return Request(settings=settings, client_addr=client_addr, headers=headers or {})


@dataclass
class User:
    pk: Any
    is_authenticated: bool = True


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("203.0.113.9", "ip:203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "ip:2001:db8:1:2::"),
        ("2001:db8:1:2:ffff::1", "ip:2001:db8:1:2::"),
        ("::ffff:198.51.100.7", "ip:198.51.100.7"),
        ("/run/gunicorn.sock", "ip:/run/gunicorn.sock"),
        (None, "ip:unknown"),
        ("", "ip:unknown"),
    ],
)
def test_client_key_by_address(address: str | None, expected: str) -> None:
    assert client_key(make_request(address)) == expected


def test_client_key_ignores_forwarded_for_from_untrusted_peer() -> None:
    request = make_request("203.0.113.9", {"x-forwarded-for": "198.51.100.1"}, trusted_hops=1)
    assert client_key(request) == "ip:203.0.113.9"


def test_client_key_believes_trusted_proxy() -> None:
    request = make_request("127.0.0.1", {"x-forwarded-for": "198.51.100.1"}, trusted_hops=1)
    assert client_key(request) == "ip:198.51.100.1"


def test_user_key_for_authenticated_user() -> None:
    request = make_request()
    request.user = User(pk=42)  # type: ignore[attr-defined]
    assert user_key(request) == "user:42"


@pytest.mark.parametrize(
    "user", [None, User(pk=None), User(pk=7, is_authenticated=False), object()]
)
def test_user_key_falls_back_to_address(user: Any) -> None:
    request = make_request()
    if user is not None:
        request.user = user  # type: ignore[attr-defined]
    assert user_key(request) == "ip:203.0.113.9"


def test_request_key_ip_and_user() -> None:
    request = make_request()
    request.user = User(pk=3)  # type: ignore[attr-defined]
    assert request_key(request, "ip") == "ip:203.0.113.9"
    assert request_key(request, "user") == "user:3"


def test_request_key_function_value_is_namespaced() -> None:
    # A key function cannot pose as an address or a user.
    assert request_key(make_request(), lambda r: "ip:10.0.0.1") == "key:ip:10.0.0.1"


@pytest.mark.parametrize("value", [None, ""])
def test_request_key_function_without_value_falls_back_to_address(value: str | None) -> None:
    assert request_key(make_request(), lambda r: value) == "ip:203.0.113.9"


def test_request_key_function_must_return_str() -> None:
    def account(request: Request) -> Any:
        return 12

    with pytest.raises(TypeError, match="account returned 12"):
        request_key(make_request(), account)


@pytest.mark.parametrize("key", ["ip", "user", client_key, lambda r: "x"])
def test_check_key_accepts_known_keys(key: Any) -> None:
    assert check_key(key) is key


@pytest.mark.parametrize("key", ["IP", "session", None, 3])
def test_check_key_refuses_others(key: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="is not a key"):
        check_key(key)


@pytest.mark.parametrize(
    "value", ["ip:203.0.113.9", "user:42", "ip:2001:db8::", "a.b-c_d@e+f=g", "x" * 64]
)
def test_key_component_keeps_short_safe_values(value: str) -> None:
    assert key_component(value) == value


@pytest.mark.parametrize(
    "value", ["", "a/b", "with space", "x" * 65, "é", "line\nbreak", "h.\x00", "\ud800", "h.ab"]
)
def test_key_component_hashes_other_values(value: str) -> None:
    component = key_component(value)
    assert re.fullmatch(r"h\.[0-9a-f]{40}", component)


@given(st.text())
def test_key_component_is_always_storage_safe(value: str) -> None:
    component = key_component(value)
    assert SAFE.fullmatch(component)
    assert "/" not in component


@given(st.text(), st.text())
def test_key_component_distinct_values_stay_distinct(a: str, b: str) -> None:
    if a != b:
        assert key_component(a) != key_component(b)


def test_key_component_value_cannot_pose_as_a_digest() -> None:
    digest = key_component("a/b")
    assert key_component(digest) != digest
