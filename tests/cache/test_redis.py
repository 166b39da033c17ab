"""What only the Redis backend does: clear() by prefix with SCAN, errors, laziness."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import redis

from bastion.cache import CacheUnavailable, cache_from_url
from bastion.cache.backends.redis import RedisCache
from bastion.settings.state import CacheConfig


def make(url: str, prefix: str | None = None) -> RedisCache:
    config = CacheConfig(key_prefix=f"t{secrets.token_hex(6)}" if prefix is None else prefix)
    cache = cache_from_url(url, config)
    assert isinstance(cache, RedisCache)
    return cache


@pytest.fixture
def raw(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def test_clear_deletes_only_its_prefix_whatever_its_glob_characters(
    redis_url: str, raw: redis.Redis
) -> None:
    tag = secrets.token_hex(4)
    # Unescaped, the pattern "x[ab]-tag:*" would also match "xa-tag:..." and "xb-tag:...".
    with (
        make(redis_url, f"x[ab]-{tag}") as target,
        make(redis_url, f"xa-{tag}") as neighbour,
        make(redis_url, f"x*-{tag}") as star,
    ):
        target.set_many({f"k{i}": i for i in range(1200)})  # more than one SCAN batch
        target.set("k", 1, version=3)
        neighbour.set("k", "kept")
        star.set("k", "kept")
        raw.set(f"x[ab]-{tag}", "no colon: not this cache's", ex=60)
        target.clear()
        assert target.get_many([f"k{i}" for i in range(1200)]) == {}
        assert target.get("k", version=3) is None
        assert neighbour.get("k") == "kept"
        assert star.get("k") == "kept"
        assert raw.get(f"x[ab]-{tag}") == b"no colon: not this cache's"
        star.clear()
        assert neighbour.get("k") == "kept"
        neighbour.clear()
        raw.delete(f"x[ab]-{tag}")


def test_clear_without_prefix_leaves_other_programs_keys(private_redis: str) -> None:
    other = redis.Redis.from_url(private_redis)
    try:
        other.set("LIMITS:counter", 5)
        other.set("celery", "queue")
        with make(private_redis, prefix="") as cache:
            cache.set("a", 1)
            cache.set("b", 2, version=2)
            cache.clear()
            assert cache.get_many(["a"]) == {}
            assert cache.get("b", version=2) is None
        assert sorted(other.keys()) == [b"LIMITS:counter", b"celery"]
    finally:
        other.close()


def test_values_are_stored_as_json_text(redis_url: str, raw: redis.Redis) -> None:
    with make(redis_url) as cache:
        cache.set("n", 41)
        assert raw.get(cache.make_key("n")) == b"41"
        raw.incr(cache.make_key("n"))
        assert cache.get("n") == 42
        cache.set("text", "é")
        assert raw.get(cache.make_key("text")) == '"é"'.encode()
        cache.clear()


def test_unavailable_message_hides_the_password() -> None:
    with make("redis://:hunter2@127.0.0.1:1/0") as cache, pytest.raises(CacheUnavailable) as info:
        cache.get("k")
    assert "hunter2" not in str(info.value)
