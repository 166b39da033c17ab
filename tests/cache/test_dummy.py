"""dummy:// stores nothing, but checks keys and values like every backend."""

from __future__ import annotations

import pytest

from bastion.cache import InvalidCacheKey, cache_from_url
from bastion.cache.backends.dummy import DummyCache


def test_dummy_cache_stores_nothing() -> None:
    cache = cache_from_url("dummy://")
    assert isinstance(cache, DummyCache)
    cache.set("key", 1)
    assert cache.get("key", "default") == "default"
    assert cache.add("key", 1) is True
    assert cache.has_key("key") is False
    assert cache.delete("key") is False
    cache.set_many({"a": 1})
    assert cache.get_many(["a"]) == {}
    cache.delete_many(["a"])
    assert cache.touch("key") is False
    with pytest.raises(ValueError, match="holds nothing"):
        cache.incr("key")
    cache.clear()
    cache.close()


def test_dummy_cache_still_checks_keys_and_values() -> None:
    cache = cache_from_url("dummy://")
    with pytest.raises(InvalidCacheKey):
        cache.get("a b")
    with pytest.raises(TypeError):
        cache.set("key", object())
