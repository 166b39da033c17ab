"""The application's cache: built from CACHE_URL and CACHE, without connecting."""

from __future__ import annotations

import secrets

import pytest

from bastion import Bastion
from bastion.cache import Cache
from bastion.cache.backends.locmem import LocMemCache
from bastion.cache.backends.memcached import MemcachedCache
from bastion.cache.backends.redis import RedisCache
from bastion.exceptions import ImproperlyConfigured
from bastion.settings import Settings
from bastion.settings.state import CacheConfig

SECRET_KEY = "cache-app-tests-" + secrets.token_urlsafe(48)


def settings(**changes: object) -> Settings:
    return Settings(SECRET_KEY=SECRET_KEY, ALLOWED_HOSTS=["testserver"], **changes)  # type: ignore[arg-type]


def test_default_application_cache_is_locmem() -> None:
    app = Bastion(settings())
    assert isinstance(app.cache, LocMemCache)
    assert isinstance(app.cache, Cache)


@pytest.mark.parametrize(
    ("url", "kind"),
    [("redis://127.0.0.1:1/0", RedisCache), ("memcached://127.0.0.1:1", MemcachedCache)],
)
def test_application_builds_while_its_cache_server_is_down(url: str, kind: type) -> None:
    app = Bastion(settings(CACHE_URL=url, CACHE=CacheConfig(key_prefix="shop", version=3)))
    assert type(app.cache) is kind
    assert app.cache.make_key("k") == "shop:3:k"
    app.cache.close()


def test_unusable_cache_url_stops_the_application() -> None:
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        Bastion(settings(CACHE_URL="memcache://h"))


def test_application_cache_cannot_be_replaced() -> None:
    app = Bastion(settings())
    with pytest.raises(AttributeError, match="frozen"):
        app.cache = LocMemCache(CacheConfig())  # type: ignore[misc]
