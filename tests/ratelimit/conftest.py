"""Fixtures for rate-limit tests: real storages (memory, Redis, Memcached) and app builders.

Redis and Memcached are the real services on 127.0.0.1 (``bash .ci/services.sh`` starts
them). When one does not answer, its tests are skipped, except under ``CI=true``, where a
missing service is a failure: CI must not pass by testing less.

Every test gets its own ``CACHE.key_prefix``, which the limiter puts in front of its keys, so
runs and tests never share counters on the shared servers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

import pytest
from services import require_service

from bastion import Bastion
from bastion.ratelimit import RateLimiter
from bastion.settings import CacheConfig, RateLimitConfig, Settings
from bastion.types import Middleware

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"
SERVICES = {
    "redis": ("127.0.0.1", 6379, "redis://127.0.0.1:6379/0"),
    "memcached": ("127.0.0.1", 11211, "memcached://127.0.0.1:11211"),
}
UNREACHABLE = {
    "redis": "redis://127.0.0.1:1/0",
    "memcached": "memcached://127.0.0.1:1",
}


def service_url(name: str) -> str:
    """The URL of a running service, or skip (fail under ``CI=true``) when it is down."""
    host, port, url = SERVICES[name]
    require_service(name, host, port)
    return url


@pytest.fixture(params=["memory", "redis", "memcached"])
def storage_url(request: pytest.FixtureRequest) -> str:
    """Each storage in turn: ``memory://``, then the real Redis, then the real Memcached."""
    name: str = request.param
    return "memory://" if name == "memory" else service_url(name)


@pytest.fixture(params=["memory", "redis"])
def moving_storage_url(request: pytest.FixtureRequest) -> str:
    """The storages that can run a moving window."""
    name: str = request.param
    return "memory://" if name == "memory" else service_url(name)


@pytest.fixture
def redis_url() -> str:
    return service_url("redis")


@pytest.fixture
def memcached_url() -> str:
    return service_url("memcached")


@pytest.fixture
def key_prefix() -> str:
    """A prefix no other test or run uses."""
    return f"t{uuid.uuid4().hex}"


class SettingsMaker(Protocol):
    def __call__(self, storage_url: str | None = ..., **ratelimit: Any) -> Settings: ...


@pytest.fixture
def settings_for(key_prefix: str) -> SettingsMaker:
    """``settings_for(url, **RateLimitConfig fields)``: settings with this test's key prefix."""

    def make(storage_url: str | None = "memory://", **ratelimit: Any) -> Settings:
        return Settings(
            SECRET_KEY=KEY,
            ALLOWED_HOSTS=["testserver"],
            CACHE=CacheConfig(key_prefix=key_prefix),
            RATELIMIT=RateLimitConfig(storage_url=storage_url, **ratelimit),
        )

    return make


@pytest.fixture
def limiters() -> Iterator[list[RateLimiter]]:
    """Limiters to close when the test ends (their connections would warn otherwise)."""
    made: list[RateLimiter] = []
    yield made
    for limiter in made:
        limiter.close()


@pytest.fixture
def make_limiter(
    settings_for: SettingsMaker, limiters: list[RateLimiter]
) -> Callable[..., RateLimiter]:
    """``make_limiter(url, **RateLimitConfig fields)``: a limiter closed after the test."""

    def make(storage_url: str | None = "memory://", **ratelimit: Any) -> RateLimiter:
        limiter = RateLimiter(settings_for(storage_url, **ratelimit))
        limiters.append(limiter)
        return limiter

    return make


class AppMaker(Protocol):
    def __call__(
        self, settings: Settings, routes: Sequence[Any], middleware: Sequence[Middleware] = ...
    ) -> Bastion: ...


@pytest.fixture
def make_app(limiters: list[RateLimiter]) -> AppMaker:
    """``make_app(settings, routes, middleware=())``: an app whose limiter is closed after."""

    def make(
        settings: Settings, routes: Sequence[Any], middleware: Sequence[Middleware] = ()
    ) -> Bastion:
        app = Bastion(settings, routes=routes, middleware=middleware)
        limiters.append(app.ratelimiter)
        return app

    return make
