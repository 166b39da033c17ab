"""RateLimitMiddleware: the site-wide default limits, per client address, through real apps.

The layer is part of ``default_middleware()``, innermost of the framework's layers: the apps
here are plain ``Bastion(settings, routes=...)``, and the security headers, which the stack
puts outside it, show that a 429 still passes through the outer layers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, Request, Response, path
from bastion.exceptions import ImproperlyConfigured
from bastion.middleware import default_middleware
from bastion.middleware.ratelimit import RateLimitMiddleware
from bastion.ratelimit import ratelimit, ratelimit_exempt
from bastion.settings import RateLimitConfig, Settings
from bastion.testing import Client

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"
DOWN = "redis://127.0.0.1:1/0"


def hello(request: Request) -> Response:
    return PlainTextResponse("hello")


@ratelimit_exempt(reason="load balancer probe")
def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


@ratelimit("1/minute")
def strict(request: Request) -> Response:
    return PlainTextResponse("strict")


@ratelimit("10/minute")
def loose(request: Request) -> Response:
    return PlainTextResponse("loose")


ROUTES = [
    path("", hello),
    path("healthz", healthz),
    path("strict", strict),
    path("loose", loose),
]


def settings(**ratelimit: Any) -> Settings:
    ratelimit.setdefault("storage_url", "memory://")
    return Settings(
        SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"], RATELIMIT=RateLimitConfig(**ratelimit)
    )


@pytest.fixture
def make_client() -> Iterator[Callable[..., Client]]:
    apps: list[Bastion] = []

    def make(fail_open: bool = True, **ratelimit: Any) -> Client:
        config = settings(**ratelimit)
        security = default_middleware(config)
        if not fail_open:
            security = security.replace(RateLimitMiddleware(config, fail_open=False))
        app = Bastion(config, routes=ROUTES, security=security)
        apps.append(app)
        return Client(app)

    yield make
    for app in apps:
        app.ratelimiter.close()


def codes(client: Client, url: str, n: int, **options: Any) -> list[int]:
    return [client.get(url, **options).status_code for _ in range(n)]


def test_ratelimit_middleware_without_default_limits_passes_through(
    make_client: Callable[..., Client],
) -> None:
    # The storage is unreachable: a layer with nothing to do never touches it.
    client = make_client(storage_url=DOWN)
    response = client.get("/")
    assert response.status_code == 200
    assert "RateLimit-Limit" not in response.headers
    assert codes(client, "/", 50) == [200] * 50


def test_ratelimit_middleware_applies_default_limits(make_client: Callable[..., Client]) -> None:
    client = make_client(default_limits=("3/minute",))
    assert codes(client, "/", 4) == [200, 200, 200, 429]


def test_ratelimit_middleware_budget_is_site_wide_per_address(
    make_client: Callable[..., Client],
) -> None:
    client = make_client(default_limits=("2/minute",))
    assert client.get("/").status_code == 200
    assert client.get("/loose").status_code == 200
    assert client.get("/nowhere").status_code == 429  # 404s count too: scanners are clients
    assert client.get("/", environ={"REMOTE_ADDR": "198.51.100.4"}).status_code == 200


def test_ratelimit_middleware_counts_404s(make_client: Callable[..., Client]) -> None:
    client = make_client(default_limits=("2/minute",))
    assert codes(client, "/missing", 3) == [404, 404, 429]


def test_ratelimit_middleware_headers(make_client: Callable[..., Client]) -> None:
    client = make_client(default_limits=("5/minute", "100/hour"))
    response = client.get("/")
    assert response.headers["RateLimit-Limit"] == "5"
    assert response.headers["RateLimit-Remaining"] == "4"
    assert 58 <= int(response.headers["RateLimit-Reset"]) <= 60


def test_ratelimit_middleware_429_passes_outer_layers(make_client: Callable[..., Client]) -> None:
    client = make_client(default_limits=("1/minute",))
    client.get("/")
    response = client.get("/")
    assert response.status_code == 429
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # SecurityHeadersMiddleware
    assert response.headers["X-Frame-Options"] == "DENY"  # ClickjackingMiddleware
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["RateLimit-Remaining"] == "0"
    assert "Too Many Requests" in response.text


def test_ratelimit_middleware_headers_off(make_client: Callable[..., Client]) -> None:
    client = make_client(default_limits=("1/minute",), headers=False)
    allowed = client.get("/")
    refused = client.get("/")
    assert "RateLimit-Limit" not in allowed.headers
    assert refused.status_code == 429
    assert "RateLimit-Limit" not in refused.headers
    assert "Retry-After" in refused.headers


def test_ratelimit_middleware_exempt_view(make_client: Callable[..., Client]) -> None:
    client = make_client(default_limits=("1/minute",))
    assert codes(client, "/healthz", 5) == [200] * 5
    assert "RateLimit-Limit" not in client.get("/healthz").headers
    assert codes(client, "/", 2) == [200, 429]


def test_ratelimit_middleware_reports_tighter_view_limit(
    make_client: Callable[..., Client],
) -> None:
    client = make_client(default_limits=("5/minute",))
    response = client.get("/strict")
    assert (response.headers["RateLimit-Limit"], response.headers["RateLimit-Remaining"]) == (
        "1",
        "0",
    )
    refused = client.get("/strict")
    assert refused.status_code == 429
    assert refused.headers["RateLimit-Limit"] == "1"


def test_ratelimit_middleware_reports_tighter_default_limit(
    make_client: Callable[..., Client],
) -> None:
    client = make_client(default_limits=("2/minute",))
    response = client.get("/loose")
    assert (response.headers["RateLimit-Limit"], response.headers["RateLimit-Remaining"]) == (
        "2",
        "1",
    )


def test_ratelimit_middleware_moving_window(make_client: Callable[..., Client]) -> None:
    client = make_client(default_limits=("2/minute",), strategy="moving-window")
    assert codes(client, "/", 3) == [200, 200, 429]


def test_ratelimit_middleware_storage_down_fails_open(
    make_client: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(storage_url=DOWN, default_limits=("1/minute",))
    with caplog.at_level(logging.ERROR, logger="bastion.ratelimit"):
        assert codes(client, "/", 2) == [200, 200]
    assert len(caplog.records) == 2
    assert all("allowed (fail_open)" in r.getMessage() for r in caplog.records)
    assert "RateLimit-Limit" not in client.get("/").headers


def test_ratelimit_middleware_storage_down_fail_closed(
    make_client: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(storage_url=DOWN, default_limits=("1/minute",), fail_open=False)
    with caplog.at_level(logging.ERROR, logger="bastion.ratelimit"):
        response = client.get("/")
    assert response.status_code == 503
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "refused with 503" in caplog.records[0].getMessage()


def test_ratelimit_middleware_refuses_invalid_default_limits() -> None:
    with pytest.raises(ImproperlyConfigured, match="is not a rate limit"):
        RateLimitMiddleware(settings(default_limits=("lots/minute",)))


def test_ratelimit_middleware_repr() -> None:
    assert repr(RateLimitMiddleware(settings())) == "RateLimitMiddleware([])"
    layer = RateLimitMiddleware(settings(default_limits=("5/minute; 100/day",)))
    assert repr(layer) == "RateLimitMiddleware(['5 per 1 minute', '100 per 1 day'])"
