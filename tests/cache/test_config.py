"""Options every backend validates: prefix, version and default timeout."""

from __future__ import annotations

import pytest

from bastion.cache import cache_from_url
from bastion.cache.backends.locmem import LocMemCache
from bastion.exceptions import ImproperlyConfigured
from bastion.settings.state import CacheConfig


def test_default_config_is_used_when_none_is_given() -> None:
    cache = cache_from_url("locmem://")
    assert isinstance(cache, LocMemCache)
    assert (cache.key_prefix, cache.version, cache.default_timeout) == ("", 1, 300)
    assert cache.make_key("k") == ":1:k"


@pytest.mark.parametrize(
    "prefix", ["a:b", "a b", "tab\t", "nul\x00", "nbsp\xa0", "x" * 101, 7, None]
)
def test_unusable_prefix_is_refused(prefix: object) -> None:
    with pytest.raises(ImproperlyConfigured, match="key_prefix"):
        cache_from_url("locmem://", CacheConfig(key_prefix=prefix))  # type: ignore[arg-type]


@pytest.mark.parametrize("prefix", ["shop-prod", "a.b_c", "ünï", "x" * 100, "[x]*?"])
def test_usable_prefix_is_accepted(prefix: str) -> None:
    assert cache_from_url("locmem://", CacheConfig(key_prefix=prefix)).key_prefix == prefix


@pytest.mark.parametrize("version", ["1", 1.0, True, None])
def test_version_must_be_int(version: object) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"CACHE\.version"):
        cache_from_url("locmem://", CacheConfig(version=version))  # type: ignore[arg-type]


@pytest.mark.parametrize("timeout", [0, -5, 1.5, "300", True, None])
def test_default_timeout_must_be_positive_int(timeout: object) -> None:
    with pytest.raises(ImproperlyConfigured, match="default_timeout"):
        cache_from_url("locmem://", CacheConfig(default_timeout=timeout))  # type: ignore[arg-type]
