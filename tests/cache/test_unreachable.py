"""Every operation of a networked backend reports a server that cannot be reached."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bastion.cache import Cache, CacheUnavailable, cache_from_url
from bastion.settings.state import CacheConfig

OPERATIONS: list[Callable[[Cache], object]] = [
    lambda cache: cache.get("k"),
    lambda cache: cache.set("k", 1),
    lambda cache: cache.add("k", 1),
    lambda cache: cache.delete("k"),
    lambda cache: cache.has_key("k"),
    lambda cache: cache.get_many(["k"]),
    lambda cache: cache.set_many({"k": 1}),
    lambda cache: cache.delete_many(["k"]),
    lambda cache: cache.incr("k"),
    lambda cache: cache.decr("k"),
    lambda cache: cache.touch("k"),
    lambda cache: cache.touch("k", None),
    lambda cache: cache.clear(),
]


# Port 1 on the loopback refuses at once: nothing listens there.
@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("redis://127.0.0.1:1/0", r"Redis at redis://127\.0\.0\.1:1/0"),
        ("memcached://127.0.0.1:1", r"memcached at 127\.0\.0\.1:1 "),
    ],
)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_reports_an_unreachable_server(
    url: str, named: str, operation: Callable[[Cache], object]
) -> None:
    with (
        cache_from_url(url, CacheConfig(key_prefix="unreachable")) as cache,
        pytest.raises(CacheUnavailable, match=named),
    ):
        operation(cache)
