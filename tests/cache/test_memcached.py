"""What only the memcached backend does: flush_all, several servers, failures, limits.

Tests that empty a server run on private memcached processes (see conftest.py).
"""

from __future__ import annotations

import secrets

import pytest
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheServerError

from bastion.cache import CacheUnavailable, cache_from_url
from bastion.cache.backends.memcached import MemcachedCache
from bastion.settings.state import CacheConfig


def make(url: str, prefix: str | None = None) -> MemcachedCache:
    config = CacheConfig(key_prefix=f"t{secrets.token_hex(6)}" if prefix is None else prefix)
    cache = cache_from_url(url, config)
    assert isinstance(cache, MemcachedCache)
    return cache


def test_clear_flushes_the_whole_server(private_memcached: str) -> None:
    with make(private_memcached) as cache, make(private_memcached) as other:
        cache.set("a", 1)
        other.set("b", 2)
        cache.clear()
        assert cache.get("a") is None
        assert other.get("b") is None  # memcached cannot clear one prefix only


def test_keys_are_spread_over_several_servers(
    private_memcached: str, second_private_memcached: str
) -> None:
    url = f"{private_memcached},{second_private_memcached}"
    first = private_memcached.removeprefix("memcached://")
    with make(url) as cache:
        values = {f"k{i}": i for i in range(60)}
        cache.set_many(values)
        assert cache.get_many(list(values)) == values
        cache.set("n", 1)
        assert cache.incr("n", 2) == 3
        host, port = first.split(":")
        raw = Client((host, int(port)))
        try:
            on_first = [k for k in values if raw.get(cache.make_key(k)) is not None]
        finally:
            raw.close()
        assert 0 < len(on_first) < len(values)
        cache.delete_many(list(values)[:10])
        assert len(cache.get_many(list(values))) == 50
        cache.clear()
        assert cache.get_many(list(values)) == {}


def test_a_failing_server_is_set_aside(private_memcached: str) -> None:
    with make(f"{private_memcached},127.0.0.1:1") as cache:
        keys = [f"k{i}" for i in range(20)]
        failures = 0
        for key in keys:
            try:
                cache.set(key, 1)
            except CacheUnavailable:
                failures += 1  # the first command for the dead server fails...
        assert failures == 1
        assert cache.get_many(keys) == {k: 1 for k in keys if cache.has_key(k)}
        cache.set("after", 2)  # ...then its keys go to the live one
        assert cache.get("after") == 2


def test_all_servers_down_is_unavailable() -> None:
    with make("memcached://127.0.0.1:1,127.0.0.1:2") as cache:
        for _ in range(4):  # refused, refused, then "all servers seem to be down"
            with pytest.raises(CacheUnavailable, match="unavailable"):
                cache.get("k")


def test_value_too_large_for_memcached_is_its_error(memcached_url: str) -> None:
    with make(memcached_url) as cache, pytest.raises(MemcacheServerError, match="too large"):
        cache.set("big", "x" * (2 * 1024 * 1024))


def test_integers_are_memcached_counters(memcached_url: str) -> None:
    with make(memcached_url) as cache:
        cache.set("n", 41)
        raw = Client(("127.0.0.1", 11211))
        try:
            assert raw.get(cache.make_key("n")) == b"41"
            raw.incr(cache.make_key("n"), 1)
        finally:
            raw.close()
        assert cache.get("n") == 42
        cache.delete("n")
