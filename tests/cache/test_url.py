"""CACHE_URL to a backend: every accepted form, and clear refusals for the rest."""

from __future__ import annotations

import sys

import pytest

from bastion.cache import cache_from_url
from bastion.cache.backends.database import DatabaseCache
from bastion.cache.backends.dummy import DummyCache
from bastion.cache.backends.locmem import LocMemCache
from bastion.cache.backends.memcached import MemcachedCache
from bastion.cache.backends.redis import RedisCache
from bastion.cache.url import parse_memcached_servers
from bastion.exceptions import ImproperlyConfigured
from bastion.settings.state import CacheConfig


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("locmem://", LocMemCache),
        ("LOCMEM://", LocMemCache),
        ("locmem:///", LocMemCache),
        ("dummy://", DummyCache),
        ("redis://127.0.0.1:6379/0", RedisCache),
        ("redis://:s3cret@cache.internal:6380/2", RedisCache),
        ("redis://user:s3cret@cache.internal", RedisCache),
        ("rediss://cache.internal:6380/1", RedisCache),
        ("memcached://127.0.0.1:11211", MemcachedCache),
        ("memcached://a:11211,b:11212", MemcachedCache),
        ("db://", DatabaseCache),
        ("database://cache", DatabaseCache),
    ],
)
def test_url_chooses_backend_without_connecting(url: str, kind: type) -> None:
    # None of these hosts exists: building must not connect.
    with cache_from_url(url, CacheConfig()) as cache:
        assert type(cache) is kind


@pytest.mark.parametrize(
    "url", ["", "locmem", "file:///tmp/cache", "redis+sentinel://h", "memcache://h", "sql://"]
)
def test_unknown_scheme_lists_the_accepted_ones(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"use one of locmem://, dummy://, redis://"):
        cache_from_url(url)


def test_unknown_scheme_message_never_shows_the_url() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        cache_from_url("postgres://admin:hunter2@db/0")
    assert "hunter2" not in str(info.value)
    assert "'postgres'" in str(info.value)
    with pytest.raises(ImproperlyConfigured) as info:
        cache_from_url("admin:hunter2@db")
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize("url", ["locmem://default", "dummy://x"])
def test_in_process_backends_take_no_location(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="takes no location"):
        cache_from_url(url)


@pytest.mark.parametrize(
    "url", ["redis://:pw@host:notaport/0", "redis://host/cache", "rediss://host:99999"]
)
def test_malformed_redis_url_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="not a usable Redis URL") as info:
        cache_from_url(url)
    assert ":pw@" not in str(info.value)


def test_redis_url_options_and_timeouts() -> None:
    with cache_from_url("rediss://:pw@cache.internal:6380/3?ssl_cert_reqs=required") as cache:
        assert isinstance(cache, RedisCache)
        kwargs = cache._pool.connection_kwargs
        assert kwargs["socket_connect_timeout"] == 2.0
        assert kwargs["socket_timeout"] == 2.0
        assert kwargs["db"] == 3
        assert "pw" not in repr(cache)
        assert repr(cache).startswith("<RedisCache rediss://cache.internal:6380/3 prefix=''")


@pytest.mark.parametrize(
    ("location", "servers"),
    [
        ("h", [("h", 11211)]),
        ("h:1", [("h", 1)]),
        ("h:11211/", [("h", 11211)]),
        ("a:1, b:2", [("a", 1), ("b", 2)]),
        ("[::1]:11212", [("::1", 11212)]),
        ("[::1]", [("::1", 11211)]),
    ],
)
def test_memcached_servers(location: str, servers: list[tuple[str, int]]) -> None:
    assert parse_memcached_servers(location) == servers


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("", "without a usable host"),
        ("a:1,", "without a usable host"),
        (":11211", "without a usable host"),
        ("h:0", "port '0'"),
        ("h:65536", "port '65536'"),
        ("h:x", "port 'x'"),
        ("h:\u00b2", "port"),
        ("[::1]x", "port 'x'"),
        ("h:1,h:1", "twice"),
        ("user:pw@h:1", "host:port pairs only"),
        ("h:1/path", "host:port pairs only"),
        ("h:1?timeout=3", "host:port pairs only"),
    ],
)
def test_malformed_memcached_location_is_refused(location: str, problem: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=problem):
        cache_from_url(f"memcached://{location}")


def test_memcached_repr_lists_servers() -> None:
    with cache_from_url("memcached://a:1,b:2") as cache:
        assert repr(cache) == "<MemcachedCache a:1,b:2 prefix='' version=1>"


@pytest.mark.parametrize(
    ("url", "library", "extra"),
    [("redis://h", "redis", "redis"), ("memcached://h", "pymemcache", "memcached")],
)
def test_missing_client_library_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, url: str, library: str, extra: str
) -> None:
    for name in list(sys.modules):
        if name == library or name.startswith(f"{library}."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.delitem(sys.modules, f"bastion.cache.backends.{extra}")
    monkeypatch.setitem(sys.modules, library, None)  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match=rf"pip install 'bastion\[{extra}\]'"):
        cache_from_url(url)


def test_other_import_errors_are_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "bastion.cache.backends.redis")
    monkeypatch.setitem(sys.modules, "bastion.cache.exceptions", None)  # type: ignore[arg-type]
    with pytest.raises(ImportError) as info:
        cache_from_url("redis://h")
    assert not isinstance(info.value, ImproperlyConfigured)
