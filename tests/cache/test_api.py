"""The cache API, the same on every backend: each test runs on locmem, Redis and memcached."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from bastion.cache import Cache

MakeCache = Callable[..., Cache]


def test_get_missing_key_returns_default(cache: Cache) -> None:
    assert cache.get("missing") is None
    assert cache.get("missing", "fallback") == "fallback"


@pytest.mark.parametrize(
    "value",
    [
        "text",
        "é € 😀 \u2028",
        "",
        0,
        -7,
        2**62,
        1.5,
        True,
        False,
        None,
        [1, "two", [3.0]],
        {"nested": {"list": [1, 2], "none": None}, "ünï": "cödé"},
        "x" * 100_000,
    ],
)
def test_set_then_get_round_trips_json_values(cache: Cache, value: Any) -> None:
    cache.set("key", value)
    assert cache.get("key", "sentinel") == value
    assert type(cache.get("key", "sentinel")) is type(value)


def test_set_replaces_value(cache: Cache) -> None:
    cache.set("key", 1)
    cache.set("key", {"b": 2})
    assert cache.get("key") == {"b": 2}


def test_values_are_copies(cache: Cache) -> None:
    value = {"items": [1]}
    cache.set("key", value)
    value["items"].append(2)
    first = cache.get("key")
    first["items"].append(3)
    assert cache.get("key") == {"items": [1]}


def test_tuples_come_back_as_lists_and_dict_keys_as_strings(cache: Cache) -> None:
    cache.set("key", {"pair": (1, 2), 3: "three"})
    assert cache.get("key") == {"pair": [1, 2], "3": "three"}


@pytest.mark.parametrize(
    "value",
    [object(), {1, 2}, b"bytes", float("nan"), float("inf"), {"when": pytest}],
    ids=["object", "set", "bytes", "nan", "inf", "module"],
)
def test_non_json_values_are_refused_with_type_error(cache: Cache, value: Any) -> None:
    with pytest.raises(TypeError, match=r"Cache values must be JSON.*never pickles"):
        cache.set("key", value)
    with pytest.raises(TypeError, match="must be JSON"):
        cache.add("key", value)
    assert cache.get("key") is None


def test_circular_value_is_refused_with_type_error(cache: Cache) -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(TypeError, match="must be JSON"):
        cache.set("key", loop)


def test_add_stores_only_when_absent(cache: Cache) -> None:
    assert cache.add("key", "first") is True
    assert cache.add("key", "second") is False
    assert cache.get("key") == "first"


def test_delete_reports_whether_key_existed(cache: Cache) -> None:
    cache.set("key", 1)
    assert cache.delete("key") is True
    assert cache.delete("key") is False
    assert cache.get("key") is None


def test_has_key(cache: Cache) -> None:
    assert cache.has_key("key") is False
    cache.set("key", None)
    assert cache.has_key("key") is True


def test_get_many_returns_only_present_keys(cache: Cache) -> None:
    cache.set("a", 1)
    cache.set("b", [2])
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": [2]}
    assert cache.get_many([]) == {}
    assert cache.get_many(iter(["a", "a"])) == {"a": 1}


def test_set_many_then_get_many(cache: Cache) -> None:
    cache.set_many({"a": 1, "b": "two", "c": None})
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": "two", "c": None}
    cache.set_many({})


def test_set_many_stores_nothing_when_one_value_is_not_json(cache: Cache) -> None:
    with pytest.raises(TypeError):
        cache.set_many({"a": 1, "b": object()})
    assert cache.get_many(["a", "b"]) == {}


def test_delete_many(cache: Cache) -> None:
    cache.set_many({"a": 1, "b": 2, "c": 3})
    cache.delete_many(["a", "b", "missing"])
    cache.delete_many([])
    assert cache.get_many(["a", "b", "c"]) == {"c": 3}


def test_versions_are_separate_entries(make_cache: MakeCache) -> None:
    cache = make_cache()
    cache.set("key", "v1")
    cache.set("key", "v2", version=2)
    assert cache.get("key") == "v1"
    assert cache.get("key", version=2) == "v2"
    assert cache.make_key("key", 2) == f"{cache.key_prefix}:2:key"
    assert cache.delete("key", version=2) is True
    assert cache.get("key", version=2) is None
    assert cache.get("key") == "v1"


def test_configured_version_is_the_default(make_cache: MakeCache) -> None:
    cache = make_cache(version=2)
    assert cache.make_key("key") == f"{cache.key_prefix}:2:key"
    cache.set("key", "v1", version=1)
    assert cache.get("key") is None
    cache.set("key", "v2")
    assert cache.get("key", version=2) == "v2"
    assert cache.get_many(["key"], version=1) == {"key": "v1"}
    cache.set_many({"other": 1}, version=1)
    assert cache.get("other", version=1) == 1
    cache.delete_many(["other"], version=1)
    assert cache.has_key("other", version=1) is False
    assert cache.has_key("key", version=1) is True


@pytest.mark.parametrize("backend", ["redis", "memcached"])  # each LocMemCache owns its store
def test_instances_with_one_prefix_share_entries(make_cache: MakeCache) -> None:
    old = make_cache()
    new = make_cache(key_prefix=old.key_prefix, version=2)
    old.set("key", "old")
    assert new.get("key") is None  # raising CACHE.version invalidates everything
    new.set("key", "new")
    assert old.get("key", version=2) == "new"
    assert old.get("key") == "old"


def test_prefixes_isolate_caches(make_cache: MakeCache) -> None:
    first, second = make_cache(), make_cache()
    first.set("key", "first")
    assert second.get("key") is None
    assert second.add("key", "second") is True
    assert first.get("key") == "first"
    assert second.delete("key") is True
    assert first.get("key") == "first"


@pytest.mark.parametrize("backend", ["locmem", "redis"])  # memcached: see test_memcached.py
def test_clear_removes_this_caches_entries(make_cache: MakeCache) -> None:
    first, second = make_cache(), make_cache()
    first.set_many({"a": 1, "b": 2})
    first.set("a", 1, version=7)
    second.set("a", "kept")
    first.clear()
    assert first.get_many(["a", "b"]) == {}
    assert first.get("a", version=7) is None
    assert second.get("a") == "kept"


def test_close_then_use_again(cache: Cache) -> None:
    cache.set("key", 1)
    cache.close()
    assert cache.get("key") == 1
    cache.close()


def test_context_manager_closes(make_cache: MakeCache) -> None:
    with make_cache() as cache:
        cache.set("key", 1)
    assert cache.get("key") == 1  # reconnects


def test_entry_not_written_as_json_is_a_logged_miss(
    cache: Cache, plant: Callable[[Cache, str, bytes], None], caplog: pytest.LogCaptureFixture
) -> None:
    plant(cache, cache.make_key("planted"), b"\x80\x04not json")
    cache.set("good", 1)
    with caplog.at_level(logging.WARNING, logger="bastion.cache"):
        assert cache.get("planted", "default") == "default"
        assert cache.get_many(["planted", "good"]) == {"good": 1}
    assert "is not JSON written by Bastion" in caplog.text
    assert cache.has_key("planted") is True


def test_repr_names_backend_and_prefix(cache: Cache) -> None:
    assert cache.key_prefix in repr(cache)
    assert type(cache).__name__ in repr(cache)
