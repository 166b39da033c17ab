"""Fixtures: one cache per backend (locmem, real Redis, real memcached), and private servers.

Redis and memcached are the real services (127.0.0.1:6379 and :11211; ``bash
.ci/services.sh`` starts them). When one is down its tests are skipped, except under
``CI=true``, where they fail: CI must never pass by skipping. Every cache gets a random key
prefix, so tests never see each other's keys on the shared servers. Tests that empty a whole
server (memcached's ``clear()``, Redis with no prefix) get a private server of their own, so
they cannot disturb anyone else using the shared ones.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from services import answers, require_service

from bastion.cache import Cache, cache_from_url
from bastion.settings.state import CacheConfig

REDIS_ADDRESS = ("127.0.0.1", 6379)
MEMCACHED_ADDRESS = ("127.0.0.1", 11211)
BACKENDS = ["locmem", "redis", "memcached"]

MakeCache = Callable[..., Cache]


def require(name: str, address: tuple[str, int]) -> None:
    """Skip (or, under ``CI=true``, fail) unless the service at ``address`` answers."""
    require_service(name, *address)


def random_prefix() -> str:
    return f"t{secrets.token_hex(6)}"


@pytest.fixture(scope="session")
def redis_url() -> str:
    require("Redis", REDIS_ADDRESS)
    return "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def memcached_url() -> str:
    require("memcached", MEMCACHED_ADDRESS)
    return "memcached://127.0.0.1:11211"


def url_for(backend: str, request: pytest.FixtureRequest) -> str:
    if backend == "locmem":
        return "locmem://"
    url: str = request.getfixturevalue(f"{backend}_url")
    return url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The name of the backend under test."""
    name: str = request.param
    return name


@pytest.fixture
def make_cache(backend: str, request: pytest.FixtureRequest) -> Iterator[MakeCache]:
    """Build caches of the backend under test (random prefix unless given); closed after."""
    url = url_for(backend, request)
    made: list[Cache] = []

    def make(**options: Any) -> Cache:
        options.setdefault("key_prefix", random_prefix())
        cache = cache_from_url(url, CacheConfig(**options))
        made.append(cache)
        return cache

    yield make
    for cache in made:
        if backend == "redis":
            cache.clear()  # only its own prefix
        cache.close()


@pytest.fixture
def cache(make_cache: MakeCache) -> Cache:
    """A cache of the backend under test with a random prefix."""
    return make_cache()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def spawn(program: str, argv: Callable[[int], list[str]]) -> Iterator[tuple[str, int]]:
    """Run a private server on a free port for one test; yield its address."""
    binary = shutil.which(program)
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{program} is not installed; CI=true requires it.")
        pytest.skip(f"{program} is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [binary, *argv(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 5
        while not answers("127.0.0.1", port):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"a private {program} did not start on port {port}")
            time.sleep(0.02)
        yield "127.0.0.1", port
    finally:
        process.kill()  # holds nothing worth a clean shutdown, which takes memcached 1 s
        process.wait(timeout=5)


@pytest.fixture
def private_memcached() -> Iterator[str]:
    """The URL of a memcached of this test's own (for flush_all)."""
    user = ["-u", "root"] if os.geteuid() == 0 else []
    for host, port in spawn(
        "memcached", lambda port: [*user, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "8"]
    ):
        yield f"memcached://{host}:{port}"


@pytest.fixture
def private_redis() -> Iterator[str]:
    """The URL of a Redis of this test's own (for clearing with no prefix)."""
    for host, port in spawn(
        "redis-server",
        lambda port: [
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
    ):
        yield f"redis://{host}:{port}/0"


Plant = Callable[[Cache, str, bytes], None]


@pytest.fixture
def plant(backend: str, request: pytest.FixtureRequest) -> Iterator[Plant]:
    """Write raw bytes under a final key behind the cache's back, as another program could."""
    closers: list[Callable[[], object]] = []

    def put(cache: Cache, final_key: str, raw: bytes) -> None:
        if backend == "locmem":
            cache._store[final_key] = (raw.decode("latin-1"), None)  # type: ignore[attr-defined]
        elif backend == "redis":
            import redis

            client = redis.Redis.from_url(url_for(backend, request))
            closers.append(client.close)
            client.set(final_key, raw, ex=60)
        else:
            from pymemcache.client.base import Client

            client = Client(MEMCACHED_ADDRESS, allow_unicode_keys=True)
            closers.append(client.close)
            client.set(final_key, raw, expire=60, noreply=False)

    yield put
    for close in closers:
        close()


@pytest.fixture
def second_private_memcached() -> Iterator[str]:
    """Another private memcached, for spreading keys over two servers."""
    user = ["-u", "root"] if os.geteuid() == 0 else []
    for host, port in spawn(
        "memcached", lambda port: [*user, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "8"]
    ):
        yield f"{host}:{port}"
