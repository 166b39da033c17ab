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
