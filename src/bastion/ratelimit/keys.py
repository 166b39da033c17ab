"""Who a request is counted against: the client's address, the user, or a project's function.

Keys end up inside storage keys, so every part is made storage-safe here: short printable
ASCII is kept as it is (readable in ``redis-cli``), anything else is replaced by a digest.
That keeps Memcached's key rules, and stops a key such as ``"a/b"`` from posing as another
scope or limit (``/`` separates the parts of a ``limits`` key).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, TypeAlias, cast

from bastion.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from bastion.http.request import Request

__all__ = [
    "UNKNOWN_CLIENT",
    "KeyFunction",
    "KeySpec",
    "address_key",
    "check_key",
    "client_key",
    "key_component",
    "request_key",
    "user_key",
]

KeyFunction: TypeAlias = "Callable[[Request], str | None]"
"""A project's key: ``key(request) -> str``; None (or "") falls back to the client's address."""

KeySpec: TypeAlias = "Literal['ip', 'user'] | KeyFunction"
"""What the ``key=`` argument of :func:`~bastion.ratelimit.ratelimit` accepts."""

UNKNOWN_CLIENT = "unknown"
"""The address part of the key of a request without a client address (all such share one)."""

_SAFE = re.compile(r"[A-Za-z0-9_.:@+=-]{1,64}")
_HASHED = "h."
_IPV6_PREFIX = 64


def key_component(value: str) -> str:
    """``value`` made safe as one part of a storage key.

    Kept when it is 1 to 64 characters of ``A-Z a-z 0-9 _ . : @ + = -`` not starting with
    ``h.``; otherwise replaced by ``h.`` and 40 hex digits of its SHA-256, so a kept value
    can never look like a digest of another.
    """
    if _SAFE.fullmatch(value) and not value.startswith(_HASHED):
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{_HASHED}{digest[:40]}"


@lru_cache(maxsize=4096)
def _client_network(address: str) -> str:
    """The part of an address that one client controls: IPv4 as is, IPv6 by its /64.

    An IPv6 user is routinely given a whole /64, so counting single IPv6 addresses would
    let one client rotate through 2**64 of them.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an address (a unix socket path...); still one client
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        network = ipaddress.IPv6Network((ip, _IPV6_PREFIX), strict=False)
        return str(network.network_address)
    return str(ip)


def client_key(request: Request) -> str:
    """``ip:<address>`` from :attr:`Request.client_ip` (which honours only trusted proxies).

    IPv6 clients are counted by their /64 network. A request without a client address (a
    server that sets no ``REMOTE_ADDR``) is counted as ``ip:unknown``: such requests share one
    budget, which errs towards limiting too much rather than not at all.
    """
    address = request.client_ip
    return address_key(address) if address else f"ip:{UNKNOWN_CLIENT}"


def address_key(address: str) -> str:
    """``ip:<address>`` for a client address known another way (an admin's ``--client``)."""
    return f"ip:{_client_network(address)}"


def user_key(request: Request) -> str:
    """``user:<pk>`` for an authenticated ``request.user``, else :func:`client_key`."""
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        pk = getattr(user, "pk", None)
        if pk is not None:
            return f"user:{pk}"
    return client_key(request)


def request_key(request: Request, key: KeySpec) -> str:
    """The identity ``request`` is counted as under ``key``.

    A key function's value is prefixed with ``key:`` so that it can never share a counter
    with an address or a user. When it returns None or "" the request is counted by
    :func:`client_key` instead: a bug in a key function must not switch the limit off.

    Raises:
        TypeError: the key function returned something other than a string or None.
    """
    if key == "ip":
        return client_key(request)
    if key == "user":
        return user_key(request)
    value: object = key(request)
    if value is None or value == "":
        return client_key(request)
    if not isinstance(value, str):
        name = getattr(key, "__qualname__", repr(key))
        raise TypeError(f"The rate-limit key function {name} returned {value!r}; return a str.")
    return f"key:{value}"


def check_key(key: object) -> KeySpec:
    """``key`` if it is ``"ip"``, ``"user"`` or a callable.

    Raises:
        ImproperlyConfigured: it is anything else.
    """
    if key in ("ip", "user") or callable(key):
        return cast("KeySpec", key)
    raise ImproperlyConfigured(
        f"ratelimit(key={key!r}) is not a key: use 'ip', 'user' or a function key(request) -> str."
    )
