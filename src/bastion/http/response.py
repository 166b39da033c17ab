"""Responses: what a view returns. Text, HTML, JSON, redirects and streams.

Bodies are bytes; headers are checked on every write (no CR/LF); cookies default to
``Secure; HttpOnly; SameSite=Lax``. Files and ranges live in :mod:`bastion.http.files`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any, ClassVar

from bastion.exceptions import DisallowedRedirect
from bastion.http.cookies import SameSite, format_set_cookie
from bastion.http.headers import Headers
from bastion.security.urls import redirect_host

__all__ = [
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
    "status_line",
]

_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def status_line(code: int) -> str:
    """``"200 OK"`` for 200; unknown codes get a bare number and a generic phrase."""
    line = _STATUS_LINES.get(code)
    return line if line is not None else f"{code} Unknown"


class Response:
    """A complete response held in memory. The default type is HTML in UTF-8.

    Args:
        content: the body; ``str`` is encoded with :attr:`charset`.
        status: the status code.
        headers: extra headers (checked: no CR, LF or NUL).
        content_type: overrides the class's default ``Content-Type``.
    """

    media_type: ClassVar[str] = "text/html"
    charset: ClassVar[str] = "utf-8"
    streaming: ClassVar[bool] = False
    accepts_ranges: bool = False
    """Whether :func:`~bastion.http.conditional.finalize_response` may narrow it to a Range."""

    def __init__(
        self,
        content: bytes | str = b"",
        status: int = 200,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        content_type: str | None = None,
    ) -> None:
        if not 100 <= status <= 999:
            raise ValueError(f"Invalid HTTP status code {status}.")
        self.status_code = status
        self.body = content.encode(self.charset) if isinstance(content, str) else content
        if content_type is None:
            self.headers = Headers._trusted("Content-Type", self._content_type)
            if headers:
                for name, value in headers.items() if isinstance(headers, Mapping) else headers:
                    self.headers[name] = value
        else:
            self.headers = Headers(headers)
            self.headers["Content-Type"] = content_type
        self.cookies: dict[str, str] = {}
        self._close_callbacks: list[Callable[[], object]] = []

    _content_type: ClassVar[str] = "text/html; charset=utf-8"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._content_type = cls.default_content_type()  # computed once per class

    @classmethod
    def default_content_type(cls) -> str:
        """``media_type`` with a charset for text types."""
        if cls.media_type.startswith("text/"):
            return f"{cls.media_type}; charset={cls.charset}"
        return cls.media_type

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status_code} {self.headers.get('Content-Type')!r}>"

    @property
    def text(self) -> str:
        """The body decoded with :attr:`charset` (for tests and debugging)."""
        return self.body.decode(self.charset, errors="replace")

    def iter_body(self) -> Iterable[bytes]:
        """The body as an iterable of byte chunks (one chunk for an in-memory response)."""
        return (self.body,)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        max_age: int | timedelta | None = None,
        expires: datetime | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool = True,
        httponly: bool = True,
        samesite: SameSite | None = "Lax",
        partitioned: bool = False,
    ) -> None:
        """Set a cookie. Secure, HttpOnly and SameSite=Lax unless you say otherwise.

        Security: ``httponly=False`` exposes the cookie to page scripts (and so to XSS);
        ``samesite=None`` sends it on cross-site requests.

        Raises:
            ValueError: the name or value cannot be sent safely (see
                :func:`bastion.http.cookies.format_set_cookie`).
        """
        self.cookies[key] = format_set_cookie(
            key,
            value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    def delete_cookie(
        self,
        key: str,
        *,
        path: str = "/",
        domain: str | None = None,
        secure: bool = True,
        samesite: SameSite | None = "Lax",
    ) -> None:
        """Tell the client to drop a cookie (same path and domain as when it was set)."""
        self.set_cookie(
            key,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            samesite=samesite,
        )

    def call_on_close(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the body has been sent (or the response is discarded)."""
        self._close_callbacks.append(callback)

    def close(self) -> None:
        """Run the close callbacks once; an adapter calls this after sending the body."""
        callbacks, self._close_callbacks = self._close_callbacks, []
        for callback in callbacks:
            callback()

    def header_items(self) -> list[tuple[str, str]]:
        """Every header to send, ``Set-Cookie`` lines included, as ``(name, value)`` pairs."""
        items = self.headers.items()
        for cookie in self.cookies.values():
            items.append(("Set-Cookie", cookie))
        return items


class HTMLResponse(Response):
    """An HTML page (the same as :class:`Response`, named for readability)."""


class PlainTextResponse(Response):
    """A ``text/plain`` response."""

    media_type = "text/plain"


class JSONResponse(Response):
    """Data serialised as compact JSON (``application/json``).

    Any JSON value is accepted, top-level arrays included: modern browsers do not leak them
    to other sites, and the response is never ``text/html``.
    """

    media_type = "application/json"

    def __init__(
        self,
        data: Any,
        status: int = 200,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        *,
        default: Callable[[Any], Any] | None = None,
    ) -> None:
        body = json.dumps(
            data, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=default
        ).encode("utf-8")
        super().__init__(body, status, headers)


class RedirectResponse(Response):
    """A redirect (302 by default; 301, 303, 307 and 308 allowed).

    Targets on another host are refused unless that host is passed in ``allowed_hosts`` or
    listed in ``ALLOWED_REDIRECT_HOSTS``; the handler compares absolute targets with the
    request's own validated host before sending. Non-HTTP schemes (``javascript:``,
    ``data:``) are always refused.

    Raises:
        DisallowedRedirect: the target's scheme is unsafe.
    """

    allowed_statuses: ClassVar[frozenset[int]] = frozenset({301, 302, 303, 307, 308})

    def __init__(
        self,
        url: str,
        status: int = 302,
        headers: Mapping[str, str] | None = None,
        *,
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        if status not in self.allowed_statuses:
            raise ValueError(f"A redirect status must be one of {sorted(self.allowed_statuses)}.")
        ok, host = redirect_host(url)
        if not ok:
            raise DisallowedRedirect(f"Refusing to redirect to {url[:100]!r}: unsafe URL.")
        super().__init__(b"", status, headers)
        self.headers["Location"] = url
        self.url = url
        self.target_host = host
        """The host the redirect leaves for, or None when it stays on this site."""
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)


class StreamingResponse(Response):
    """A body produced piece by piece (large exports, server-sent events).

    No ``Content-Length`` is sent; the iterable's ``close()``, if any, is called at the end.
    """

    streaming = True

    def __init__(
        self,
        content: Iterable[bytes | str] | AsyncIterable[bytes | str],
        status: int = 200,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        content_type: str | None = None,
    ) -> None:
        super().__init__(b"", status, headers, content_type)
        self.content = content

    def iter_body(self) -> Iterator[bytes]:
        """Yield the chunks as bytes (``str`` chunks are encoded)."""
        content = self.content
        if not isinstance(content, Iterable):
            raise TypeError("This adapter needs a synchronous iterable body.")
        try:
            for chunk in content:
                yield chunk.encode(self.charset) if isinstance(chunk, str) else chunk
        finally:
            close = getattr(content, "close", None)
            if close is not None:
                close()
