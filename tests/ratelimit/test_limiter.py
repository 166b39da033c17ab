"""RateLimiter against each real storage: counting, windows, results, keys, outages."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from limits import RateLimitItemPerMinute

from bastion.exceptions import ImproperlyConfigured
from bastion.ratelimit import RateLimiter, RateLimitResult, RateLimitStorageError
from bastion.ratelimit.limiter import parse_limits
from bastion.settings import CacheConfig, RateLimitConfig, Settings

from .conftest import KEY, UNREACHABLE

MakeLimiter = Callable[..., RateLimiter]


def wait_until_allowed(limiter: RateLimiter, limit: str, *keys: str, within: float) -> float:
    """Poll until a hit would be allowed again; return how long that took."""
    start = time.monotonic()
    while not limiter.test(limit, *keys).allowed:
        assert time.monotonic() - start < within, f"still limited after {within}s"
        time.sleep(0.05)
    return time.monotonic() - start


def test_ratelimiter_hit_counts_down_then_refuses(
    make_limiter: MakeLimiter, storage_url: str
) -> None:
    limiter = make_limiter(storage_url)
    before = time.time()
    results = [limiter.hit("3/minute", "scope", "ip:10.0.0.1") for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.remaining for r in results] == [2, 1, 0, 0]
    assert {r.limit for r in results} == {3}
    assert [r.retry_after for r in results[:3]] == [0, 0, 0]
    assert 1 <= results[3].retry_after <= 61
    assert before + 58 <= results[3].reset_at <= time.time() + 61
    assert 58 <= results[0].reset_after <= 61


def test_ratelimiter_hit_separates_keys(make_limiter: MakeLimiter, storage_url: str) -> None:
    limiter = make_limiter(storage_url)
    assert limiter.hit("1/minute", "scope", "ip:10.0.0.1").allowed
    assert not limiter.hit("1/minute", "scope", "ip:10.0.0.1").allowed
    assert limiter.hit("1/minute", "scope", "ip:10.0.0.2").allowed
    assert limiter.hit("1/minute", "other-scope", "ip:10.0.0.1").allowed


def test_ratelimiter_hit_separates_projects_by_cache_key_prefix(
    make_limiter: MakeLimiter, storage_url: str, limiters: list[RateLimiter]
) -> None:
    limiter = make_limiter(storage_url)
    assert limiter.hit("1/minute", "scope", "k").allowed
    other = RateLimiter(
        Settings(
            SECRET_KEY=KEY,
            ALLOWED_HOSTS=["testserver"],
            CACHE=CacheConfig(key_prefix=f"other-{time.time_ns()}"),
            RATELIMIT=RateLimitConfig(storage_url=storage_url),
        )
    )
    limiters.append(other)
    assert other.hit("1/minute", "scope", "k").allowed


def test_ratelimiter_hit_stops_at_first_exceeded_limit(
    make_limiter: MakeLimiter, storage_url: str
) -> None:
    limiter = make_limiter(storage_url)
    first = limiter.hit("2/minute; 10/hour", "s", "k")
    assert (first.allowed, first.limit, first.remaining) == (True, 2, 1)
    limiter.hit("2/minute; 10/hour", "s", "k")
    refused = limiter.hit("2/minute; 10/hour", "s", "k")
    assert (refused.allowed, refused.limit) == (False, 2)
    hourly = limiter.test("10/hour", "s", "k")
    assert hourly.remaining == 8  # the refused hit never reached the hourly limit


def test_ratelimiter_hit_reports_tightest_limit(
    make_limiter: MakeLimiter, storage_url: str
) -> None:
    limiter = make_limiter(storage_url)
    result = limiter.hit(["100/hour", "5/minute"], "s", "k")
    assert (result.limit, result.remaining) == (5, 4)


def test_ratelimiter_hit_with_cost(make_limiter: MakeLimiter, storage_url: str) -> None:
    limiter = make_limiter(storage_url)
    assert limiter.hit("5/minute", "s", "k", cost=4).remaining == 1
    assert not limiter.hit("5/minute", "s", "k", cost=2).allowed


def test_ratelimiter_test_does_not_count(make_limiter: MakeLimiter, storage_url: str) -> None:
    limiter = make_limiter(storage_url)
    for _ in range(3):
        assert limiter.test("1/minute", "s", "k").allowed
    limiter.hit("1/minute", "s", "k")
    result = limiter.test("1/minute; 10/minute", "s", "k")
    assert (result.allowed, result.limit, result.remaining) == (False, 1, 0)
    assert result.retry_after >= 1


def test_ratelimiter_clear_forgets_hits(make_limiter: MakeLimiter, storage_url: str) -> None:
    limiter = make_limiter(storage_url)
    limiter.hit("1/minute", "s", "k")
    assert not limiter.test("1/minute", "s", "k").allowed
    limiter.clear("1/minute", "s", "k")
    assert limiter.test("1/minute", "s", "k").allowed


def test_ratelimiter_fixed_window_resets(make_limiter: MakeLimiter, storage_url: str) -> None:
    limiter = make_limiter(storage_url)
    limiter.hit("1/second", "s", "k")
    refused = limiter.hit("1/second", "s", "k")
    assert not refused.allowed
    assert refused.retry_after <= 2
    # Memcached expires at whole-second ticks of its own clock, hence the slack.
    wait_until_allowed(limiter, "1/second", "s", "k", within=3.0)
    assert limiter.hit("1/second", "s", "k").allowed


def test_ratelimiter_moving_window_has_no_burst_at_window_edge(
    make_limiter: MakeLimiter, moving_storage_url: str
) -> None:
    fixed = make_limiter(moving_storage_url)
    moving = make_limiter(moving_storage_url, strategy="moving-window")
    limit = "2 per 2 seconds"
    for limiter in (fixed, moving):
        assert limiter.hit(limit, "edge", "k").allowed
    time.sleep(1.0)
    for limiter in (fixed, moving):
        assert limiter.hit(limit, "edge", "k").allowed
    time.sleep(1.3)  # the first hit has left both windows; the second is still in the moving one
    assert [fixed.hit(limit, "edge", "k").allowed for _ in range(2)] == [True, True]
    assert [moving.hit(limit, "edge", "k").allowed for _ in range(2)] == [True, False]


def test_ratelimiter_moving_window_result(
    make_limiter: MakeLimiter, moving_storage_url: str
) -> None:
    limiter = make_limiter(moving_storage_url, strategy="moving-window")
    results = [limiter.hit("2/minute", "s", "k") for _ in range(3)]
    assert [(r.allowed, r.remaining) for r in results] == [(True, 1), (True, 0), (False, 0)]
    assert 58 <= results[2].retry_after <= 61


def test_ratelimiter_strategy_per_call(make_limiter: MakeLimiter, moving_storage_url: str) -> None:
    limiter = make_limiter(moving_storage_url)
    assert limiter.hit("1/minute", "s", "k").allowed
    # Same limit and key, other strategy: its own counter (Redis would refuse to share one).
    assert limiter.hit("1/minute", "s", "k", strategy="moving-window").allowed
    assert not limiter.hit("1/minute", "s", "k", strategy="moving-window").allowed
    assert not limiter.hit("1/minute", "s", "k").allowed


def test_ratelimiter_refuses_moving_window_on_memcached(
    make_limiter: MakeLimiter, memcached_url: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match="moving-window"):
        make_limiter(memcached_url, strategy="moving-window")
    limiter = make_limiter(memcached_url)
    with pytest.raises(ImproperlyConfigured, match="Memcached"):
        limiter.hit("1/minute", "s", "k", strategy="moving-window")


def test_ratelimiter_refuses_unknown_strategy(make_limiter: MakeLimiter) -> None:
    with pytest.raises(ImproperlyConfigured, match="Unknown rate-limit strategy"):
        make_limiter("memory://", strategy="leaky-bucket")
    with pytest.raises(ImproperlyConfigured, match="Unknown rate-limit strategy"):
        make_limiter().hit("1/minute", "k", strategy="leaky-bucket")


def test_ratelimiter_accepts_limit_items(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    assert limiter.hit(RateLimitItemPerMinute(2), "k").remaining == 1
    assert limiter.hit([RateLimitItemPerMinute(5), "2/hour"], "k2").limit == 2


@pytest.mark.parametrize("bad", ["five/minute", "5/fortnight", "", []])
def test_parse_limits_refuses_invalid_limits(bad: Any) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_limits(bad)


def test_parse_limits_reads_several_notations() -> None:
    items = parse_limits(["5/minute; 10 per hour", "100/day"])
    assert [(item.amount, item.get_expiry()) for item in items] == [
        (5, 60),
        (10, 3600),
        (100, 86400),
    ]


def test_ratelimiter_keys_are_storage_safe(make_limiter: MakeLimiter, storage_url: str) -> None:
    limiter = make_limiter(storage_url)
    awkward = "user name with spaces/and/slashes\r\n" + "x" * 300
    assert limiter.hit("1/minute", "scope", awkward).allowed
    assert not limiter.hit("1/minute", "scope", awkward).allowed
    assert limiter.hit("1/minute", "scope", awkward + "!").allowed


def test_ratelimiter_construction_does_not_connect(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(UNREACHABLE["redis"], default_limits=("10/minute",))
    assert limiter.storage_url == "redis://127.0.0.1:1/0"
    assert repr(limiter) == "<RateLimiter 'redis://127.0.0.1:1/0' fixed-window>"


def test_ratelimiter_storage_url_hides_password(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter("redis://:s3cret@127.0.0.1:1/0")
    assert "s3cret" not in limiter.storage_url
    assert "s3cret" not in repr(limiter)


@pytest.mark.parametrize("service", ["redis", "memcached"])
def test_ratelimiter_storage_down_raises_storage_error(
    make_limiter: MakeLimiter, service: str
) -> None:
    limiter = make_limiter(UNREACHABLE[service])
    for call in (limiter.hit, limiter.test, limiter.clear):
        with pytest.raises(RateLimitStorageError, match=r"127\.0\.0\.1:1"):
            call("1/minute", "s", "k")


def test_ratelimiter_storage_error_hides_password(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter("redis://:s3cret@127.0.0.1:1/0")
    with pytest.raises(RateLimitStorageError) as info:
        limiter.hit("1/minute", "k")
    assert "s3cret" not in str(info.value)


def test_ratelimiter_defers_unusable_cache_url_until_used(settings_for: Any) -> None:
    settings = settings_for(None).replace(CACHE_URL="db://cache_table")
    limiter = RateLimiter(settings)  # a project that never limits can use any cache
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        limiter.hit("1/minute", "k")


def test_ratelimiter_refuses_unusable_cache_url_with_default_limits(settings_for: Any) -> None:
    settings = settings_for(None, default_limits=("1/second",)).replace(CACHE_URL="db://t")
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        RateLimiter(settings)


def test_ratelimiter_refuses_unusable_explicit_storage(settings_for: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"RATELIMIT\.storage_url"):
        RateLimiter(settings_for("mongodb://db"))


def test_ratelimiter_follows_cache_url(settings_for: Any, redis_url: str) -> None:
    limiter = RateLimiter(settings_for(None).replace(CACHE_URL=redis_url))
    try:
        assert limiter.storage_url == redis_url
        assert limiter.hit("1/minute", "k").allowed
    finally:
        limiter.close()


def test_ratelimiter_close_then_reopen(make_limiter: MakeLimiter, storage_url: str) -> None:
    limiter = make_limiter(storage_url)
    limiter.close()  # nothing opened yet
    assert limiter.hit("2/minute", "s", "k").remaining == 1
    limiter.close()
    result = limiter.hit("2/minute", "s", "k")
    if storage_url == "memory://":
        assert result.remaining == 1  # memory counters live in the storage object
    else:
        assert result.remaining == 0


def test_ratelimiter_memcached_with_several_servers(
    make_limiter: MakeLimiter, memcached_url: str
) -> None:
    both = memcached_url + ",localhost:11211"
    limiter = make_limiter(both)
    assert limiter.hit("1/minute", "s", "k").allowed
    assert not limiter.hit("1/minute", "s", "k").allowed


def test_ratelimit_result_reset_after_never_negative() -> None:
    result = RateLimitResult(allowed=True, limit=1, remaining=1, reset_at=0.0, retry_after=0)
    assert result.reset_after == 0


def test_ratelimiter_threads_share_one_memcached_pool(
    make_limiter: MakeLimiter, memcached_url: str
) -> None:
    limiter = make_limiter(memcached_url)
    results: list[bool] = []

    def hit() -> None:
        results.append(limiter.hit("3/minute", "threads", "k").allowed)

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True, True, True]
