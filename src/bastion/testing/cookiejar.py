"""The test client's cookie jar: what a browser would keep, and send back where.

Storage and sending follow RFC 6265 section 5.3 and 5.4 with the RFC 6265bis additions that
browsers ship: ``Secure`` cookies are neither set nor sent over ``http://``, the ``__Host-``
and ``__Secure-`` prefixes are enforced, and a cookie without ``Domain`` is host-only. A test
that passes here therefore relies on nothing a browser would refuse. Two simplifications,
both harmless in tests: there is no public-suffix list (a ``Domain`` without a dot is refused
unless it is the host itself), and ``SameSite`` is stored but not applied (every request of
the test client is same-site).
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from bastion.testing._setcookie import SetCookie, parse_set_cookie

__all__ = ["Cookie", "CookieJar", "check_cookie", "default_path", "domain_match", "path_match"]

_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_UNSENDABLE = re.compile(r"[\x00-\x1f\x7f;]")


@dataclass(frozen=True, slots=True)
class Cookie:
    """A cookie held by the jar, with what decides where it is sent."""

    name: str
    value: str
    domain: str
    """The host (host-only cookie) or domain (sent to its subdomains too), lower-cased."""
    path: str
    host_only: bool = True
    secure: bool = False
    httponly: bool = False
    samesite: str | None = None
    expires: float | None = None
    """UNIX time after which the cookie is gone; ``None`` for a session cookie."""
    created: int = field(default=0, repr=False, compare=False)
    """Order of creation, for the order in which cookies are sent."""

    def selected_by(self, name: str, domain: str | None, path: str | None) -> bool:
        """Whether this is cookie ``name`` (on ``domain`` and ``path``, when they are given)."""
        return self.name == name and domain in (None, self.domain) and path in (None, self.path)

    def matches(self, scheme: str, host: str, path: str) -> bool:
        """Whether a browser would send this cookie to ``scheme://host/path``."""
        if self.secure and scheme != "https":
            return False
        domain_ok = host == self.domain if self.host_only else domain_match(host, self.domain)
        return domain_ok and path_match(path, self.path)


