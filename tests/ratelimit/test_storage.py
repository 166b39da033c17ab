"""Where counters live: storage URLs from the settings, strategies the storage can run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest
from limits.storage import MemcachedStorage, MemoryStorage, RedisStorage

from bastion.exceptions import ImproperlyConfigured
from bastion.ratelimit._storage import (
    STORAGE_TIMEOUT,
    check_strategy,
    close_storage,
    open_storage,
    storage_url_for,
)
from bastion.settings import RateLimitConfig, Settings

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"


def settings(**overrides: Any) -> Settings:
    return Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"], **overrides)


@pytest.mark.parametrize(
    ("cache_url", "expected"),
    [
        ("locmem://", "memory://"),
        ("dummy://", "memory://"),
        ("memory://", "memory://"),
        ("redis://:pw@cache:6379/2", "redis://:pw@cache:6379/2"),
        ("rediss://cache:6380/0", "rediss://cache:6380/0"),
        ("redis+unix:///run/redis.sock", "redis+unix:///run/redis.sock"),
        ("memcached://cache:11211", "memcached://cache:11211"),
        ("memcached://cache", "memcached://cache:11211"),
        ("memcached://a:11212,b/", "memcached://a:11212,b:11211"),
        ("memcached://[::1]:11212,[fe80::2]", "memcached://[::1]:11212,[fe80::2]:11211"),
    ],
)
def test_storage_url_for_follows_cache_url(cache_url: str, expected: str) -> None:
    assert storage_url_for(settings(CACHE_URL=cache_url)) == expected


@pytest.mark.parametrize(
    ("storage_url", "expected"),
    [
        ("memory://", "memory://"),
        ("locmem://", "memory://"),
        ("redis://:pw@limits:6379/1", "redis://:pw@limits:6379/1"),
        ("memcached://a:11211,b:11212?timeout=3", "memcached://a:11211,b:11212"),
        ("memcached:///run/memcached.sock", "memcached:///run/memcached.sock"),
    ],
)
def test_storage_url_for_takes_limits_urls(storage_url: str, expected: str) -> None:
    config = RateLimitConfig(storage_url=storage_url)
    assert storage_url_for(settings(CACHE_URL="redis://cache:6379/0", RATELIMIT=config)) == expected


def test_storage_url_for_reads_memcached_cache_url_as_the_cache_does() -> None:
    with pytest.raises(ImproperlyConfigured, match="host:port pairs only"):
        storage_url_for(settings(CACHE_URL="memcached://a:11211?timeout=3"))


@pytest.mark.parametrize(
    ("overrides", "source"),
    [
        ({"CACHE_URL": "db://cache_table"}, "CACHE_URL"),
        ({"RATELIMIT": RateLimitConfig(storage_url="mongodb://:s3cret@db")}, "RATELIMIT"),
    ],
)
def test_storage_url_for_refuses_unusable_storage(overrides: dict[str, Any], source: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=source) as info:
        storage_url_for(settings(**overrides))
    assert "s3cret" not in str(info.value)
    assert "redis://" in str(info.value)


@pytest.mark.parametrize("url", ["memory://", "redis://x:6379", "rediss://x", "memcached://x:1"])
def test_check_strategy_accepts_fixed_window_everywhere(url: str) -> None:
    check_strategy(url, "fixed-window")


@pytest.mark.parametrize("url", ["memory://", "redis://x:6379", "redis+unix:///s.sock"])
def test_check_strategy_accepts_moving_window_on_redis_and_memory(url: str) -> None:
    check_strategy(url, "moving-window")


def test_check_strategy_refuses_moving_window_on_memcached() -> None:
    with pytest.raises(ImproperlyConfigured, match="Memcached has neither lists"):
        check_strategy("memcached://x:11211", "moving-window")


def test_check_strategy_refuses_unknown_strategy() -> None:
    with pytest.raises(ImproperlyConfigured, match="sliding-window"):
        check_strategy("memory://", "sliding-window")


def test_check_strategy_without_url_checks_only_the_name() -> None:
    check_strategy("", "moving-window")


def test_open_storage_builds_each_kind_without_connecting() -> None:
    redis = open_storage("redis://127.0.0.1:1/0")
    memcached = open_storage("memcached://127.0.0.1:1")
    memory = open_storage("memory://")
    try:
        assert isinstance(redis, RedisStorage)
        assert isinstance(memcached, MemcachedStorage)
        assert isinstance(memory, MemoryStorage)
    finally:
        for storage in (redis, memcached, memory):
            close_storage(storage)


def test_open_storage_sets_redis_timeouts() -> None:
    storage = open_storage("redis://127.0.0.1:1/0")
    try:
        assert isinstance(storage, RedisStorage)
        kwargs = storage.storage.connection_pool.connection_kwargs
        assert kwargs["socket_timeout"] == STORAGE_TIMEOUT
        assert kwargs["socket_connect_timeout"] == STORAGE_TIMEOUT
    finally:
        close_storage(storage)


def test_open_storage_redis_url_timeout_wins() -> None:
    storage = open_storage("redis://127.0.0.1:1/0?socket_timeout=0.25")
    try:
        assert isinstance(storage, RedisStorage)
        assert storage.storage.connection_pool.connection_kwargs["socket_timeout"] == 0.25
    finally:
        close_storage(storage)


def test_open_storage_reports_bad_url_as_improperly_configured() -> None:
    with pytest.raises(ImproperlyConfigured, match="cannot be used"):
        open_storage("memcached://no-port-here")


def test_close_storage_without_a_memcached_client_is_a_no_op() -> None:
    storage = open_storage("memcached://127.0.0.1:1")
    close_storage(storage)
    close_storage(storage)


def test_close_storage_ignores_foreign_memcached_client_getter() -> None:
    storage = MemcachedStorage("memcached://127.0.0.1:1")
    close_storage(storage)


def test_building_an_app_neither_connects_nor_imports_limits() -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from bastion import Bastion, PlainTextResponse, path
        from bastion.settings import RateLimitConfig, Settings
        from bastion.testing import Client

        settings = Settings(
            SECRET_KEY={KEY!r},
            ALLOWED_HOSTS=["testserver"],
            RATELIMIT=RateLimitConfig(storage_url="redis://127.0.0.1:1/0"),
        )
        app = Bastion(settings, routes=[path("", lambda request: PlainTextResponse("ok"))])
        assert Client(app).get("/").status_code == 200
        print("limits" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "False"
