"""Attacks on the cache: command injection through keys, and pickles planted in the server.

Keys often carry user input (a username, a URL). memcached's text protocol ends a command at
CR LF, so a key holding one would let its caller send a second command; whitespace splits
a key into two arguments. Every backend refuses such keys alike, so code tested on locmem
cannot open that hole in production.

A cache server is a trust boundary: whoever can write to it (a neighbour on a shared Redis,
a compromised worker) must not be able to run code in ours. Values are JSON, so a pickle
planted under one of our keys is a miss (logged), never code execution.

Each test runs on locmem, real Redis and real memcached (skipped when one is down, failed
under ``CI=true``).
"""

from __future__ import annotations

import builtins
import logging
import pickle
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymemcache.client.base import check_key_helper
from services import require_service

from bastion.cache import Cache, InvalidCacheKey, cache_from_url
from bastion.exceptions import BastionError
from bastion.settings.state import CacheConfig

SERVICES = {"redis": ("127.0.0.1", 6379), "memcached": ("127.0.0.1", 11211)}
URLS = {
    "locmem": "locmem://",
    "redis": "redis://127.0.0.1:6379/0",
    "memcached": "memcached://127.0.0.1:11211",
}
CANARY = "_bastion_cache_canary"


def _require(backend: str) -> None:
    address = SERVICES.get(backend)
    if address is None:
        return
    require_service(backend, *address)


@pytest.fixture(params=list(URLS))
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    _require(name)
    return name


@pytest.fixture
def cache(backend: str) -> Iterator[Cache]:
    with cache_from_url(URLS[backend], CacheConfig(key_prefix=f"t{secrets.token_hex(6)}")) as c:
        yield c
        if backend == "redis":
            c.clear()


@pytest.fixture
def raw_set(backend: str, cache: Cache) -> Iterator[Callable[[str, bytes], None]]:
    """Write bytes under a final key directly, as an attacker with server access could."""
    closers: list[Callable[[], object]] = []

    def put(final_key: str, data: bytes) -> None:
        if backend == "locmem":
            cache._store[final_key] = (data.decode("latin-1"), None)  # type: ignore[attr-defined]
        elif backend == "redis":
            import redis

            client = redis.Redis.from_url(URLS["redis"])
            closers.append(client.close)
            client.set(final_key, data, ex=60)
        else:
            from pymemcache.client.base import Client

            client = Client(SERVICES["memcached"])
            closers.append(client.close)
            # flags=1 is pymemcache's FLAG_PICKLE: a client configured with pickle_serde
            # would unpickle this. Bastion's client has no deserializer at all.
            client.set(final_key, data, expire=60, noreply=False, flags=1)

    yield put
    for close in closers:
        close()


def _operations(key: Any) -> list[Callable[[Cache], object]]:
    return [
        lambda c: c.get(key),
        lambda c: c.set(key, 1),
        lambda c: c.add(key, 1),
        lambda c: c.delete(key),
        lambda c: c.has_key(key),
        lambda c: c.get_many(["fine", key]),
        lambda c: c.set_many({"fine": 1, key: 1}),
        lambda c: c.delete_many(["fine", key]),
        lambda c: c.incr(key),
        lambda c: c.decr(key),
        lambda c: c.touch(key),
        lambda c: c.make_key(key),
    ]


HOSTILE_KEYS = [
    "a b",
    "a\r\nset injected 0 0 1",
    "a\nflush_all",
    "\x00",
    "tab\there",
    "del\x7f",
    "c1\x85",
    "nbsp\xa0",
    "line\u2028sep",
    " leading",
    "trailing ",
    "x" * 300,
    "é" * 120,  # 240 characters, but 480 bytes
    "\ud800",  # a lone surrogate cannot be sent as UTF-8
]


@pytest.mark.parametrize("key", HOSTILE_KEYS, ids=range(len(HOSTILE_KEYS)))
def test_hostile_keys_are_refused_by_every_operation(cache: Cache, key: str) -> None:
    for operation in _operations(key):
        with pytest.raises(InvalidCacheKey):
            operation(cache)
    assert cache.get("fine") is None  # set_many refused the whole batch