class CookieJar:
    """Cookies kept across the test client's requests, keyed by name, domain and path.

    Args:
        clock: returns the current UNIX time; tests of expiry pass a fake one.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._cookies: dict[tuple[str, str, str], Cookie] = {}
        self._counter = 0

    def __repr__(self) -> str:
        return f"<CookieJar {[f'{c.name}@{c.domain}{c.path}' for c in self]}>"

    def __iter__(self) -> Iterator[Cookie]:
        """The live cookies, in the order a browser would send them."""
        self._expire()
        return iter(sorted(self._cookies.values(), key=_send_order))

    def __len__(self) -> int:
        self._expire()
        return len(self._cookies)

    def get(self, name: str, *, domain: str | None = None, path: str | None = None) -> str | None:
        """The value of the cookie ``name`` (the most specific one), or None."""
        for cookie in self:
            if cookie.selected_by(name, domain, path):
                return cookie.value
        return None

    def as_dict(self) -> dict[str, str]:
        """Name to value for every live cookie; where a name repeats, the one sent first wins."""
        result: dict[str, str] = {}
        for cookie in self:
            result.setdefault(cookie.name, cookie.value)
        return result

    def set(
        self,
        name: str,
        value: str,
        *,
        domain: str,
        host_only: bool = True,
        path: str = "/",
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        max_age: int | None = None,
    ) -> None:
        """Put a cookie in the jar as if a server had set it (for setting up a test).

        ``max_age`` of ``None`` makes a session cookie; ``<= 0`` deletes the cookie.

        Raises:
            ValueError: the name is not a token, the value holds ``;`` or a control
                character, the path does not start with ``/``, or a ``__Host-`` or
                ``__Secure-`` prefix rule is broken (the message says which).
        """
        check_cookie(name, value)
        if not path.startswith("/"):
            raise ValueError(f"Cookie {name!r}: the path must start with '/', got {path!r}.")
        problem = _prefix_problem(name, secure=secure, host_only=host_only, path=path)
        if problem:
            raise ValueError(f"Cookie {name!r}: {problem}")
        expires = None if max_age is None else self._expiry(max_age, None)
        self._store(
            Cookie(
                name, value, domain.lower(), path, host_only, secure, httponly, samesite, expires
            )
        )

    def delete(self, name: str, *, domain: str | None = None, path: str | None = None) -> None:
        """Remove every cookie called ``name`` (only on ``domain``/``path`` when given)."""
        for key, cookie in list(self._cookies.items()):
            if cookie.selected_by(name, domain, path):
                del self._cookies[key]

    def clear(self) -> None:
        """Forget every cookie."""
        self._cookies.clear()

    def extract(self, url: str, set_cookie_headers: Iterable[str]) -> list[SetCookie]:
        """Store the cookies that a response to ``url`` set; return those that parsed.

        A cookie that a browser would refuse (wrong domain, ``Secure`` over ``http``, prefix
        rules) is returned but not stored, so a test can still see what the server sent.
        """
        parts = urlsplit(url)
        scheme, host = parts.scheme, (parts.hostname or "").lower()
        parsed = [c for c in map(parse_set_cookie, set_cookie_headers) if c is not None]
        for set_cookie in parsed:
            cookie = self._accept(set_cookie, scheme, host, parts.path or "/")
            if cookie is not None:
                self._store(cookie)
        return parsed

    def cookies_for(self, url: str) -> list[Cookie]:
        """The cookies a browser would send to ``url``, in the order it would send them."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return [c for c in self if c.matches(parts.scheme, host, parts.path or "/")]

    def cookie_header(self, url: str) -> str | None:
        """The ``Cookie`` header a browser would send to ``url``, or None for no cookies."""
        pairs = [f"{c.name}={c.value}" for c in self.cookies_for(url)]
        return "; ".join(pairs) if pairs else None

    def _accept(self, set_cookie: SetCookie, scheme: str, host: str, path: str) -> Cookie | None:
        """The cookie to store for ``set_cookie`` received from ``host``, or None to refuse it."""
        if set_cookie.domain is None:
            domain, host_only = host, True
        elif domain_match(host, set_cookie.domain) and (
            set_cookie.domain == host or "." in set_cookie.domain
        ):
            domain, host_only = set_cookie.domain, False
        else:
            return None
        if set_cookie.secure and scheme != "https":
            return None
        cookie_path = set_cookie.path or default_path(path)
        if _prefix_problem(
            set_cookie.name,
            secure=set_cookie.secure,
            host_only=host_only,
            path=set_cookie.path,
        ):
            return None
        return Cookie(
            set_cookie.name,
            set_cookie.value,
            domain,
            cookie_path,
            host_only,
            set_cookie.secure,
            set_cookie.httponly,
            set_cookie.samesite,
            self._expiry(set_cookie.max_age, set_cookie.expires),
        )

    def _expiry(self, max_age: int | None, expires: datetime | None) -> float | None:
        """When a cookie dies: ``Max-Age`` wins over ``Expires``; neither means session."""
        if max_age is not None:
            return self._clock() + max_age if max_age > 0 else float("-inf")
        if expires is not None:
            return expires.timestamp()
        return None

    def _store(self, cookie: Cookie) -> None:
        """Add or replace a cookie; an already expired one deletes its namesake."""
        key = (cookie.name, cookie.domain, cookie.path)
        old = self._cookies.pop(key, None)
        if cookie.expires is not None and cookie.expires <= self._clock():
            return
        if old is not None:
            created = old.created
        else:
            self._counter += 1
            created = self._counter
        self._cookies[key] = Cookie(
            cookie.name,
            cookie.value,
            cookie.domain,
            cookie.path,
            cookie.host_only,
            cookie.secure,
            cookie.httponly,
            cookie.samesite,
            cookie.expires,
            created,
        )

    def _expire(self) -> None:
        now = self._clock()
        for key, cookie in list(self._cookies.items()):
            if cookie.expires is not None and cookie.expires <= now:
                del self._cookies[key]


def check_cookie(name: str, value: str) -> None:
    """Refuse a cookie that cannot go in a ``Cookie`` header as one ``name=value`` pair.

    Raises:
        ValueError: the name is not a token, or the value holds ``;`` or a control character.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"Cookie name {name!r} is not a valid token.")
    if _UNSENDABLE.search(value):
        raise ValueError(f"Cookie {name!r}: a value cannot hold ';' or control characters.")


def _send_order(cookie: Cookie) -> tuple[int, int]:
    # RFC 6265 section 5.4 step 2: longer paths first, then the older cookie first.
    return (-len(cookie.path), cookie.created)


def _prefix_problem(name: str, *, secure: bool, host_only: bool, path: str | None) -> str | None:
    """What breaks the ``__Host-``/``__Secure-`` rules (matched without regard to case)."""
    lowered = name.lower()
    if lowered.startswith("__host-") and not (secure and host_only and path == "/"):
        return "a __Host- cookie needs Secure, Path=/ and no Domain."
    if lowered.startswith("__secure-") and not secure:
        return "a __Secure- cookie needs Secure."
    return None


def domain_match(host: str, domain: str) -> bool:
    """RFC 6265 section 5.1.3: ``host`` is ``domain`` or a subdomain of it (not an IP)."""
    if host == domain:
        return True
    if not host.endswith("." + domain):
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


def default_path(request_path: str) -> str:
    """RFC 6265 section 5.1.4: the directory of the request path, for a cookie without Path."""
    if not request_path.startswith("/") or request_path.count("/") == 1:
        return "/"
    return request_path[: request_path.rindex("/")]


def path_match(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 section 5.1.4: ``request_path`` is ``cookie_path`` or below it."""
    if request_path == cookie_path:
        return True
    if not request_path.startswith(cookie_path):
        return False
    return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
