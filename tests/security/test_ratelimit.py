"""Attacks on rate limits: dodging the budget, poisoning keys, knocking the storage over."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from services import require_service

from bastion import Bastion, PlainTextResponse, Request, Response, path
from bastion.ratelimit import ratelimit, ratelimit_exempt
from bastion.settings import CacheConfig, ProxyConfig, RateLimitConfig, Settings
from bastion.testing import Client

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"


@ratelimit("3/minute", methods=["POST"])
def login(request: Request) -> Response:
    return PlainTextResponse("login")


@ratelimit("2/minute", key=lambda request: request.form.get("username"), methods=["POST"])
def reset(request: Request) -> Response:
    return PlainTextResponse("reset sent")


@ratelimit_exempt(reason="probe")
@ratelimit("2/minute")
def exempt_but_limited(request: Request) -> Response:
    return PlainTextResponse("ok")


@ratelimit("2/minute", methods=["GET"])
def search(request: Request) -> Response:
    return PlainTextResponse("expensive results")


ROUTES = [
    path("search", search),
    path("login", login, methods=["POST"]),
    path("reset", reset, methods=["POST"]),
    path("exempt", exempt_but_limited),
]


@pytest.fixture
def make_client() -> Iterator[Callable[..., Client]]:
    apps: list[Bastion] = []

    def make(
        storage_url: str = "memory://", proxy: ProxyConfig | None = None, **ratelimit: Any
    ) -> Client:
        settings = Settings(
            SECRET_KEY=KEY,
            ALLOWED_HOSTS=["testserver"],
            PROXY=proxy or ProxyConfig(),
            CACHE=CacheConfig(key_prefix=f"sec{uuid.uuid4().hex}"),
            RATELIMIT=RateLimitConfig(storage_url=storage_url, **ratelimit),
        )
        app = Bastion(settings, routes=ROUTES)  # RateLimitMiddleware is a default layer
        apps.append(app)
        return Client(app)

    yield make
    for app in apps:
        app.ratelimiter.close()


def posts(client: Client, url: str, forwarded: list[str], **options: Any) -> list[int]:
    return [
        client.post(url, headers={"X-Forwarded-For": value}, **options).status_code
        for value in forwarded
    ]


SPOOFED = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5"]


def test_forwarded_for_spoofing_does_not_dodge_limit_without_proxy(
    make_client: Callable[..., Client],
) -> None:
    client = make_client()
    assert posts(client, "/login", SPOOFED) == [200, 200, 200, 429, 429]


def test_forwarded_for_from_untrusted_peer_does_not_dodge_limit(
    make_client: Callable[..., Client],
) -> None:
    client = make_client(proxy=ProxyConfig(trusted_hops=1))
    direct = {"REMOTE_ADDR": "203.0.113.50"}  # not one of the trusted proxy addresses
    assert posts(client, "/login", SPOOFED, environ=direct) == [200, 200, 200, 429, 429]


def test_forwarded_for_from_trusted_proxy_counts_each_client(
    make_client: Callable[..., Client],
) -> None:
    client = make_client(proxy=ProxyConfig(trusted_hops=1))
    assert posts(client, "/login", SPOOFED) == [200] * 5


def test_forwarded_for_prefix_spoofing_behind_trusted_proxy_does_not_dodge_limit(
    make_client: Callable[..., Client],
) -> None:
    # nginx appends the real peer; whatever the client wrote in front of it is ignored.
    client = make_client(proxy=ProxyConfig(trusted_hops=1))
    chains = [f"{fake}, 203.0.113.77" for fake in SPOOFED]
    assert posts(client, "/login", chains) == [200, 200, 200, 429, 429]


def test_ipv6_address_rotation_within_a_64_does_not_dodge_limit(
    make_client: Callable[..., Client],
) -> None:
    client = make_client()
    addresses = [f"2001:db8:aa:bb::{n:x}" for n in range(1, 6)]
    codes = [client.post("/login", environ={"REMOTE_ADDR": a}).status_code for a in addresses]
    assert codes == [200, 200, 200, 429, 429]
    other = {"REMOTE_ADDR": "2001:db8:aa:cc::1"}
    assert client.post("/login", environ=other).status_code == 200


def test_ipv4_mapped_ipv6_counts_as_the_ipv4_client(make_client: Callable[..., Client]) -> None:
    client = make_client()
    for address in ("192.0.2.8", "::ffff:192.0.2.8", "192.0.2.8"):
        assert client.post("/login", environ={"REMOTE_ADDR": address}).status_code == 200
    assert client.post("/login", environ={"REMOTE_ADDR": "::ffff:192.0.2.8"}).status_code == 429


def test_requests_without_client_address_share_one_budget(
    make_client: Callable[..., Client],
) -> None:
    client = make_client()
    codes = [client.post("/login", environ={"REMOTE_ADDR": ""}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_missing_key_value_falls_back_to_address(make_client: Callable[..., Client]) -> None:
    # Leaving out the field a key function reads must not make the view unlimited.
    client = make_client()
    codes = [client.post("/reset", data={}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_key_function_value_cannot_pose_as_another_client(
    make_client: Callable[..., Client],
) -> None:
    client = make_client()
    other = {"REMOTE_ADDR": "198.51.100.99"}
    assert [client.post("/reset", environ=other).status_code for _ in range(3)] == [200, 200, 429]
    # A username spelled like that client's address key has its own budget (and vice versa).
    forged = {"username": "ip:198.51.100.99"}
    assert client.post("/reset", data=forged).status_code == 200


def _service(host: str, port: int) -> None:
    require_service(f"The service at {host}:{port}", host, port)


@pytest.mark.parametrize(
    "value", ["alice\r\nflush_all", "a b", "x" * 1000, "ünïcode", "a/b/../c", "\x00"]
)
@pytest.mark.parametrize(
    ("storage_url", "port"),
    [
        ("memory://", None),
        ("redis://127.0.0.1:6379/0", 6379),
        ("memcached://127.0.0.1:11211", 11211),
    ],
)
def test_hostile_key_values_are_counted_not_injected(
    make_client: Callable[..., Client], storage_url: str, port: int | None, value: str
) -> None:
    if port is not None:
        _service("127.0.0.1", port)
    client = make_client(storage_url)
    codes = [client.post("/reset", data={"username": value}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_storage_outage_does_not_lift_view_limits(make_client: Callable[..., Client]) -> None:
    # An attacker who knocks Redis over gets 503s on guarded views, not unlimited guesses;
    # the site-wide default limit fails open so the rest of the site stays up.
    client = make_client("redis://127.0.0.1:1/0", default_limits=("100/minute",))
    assert [client.post("/login").status_code for _ in range(5)] == [503] * 5


def test_exemption_from_default_limits_keeps_view_limits(
    make_client: Callable[..., Client],
) -> None:
    client = make_client(default_limits=("100/minute",))
    assert [client.get("/exempt").status_code for _ in range(3)] == [200, 200, 429]


def test_head_requests_count_against_a_get_limit(make_client: Callable[..., Client]) -> None:
    # HEAD runs the GET view; it must not be an uncounted way to make the server work.
    client = make_client()
    codes = [client.request("HEAD", "/search").status_code for _ in range(2)]
    assert codes == [200, 200]
    assert client.get("/search").status_code == 429
