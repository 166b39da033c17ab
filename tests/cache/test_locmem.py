"""The in-process backend: bounded, least recently used first, thread-safe, one store each."""

from __future__ import annotations

import threading

import pytest

from bastion.cache import cache_from_url
from bastion.cache.backends.locmem import LocMemCache
from bastion.exceptions import ImproperlyConfigured
from bastion.settings.state import CacheConfig


def make(max_entries: int = 3) -> LocMemCache:
    cache = cache_from_url("locmem://", CacheConfig(max_entries=max_entries))
    assert isinstance(cache, LocMemCache)
    return cache


def test_least_recently_used_entry_is_evicted_first() -> None:
    cache = make(3)
    cache.set_many({"a": 1, "b": 2, "c": 3})
    assert cache.get("a") == 1  # a is now the most recently used
    cache.set("d", 4)
    assert len(cache) == 3
    assert cache.has_key("b") is False
    assert cache.get_many(["a", "c", "d"]) == {"a": 1, "c": 3, "d": 4}


def test_get_many_and_incr_count_as_use() -> None:
    cache = make(2)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.get_many(["a"])
    cache.set("c", 3)
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "c": 3}
    cache.incr("a")
    cache.set("d", 4)
    assert cache.get_many(["a", "c", "d"]) == {"a": 2, "d": 4}


def test_set_many_beyond_the_bound_keeps_the_newest() -> None:
    cache = make(2)
    cache.set_many({"a": 1, "b": 2, "c": 3})
    assert cache.get_many(["a", "b", "c"]) == {"b": 2, "c": 3}


def test_instances_do_not_share_entries() -> None:
    first, second = make(), make()
    first.set("key", 1)
    assert second.get("key") is None


def test_clear_empties_the_store() -> None:
    cache = make()
    cache.set_many({"a": 1, "b": 2})
    cache.clear()
    assert len(cache) == 0


def test_concurrent_writers_respect_the_bound() -> None:
    cache = make(50)

    def work(n: int) -> None:
        for i in range(300):
            cache.set(f"{n}-{i}", i)
            cache.get(f"{n}-{i - 1}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 50


@pytest.mark.parametrize("max_entries", [0, -1, True])
def test_max_entries_must_be_positive(max_entries: int) -> None:
    with pytest.raises(ImproperlyConfigured, match="max_entries"):
        cache_from_url("locmem://", CacheConfig(max_entries=max_entries))
