"""Timeouts on every backend: default, explicit, none, zero or negative, and touch().

memcached counts whole seconds, and an entry given 1 second may go at the next tick of its
clock (even a microsecond later), so entries that are used right after being set get 2
seconds, and a value is only asserted *present* when it has 10 seconds or more to live.
The expiry test sleeps 2.1 seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from bastion.cache import DEFAULT_TIMEOUT, Cache

MakeCache = Callable[..., Cache]


def test_entries_expire_and_others_live_on(make_cache: MakeCache) -> None:
    cache = make_cache(default_timeout=2)
    cache.set("default", 1)  # CACHE.default_timeout: 2 s
    cache.set("explicit", 1, timeout=2)
    cache.set("fraction", 1, timeout=0.5)
    cache.add("added", 1, timeout=2)
    cache.set_many({"many": 1}, timeout=2)
    cache.set("touched", 1, timeout=60)
    assert cache.touch("touched", 1) is True
    cache.set("persisted", 1, timeout=2)
    assert cache.touch("persisted", None) is True
    cache.set("forever", 1, timeout=None)
    cache.set("long", 1, timeout=60)
    cache.set("counter", 5, timeout=60)
    assert cache.incr("counter") == 6
    cache.set("short_counter", 5, timeout=2)
    assert cache.incr("short_counter") == 6  # keeps its expiry
    cache.set("extended", 1, timeout=2)
    assert cache.touch("extended", 60) is True

    time.sleep(2.1)

    gone = ["default", "explicit", "fraction", "added", "many", "touched", "short_counter"]
    assert cache.get_many(gone) == {}
    for key in gone:
        assert cache.has_key(key) is False
    assert cache.get_many(["persisted", "forever", "long", "counter", "extended"]) == {
        "persisted": 1,
        "forever": 1,
        "long": 1,
        "counter": 6,
        "extended": 1,
    }
    assert cache.add("explicit", "again") is True  # an expired key counts as absent
    assert cache.touch("default", 60) is False
    with pytest.raises(ValueError, match="holds nothing"):
        cache.incr("default")
    assert cache.delete("fraction") is False


@pytest.mark.parametrize("timeout", [0, -1, -0.5])
def test_zero_or_negative_timeout_stores_nothing(cache: Cache, timeout: float) -> None:
    cache.set("key", "old")
    cache.set("key", "new", timeout=timeout)
    assert cache.has_key("key") is False
    assert cache.add("key", "new", timeout=timeout) is False
    assert cache.has_key("key") is False
    cache.set_many({"a": 1, "b": 2})
    cache.set_many({"a": 3, "b": 4}, timeout=timeout)
    assert cache.get_many(["a", "b"]) == {}


def test_touch_with_zero_deletes(cache: Cache) -> None:
    cache.set("key", 1)
    assert cache.touch("key", 0) is True
    assert cache.has_key("key") is False
    assert cache.touch("key", 0) is False


def test_touch_missing_key_is_false(cache: Cache) -> None:
    assert cache.touch("missing") is False
    assert cache.touch("missing", None) is False
    assert cache.touch("missing", DEFAULT_TIMEOUT) is False


def test_timeout_longer_than_thirty_days_is_kept(cache: Cache) -> None:
    # memcached reads a relative timeout over 30 days as a Unix time (long past): the
    # backend must send it as an absolute time instead.
    cache.set("key", 1, timeout=40 * 24 * 3600)
    cache.set_many({"other": 2}, timeout=365 * 24 * 3600)
    assert cache.get_many(["key", "other"]) == {"key": 1, "other": 2}


@pytest.mark.parametrize("timeout", ["60", True, [1]])
def test_timeout_must_be_a_number(cache: Cache, timeout: object) -> None:
    with pytest.raises(TypeError, match="number of seconds"):
        cache.set("key", 1, timeout=timeout)  # type: ignore[arg-type]


def test_default_timeout_repr() -> None:
    assert repr(DEFAULT_TIMEOUT) == "DEFAULT_TIMEOUT"