@pytest.mark.parametrize("key", [b"bytes", 1, None, ("a",), 1.5])
def test_keys_that_are_not_str_are_refused(cache: Cache, key: Any) -> None:
    for operation in _operations(key):
        with pytest.raises(InvalidCacheKey, match="must be str"):
            operation(cache)


def test_injected_memcached_command_never_reaches_the_server(cache: Cache, backend: str) -> None:
    marker = f"injected{secrets.token_hex(4)}"
    with pytest.raises(InvalidCacheKey):
        cache.set(f"a\r\nset {marker} 0 0 1\r\nx", 1)
    if backend == "memcached":
        from pymemcache.client.base import Client

        client = Client(SERVICES["memcached"])
        try:
            assert client.get(marker) is None
        finally:
            client.close()


def test_invalid_key_is_a_value_error_and_a_bastion_error(cache: Cache) -> None:
    with pytest.raises(InvalidCacheKey) as info:
        cache.get("a b")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, BastionError)
    assert "whitespace or a control character" in str(info.value)


def test_key_length_is_counted_in_bytes_with_the_prefix(cache: Cache) -> None:
    room = 250 - len(f"{cache.key_prefix}:1:")
    cache.set("k" * room, "longest")
    assert cache.get("k" * room) == "longest"
    with pytest.raises(InvalidCacheKey, match="the limit is 250"):
        cache.get("k" * (room + 1))
    with pytest.raises(InvalidCacheKey, match="the limit is 250"):
        cache.get("é" * (room // 2 + 1))
    cache.set("ünïcödé-ключ", 1)
    assert cache.get("ünïcödé-ключ") == 1


@pytest.mark.parametrize("version", ["1 flush_all", "2", 1.0, True])
def test_versions_must_be_ints(cache: Cache, version: Any) -> None:
    with pytest.raises(InvalidCacheKey, match="versions must be int"):
        cache.get("key", version=version)


class _Exploit:
    """Unpickling this runs code: here, it only sets a flag on ``builtins``."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"import builtins; builtins.{CANARY} = True",))


def _payloads() -> list[bytes]:
    return [pickle.dumps(_Exploit(), protocol=p) for p in range(pickle.HIGHEST_PROTOCOL + 1)]


def test_exploit_payload_would_run_if_unpickled() -> None:
    # The canary works: unpickling the payload does run code.
    pickle.loads(_payloads()[-1])  # on purpose: proves the test would see an unpickling
    assert getattr(builtins, CANARY) is True
    delattr(builtins, CANARY)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_planted_pickle_is_never_unpickled(
    cache: Cache,
    raw_set: Callable[[str, bytes], None],
    caplog: pytest.LogCaptureFixture,
    protocol: int,
) -> None:
    payload = _payloads()[protocol]
    raw_set(cache.make_key("session:abc"), payload)
    with caplog.at_level(logging.WARNING, logger="bastion.cache"):
        assert cache.get("session:abc") is None
        assert cache.get("session:abc", "default") == "default"
        assert cache.get_many(["session:abc"]) == {}
        with pytest.raises(ValueError, match="does not hold an integer"):
            cache.incr("session:abc")
    assert not hasattr(builtins, CANARY)
    assert "not JSON written by Bastion" in caplog.text


_LOCMEM = cache_from_url("locmem://", CacheConfig(key_prefix="prop"))


@settings(max_examples=300, deadline=None)
@given(key=st.text())
def test_every_accepted_key_is_memcached_safe(key: str) -> None:
    # The property behind "a test passing on locmem passes in production": any key the cache
    # accepts is a legal memcached key, with nothing that could end or split a command.
    cache = _LOCMEM
    try:
        final = cache.make_key(key)
    except InvalidCacheKey:
        return
    encoded = check_key_helper(final, allow_unicode_keys=True)
    assert len(encoded) <= 250
    assert not any(byte <= 0x20 or byte == 0x7F for byte in encoded)
    cache.set(key, key)
    assert cache.get(key) == key
