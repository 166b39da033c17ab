"""The ``db://`` cache on real databases: the shared API, expiry, atomic add and incr."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from scratchdb import VENDORS, scratch_database, tables_on

from bastion.cache import Cache, cache_from_url
from bastion.cache.backends.database import DatabaseCache
from bastion.cache.models import CacheEntry
from bastion.db import Databases
from bastion.exceptions import ImproperlyConfigured
from bastion.settings.state import CacheConfig


@pytest.fixture(scope="module", params=VENDORS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A scratch database of each kind for this module (dropped afterwards)."""
    with scratch_database(request.param, tmp_path_factory, "cache") as url:
        yield url


@pytest.fixture
def dbs(database_url: str) -> Iterator[Databases]:
    with tables_on(database_url, [CacheEntry._meta.table]) as databases:
        yield databases


@pytest.fixture
def cache(dbs: Databases) -> Cache:
    return cache_from_url("db://", CacheConfig(key_prefix="p_1"))


def test_url_schemes() -> None:
    assert isinstance(cache_from_url("database://"), DatabaseCache)
    assert repr(cache_from_url("db://replica/")).startswith("<DatabaseCache replica ")
    with pytest.raises(ImproperlyConfigured, match="DATABASES alias"):
        cache_from_url("db://postgresql://x@y/z")


def test_keys_differing_in_case_or_accents_are_different_entries(cache: Cache) -> None:
    # MariaDB's default collation would make these one row: the key column is binary.
    cache.set("Key", 1)
    cache.set("key", 2)
    cache.set("kéy", 3)
    assert cache.get_many(["Key", "key", "kéy"]) == {"Key": 1, "key": 2, "kéy": 3}


def test_get_set_delete_has(cache: Cache) -> None:
    assert cache.get("a", "miss") == "miss"
    cache.set("a", {"x": [1, "ü"]})
    cache.set("a", {"x": [2]})  # replaces
    assert cache.get("a") == {"x": [2]}
    assert cache.has_key("a")
    assert cache.delete("a") is True
    assert cache.delete("a") is False
    assert not CacheEntry.objects.exists()


def test_many(cache: Cache) -> None:
    cache.set_many({"a": 1, "b": None, "c": "x"})
    assert cache.get_many(["a", "b", "c", "d"]) == {"a": 1, "b": None, "c": "x"}
    cache.delete_many(["a", "c"])
    assert cache.get_many(["a", "b", "c"]) == {"b": None}


def test_expiry_and_touch(cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    cache.set("short", 1, timeout=10)
    cache.set("forever", 2, timeout=None)
    assert cache.touch("short", 100) is True
    now += 50
    assert cache.get_many(["short", "forever"]) == {"short": 1, "forever": 2}
    now += 51
    assert cache.get("short") is None
    assert cache.touch("short") is False
    assert cache.delete("short") is False  # an expired entry is not "there"
    assert cache.add("forever", 3) is False
    assert isinstance(cache, DatabaseCache)
    cache.set("gone", 1, timeout=1)
    now += 2
    assert cache.clear_expired() == 1
    assert list(CacheEntry.objects.values_list("cache_key", flat=True)) == ["p_1:1:forever"]


def test_add_only_when_absent_or_expired(cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache.add("k", "first", timeout=5) is True
    assert cache.add("k", "second") is False
    now = time.time() + 10
    monkeypatch.setattr(time, "time", lambda: now)
    assert cache.add("k", "third") is True
    assert cache.get("k") == "third"


def test_incr_decr(cache: Cache) -> None:
    with pytest.raises(ValueError, match="nothing to increment"):
        cache.incr("n")
    cache.set("n", 10)
    assert cache.incr("n", 5) == 15
    assert cache.decr("n", 20) == -5
    cache.set("s", "text")
    with pytest.raises(ValueError, match="integer"):
        cache.incr("s")
    cache.set("b", True)
    with pytest.raises(ValueError, match="integer"):
        cache.incr("b")


def test_clear_keeps_other_prefixes(cache: Cache) -> None:
    other = cache_from_url("db://", CacheConfig(key_prefix="p-1"))  # '_' is no LIKE wildcard
    cache.set("a", 1)
    cache.set("a", 1, version=2)
    other.set("a", 2)
    cache.clear()
    assert cache.get("a") is None
    assert cache.get("a", version=2) is None
    assert other.get("a") == 2


def test_concurrent_add_and_incr(cache: Cache, dbs: Databases) -> None:
    """Threads racing: one add wins, and no increment is lost."""
    cache.set("n", 0)
    won: list[bool] = []

    def work() -> None:
        with dbs.activate():
            try:
                won.append(cache.add("lock", 1))
                for _ in range(10):
                    cache.incr("n")
            finally:
                dbs.release()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 7 + [True]
    assert cache.get("n") == 80
