"""Attacks the security headers defend against, and attacks on the headers themselves.

Every page, error pages included, carries the headers; HSTS is sent only where it means
something (HTTPS, or a trusted proxy's word for it); a forged ``X-Forwarded-Proto`` neither
dodges the HTTPS redirect nor earns HSTS.
"""

from __future__ import annotations

import doctest
from pathlib import Path
from typing import Any

import pytest

from bastion import (
    BadRequest,
    Bastion,
    PlainTextResponse,
    Request,
    Response,
    SuspiciousOperation,
    path,
)
from bastion.settings import ProxyConfig, Settings
from bastion.testing import Client

KEY = "q8Zr2LmV7xKp4TnW9cYb3HdJ6fGs1RaE5uQo0iMl8NvBwXyCtPkSj"
DOCS = Path(__file__).resolve().parents[2] / "docs"
ALWAYS = (
    "X-Frame-Options",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Cross-Origin-Resource-Policy",
    "Permissions-Policy",
)


def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


def crash(request: Request) -> Response:
    raise RuntimeError("a bug")


def suspicious(request: Request) -> Response:
    raise SuspiciousOperation("tampered")


def bad(request: Request) -> Response:
    raise BadRequest("no")


ROUTES = [
    path("", ok),
    path("only-get", ok, methods=["GET"]),
    path("crash", crash),
    path("suspicious", suspicious),
    path("bad", bad),
]


def make_app(**overrides: Any) -> Bastion:
    overrides.setdefault("ALLOWED_HOSTS", ["testserver"])
    return Bastion(Settings(SECRET_KEY=KEY, **overrides), routes=ROUTES)


@pytest.mark.parametrize(
    ("method", "url", "status", "accept"),
    [
        ("GET", "/", 200, "text/html"),
        ("GET", "/missing", 404, "text/html"),
        ("GET", "/missing", 404, "application/json"),
        ("POST", "/only-get", 405, "text/html"),
        ("GET", "/crash", 500, "text/html"),
        ("GET", "/suspicious", 400, "text/html"),
        ("GET", "/bad", 400, "application/json"),
        ("GET", "/missing/", 404, "text/html"),
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_every_page_carries_the_headers(
    method: str, url: str, status: int, accept: str, debug: bool
) -> None:
    client = Client(make_app(DEBUG=debug), raise_server_exceptions=False)
    response = client.request(method, url, headers={"Accept": accept})
    assert response.status_code == status
    for name in (*ALWAYS, "Strict-Transport-Security"):
        assert len(response.headers.getlist(name)) == 1, name


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS"])
def test_head_and_options_carry_the_headers(method: str) -> None:
    response = Client(make_app()).request(method, "/")
    for name in ALWAYS:
        assert name in response.headers


def test_no_hsts_over_plain_http() -> None:
    response = Client(make_app(DEBUG=True), base_url="http://testserver").get("/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    for name in ALWAYS:
        assert name in response.headers


PROXY = ProxyConfig(trusted_hops=1, trusted_addresses=("10.0.0.0/8",))


@pytest.mark.parametrize(
    ("peer", "proto", "hsts"),
    [
        ("10.0.0.2", "https", True),  # the trusted proxy terminated TLS
        ("10.0.0.2", "http", False),
        ("198.51.100.7", "https", False),  # anyone else's claim is ignored
    ],
)
def test_hsts_through_a_trusted_proxy_only(peer: str, proto: str, hsts: bool) -> None:
    client = Client(make_app(DEBUG=True, PROXY=PROXY), base_url="http://testserver")
    response = client.get("/", headers={"X-Forwarded-Proto": proto}, environ={"REMOTE_ADDR": peer})
    assert ("Strict-Transport-Security" in response.headers) is hsts


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-Proto": "https"},
        {"X-Forwarded-Proto": "https, https"},
        {"X-Forwarded-Ssl": "on", "Forwarded": "proto=https"},
        {"X-Forwarded-Proto": "HTTPS", "X-Forwarded-For": "10.0.0.2"},
    ],
)
@pytest.mark.parametrize("proxy", [ProxyConfig(), PROXY])
def test_the_redirect_is_not_fooled_by_a_forged_proto(
    headers: dict[str, str], proxy: ProxyConfig
) -> None:
    client = Client(make_app(PROXY=proxy), base_url="http://testserver")
    response = client.get("/", headers=headers, environ={"REMOTE_ADDR": "203.0.113.66"})
    assert response.status_code == 308
    assert response.headers["Location"] == "https://testserver/"
    assert "Strict-Transport-Security" not in response.headers


def test_the_redirect_goes_to_the_validated_host_only() -> None:
    client = Client(make_app(), base_url="http://testserver", raise_server_exceptions=False)
    forged = client.get("/", headers={"Host": "evil.example"})
    assert forged.status_code == 400
    assert "Location" not in forged.headers


def test_doc_examples_run() -> None:
    result = doctest.testfile(
        str(DOCS / "security-headers.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 0
    assert result.failed == 0
