"""Attacks on the Host header: the first layer answers 400 before any other work."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, Request, Response, path
from bastion.settings import ProxyConfig, Settings

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"
CALLS: list[str] = []


def absolute(request: Request) -> Response:
    CALLS.append(request.path)
    return PlainTextResponse(request.build_absolute_uri("/reset/token"))


def make_app(**overrides: Any) -> Bastion:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["example.com", ".example.org"], **overrides)
    return Bastion(settings, routes=[path("link", absolute)])


@pytest.mark.parametrize(
    "host",
    [
        "evil.com",
        "example.com.evil.com",
        "evilexample.com",
        "example.com@evil.com",
        "example.com:80@evil.com",
        "example.com/evil",
        "example.com\\evil.com",
        "exam ple.com",
        "",
        "[::1]",
        "127.0.0.1",
        "example.com:abc",
        "localhost",
        "example.com,evil.com",
        "example.com, example.com",
        "evil.com:80",
        "[::ffff:127.0.0.1]",
        "[::1]:8000",
        "example.com..",
        "EVIL.COM",
        "exa%6dple.com",
        "example.com\x00",
        "xn--exmple-cua.com",
    ],
)
def test_hostile_host_is_400_before_the_view(
    wsgi: Any, host: str, caplog: pytest.LogCaptureFixture
) -> None:
    CALLS.clear()
    with caplog.at_level(logging.WARNING, logger="bastion.security"):
        result = wsgi.call(make_app(), wsgi.environ("/link", headers={"Host": host}))
    assert result.status_code == 400
    assert CALLS == []
    assert "evil" not in result.text  # no echo of the attacker's value without DEBUG
    assert any(r.name == "bastion.security.DisallowedHost" for r in caplog.records)


@pytest.mark.parametrize(
    "host", ["example.com", "EXAMPLE.COM", "a.example.org:8443", "example.com."]
)
def test_allowed_hosts_pass(wsgi: Any, host: str) -> None:
    result = wsgi.call(make_app(), wsgi.environ("/link", headers={"Host": host}))
    assert result.status_code == 200
    assert result.text.endswith("/reset/token")


def test_forwarded_host_ignored_without_trusted_proxy(wsgi: Any) -> None:
    env = wsgi.environ("/link", headers={"Host": "example.com", "X-Forwarded-Host": "evil.com"})
    result = wsgi.call(make_app(), env)
    assert result.text == "https://example.com/reset/token"


def test_forwarded_host_validated_even_from_trusted_proxy(wsgi: Any) -> None:
    app = make_app(PROXY=ProxyConfig(trusted_hops=1, trust_forwarded_host=True))
    env = wsgi.environ("/link", headers={"Host": "example.com", "X-Forwarded-Host": "evil.com"})
    assert wsgi.call(app, env).status_code == 400
    env = wsgi.environ("/link", headers={"Host": "internal", "X-Forwarded-Host": "www.example.org"})
    assert wsgi.call(app, env).text == "https://www.example.org/reset/token"


def test_forwarded_proto_only_from_trusted_proxy(wsgi: Any) -> None:
    plain = {"wsgi.url_scheme": "http", "SERVER_PORT": "80"}
    env = wsgi.environ(
        "/link", headers={"Host": "example.com", "X-Forwarded-Proto": "https"}, **plain
    )
    # Not believed without a trusted proxy: the request is plain HTTP and is sent to HTTPS.
    result = wsgi.call(make_app(), env)
    assert (result.status_code, result.header("Location")) == (308, "https://example.com/link")
    app = make_app(PROXY=ProxyConfig(trusted_hops=1))
    assert wsgi.call(app, env).text == "https://example.com/reset/token"
    env["REMOTE_ADDR"] = "203.0.113.9"  # the same header from a peer that is not the proxy
    assert wsgi.call(app, env).status_code == 308


def test_ipv6_literal_allowed_only_when_listed(wsgi: Any) -> None:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["[::1]"])
    app = Bastion(settings, routes=[path("link", absolute)])
    assert wsgi.call(app, wsgi.environ("/link", headers={"Host": "[::1]:8000"})).status_code == 200
    assert wsgi.call(app, wsgi.environ("/link", headers={"Host": "[::2]"})).status_code == 400


def test_duplicated_host_header_as_joined_by_the_server_is_refused(wsgi: Any) -> None:
    # gunicorn and others join repeated headers with ", ": the result is never a valid host.
    env = wsgi.environ("/link", headers={"Host": "example.com, evil.com"})
    assert wsgi.call(make_app(), env).status_code == 400


# -- the 400 carries the security headers, never HSTS -------------------------------------------

EARLY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
SCRIPTED_HOSTS = [
    "<script>alert(1)</script>",
    "evil.com<svg/onload=alert(1)>",
    '"><img src=x onerror=alert(1)>.evil.com',
    "evil.com:80'\"><script>",
]


def sent(result: Any) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in result.headers:
        headers.setdefault(name.lower(), []).append(value)
    return headers


@pytest.mark.parametrize("host", ["evil.com", "example.com.evil.com", "", *SCRIPTED_HOSTS])
@pytest.mark.parametrize("debug", [False, True])
def test_hostile_host_400_carries_the_security_headers_but_no_hsts(
    wsgi: Any, host: str, debug: bool
) -> None:
    app = make_app(DEBUG=debug)  # HSTS is on by default; the environ is HTTPS
    assert wsgi.call(app, wsgi.environ("/link", headers={"Host": "example.com"})).header(
        "Strict-Transport-Security"
    )
    result = wsgi.call(app, wsgi.environ("/link", headers={"Host": host}))
    assert result.status_code == 400
    headers = sent(result)
    for name, value in EARLY.items():
        assert headers.get(name) == [value], name
    assert len(headers["permissions-policy"]) == 1
    assert "camera=()" in headers["permissions-policy"][0]
    assert "strict-transport-security" not in headers


@pytest.mark.parametrize("host", SCRIPTED_HOSTS)
@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_hostile_host_is_not_echoed_into_the_400(wsgi: Any, host: str, accept: str) -> None:
    env = wsgi.environ("/link", headers={"Host": host, "Accept": accept})
    result = wsgi.call(make_app(), env)
    assert result.status_code == 400
    assert "<" not in result.text  # neither the host nor any markup of ours
    assert "evil" not in result.text
    assert "alert" not in result.text
    content_type = result.header("Content-Type") or ""
    assert content_type.startswith("application/json" if "json" in accept else "text/plain")


@pytest.mark.parametrize("host", SCRIPTED_HOSTS)
def test_hostile_host_shown_in_debug_is_inert(wsgi: Any, host: str) -> None:
    """DEBUG says which host was refused, in a page no browser runs or renders as HTML."""
    result = wsgi.call(make_app(DEBUG=True), wsgi.environ("/link", headers={"Host": host}))
    assert result.status_code == 400
    assert (result.header("Content-Type") or "").startswith("text/plain")
    assert result.header("X-Content-Type-Options") == "nosniff"
    assert result.header("Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'"
    assert "<html" not in result.text.lower()
    assert "<!doctype" not in result.text.lower()


def test_hostile_host_400_follows_the_configured_referrer_and_opener_policies(
    wsgi: Any,
) -> None:
    from bastion.settings import SecurityConfig

    config = SecurityConfig(
        referrer_policy="no-referrer", cross_origin_opener_policy="", hsts_seconds=63072000
    )
    result = wsgi.call(make_app(SECURITY=config), wsgi.environ("/link", headers={"Host": "x.io"}))
    headers = sent(result)
    assert headers["referrer-policy"] == ["no-referrer"]
    assert "cross-origin-opener-policy" not in headers
    assert "strict-transport-security" not in headers
