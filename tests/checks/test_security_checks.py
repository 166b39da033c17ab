from __future__ import annotations

from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, Request, Response, path
from bastion.checks import run_checks
from bastion.security.csrf import csrf_exempt
from bastion.security.headers import csp_exempt, xframe_options_exempt
from bastion.settings import (
    CSPConfig,
    CSRFConfig,
    RateLimitConfig,
    SecurityConfig,
    SessionConfig,
    Settings,
    StaticConfig,
)

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"


def view(request: Request) -> Response:
    return PlainTextResponse("ok")


@csrf_exempt(reason="signed webhook")
@csp_exempt(reason="legacy page")
@xframe_options_exempt(reason="embedded by partners")
def exempt(request: Request) -> Response:
    return PlainTextResponse("ok")


def ids(**settings: Any) -> list[str]:
    base: dict[str, Any] = {
        "SECRET_KEY": KEY,
        "ALLOWED_HOSTS": ["example.com"],
        "SITE_URL": "https://example.com",
        "STATIC": StaticConfig(manifest=False),  # no collectstatic here (that is W005)
    }
    app = Bastion(Settings(**{**base, **settings}), routes=[path("", view)])
    try:
        return [message.id for message in run_checks(app, deploy=True)]
    finally:
        app.ratelimiter.close()


def test_secure_defaults_raise_nothing() -> None:
    assert ids() == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"SECURITY": SecurityConfig(hsts_seconds=0)}, "bastion.W007"),
        ({"SECURITY": SecurityConfig(hsts_seconds=3600)}, "bastion.W007"),
        ({"SECURITY": SecurityConfig(ssl_redirect=False)}, "bastion.W008"),
        ({"CSP": CSPConfig(enabled=False)}, "bastion.W009"),
        (
            {"CSP": CSPConfig(directives={"script-src": ("'self'", "'unsafe-inline'")})},
            "bastion.W010",
        ),
        ({"CSP": CSPConfig(directives={"default-src": ("*",)})}, "bastion.W010"),
        ({"SESSIONS": SessionConfig(backend="memory")}, "bastion.W012"),
        ({"SESSIONS": SessionConfig(backend="cache")}, "bastion.W012"),
        ({"RATELIMIT": RateLimitConfig(default_limits=("100/minute",))}, "bastion.W013"),
        ({"CSRF": CSRFConfig(trusted_origins=("http://app.example.com",))}, "bastion.W014"),
    ],
)
def test_weak_settings_are_reported(settings: dict[str, Any], expected: str) -> None:
    assert expected in ids(**settings)


def test_cache_sessions_on_redis_are_fine() -> None:
    assert ids(SESSIONS=SessionConfig(backend="cache"), CACHE_URL="redis://127.0.0.1:6379/0") == []


def test_exempt_views_are_listed_with_their_reasons() -> None:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["example.com"], SITE_URL="https://e.com")
    app = Bastion(settings, routes=[path("hook/", exempt), path("", view)])
    messages = [m for m in run_checks(app, deploy=True) if m.id == "bastion.W011"]
    assert len(messages) == 1
    text = messages[0].message
    assert "/hook/" in text
    for reason in ("signed webhook", "legacy page", "embedded by partners"):
        assert reason in text
    assert not [m for m in run_checks(app) if m.id == "bastion.W011"]  # deploy only
    app.ratelimiter.close()
