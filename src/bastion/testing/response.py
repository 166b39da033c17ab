"""What the test client returns: the answer as the client saw it, plus the view's own data.

The status, headers and body are the bytes that went through WSGI, so a test checks what a
browser would get. Beside them, the framework's :class:`~bastion.http.response.Response`
object is kept (the WSGI handler leaves it in ``environ["bastion.response"]``), so a test can
also look at the template and context a view rendered without parsing HTML.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bastion.http.response import Response
    from bastion.testing._setcookie import SetCookie
    from bastion.types import WSGIEnviron

__all__ = ["ResponseHeaders", "TestResponse"]


class ResponseHeaders(Mapping[str, str]):
    """Response headers as received: case-insensitive, in order, repeated names kept.

    ``headers[name]`` and ``headers.get(name)`` give the first value (as
    :class:`bastion.http.headers.Headers` does); :meth:`getlist` gives every one (for
    ``Set-Cookie``, ``Vary``...); :attr:`raw` is the list the application sent.
    """

    __slots__ = ("raw",)

    def __init__(self, raw: list[tuple[str, str]]) -> None:
        self.raw = raw

    def __getitem__(self, name: str) -> str:
        key = name.lower()
        for item_name, value in self.raw:
            if item_name.lower() == key:
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for name, _ in self.raw:
            if name.lower() not in seen:
                seen.add(name.lower())
                yield name

    def __len__(self) -> int:
        return len({name.lower() for name, _ in self.raw})

    def __repr__(self) -> str:
        return f"ResponseHeaders({self.raw!r})"

    def getlist(self, name: str) -> list[str]:
        """Every value of ``name``, in the order sent."""
        key = name.lower()
        return [value for item_name, value in self.raw if item_name.lower() == key]


class TestResponse:
    """One response received by :class:`~bastion.testing.Client`.

    Attributes:
        status_code: the status, e.g. ``200``.
        status: the whole status line, e.g. ``"200 OK"``.
        headers: the headers (:class:`ResponseHeaders`).
        content: the whole body (empty for ``HEAD``); also as :attr:`body`.
        cookies: the cookies this response set, by name, as parsed from ``Set-Cookie``
            (even those the client's jar refused to keep).
        url: the absolute URL requested (the last one, after redirects).
        redirect_chain: ``(url, status)`` of each redirect followed with ``follow=True``.
        request_environ: the WSGI environ the application was called with.
    """

    __test__ = False  # not a pytest test class, despite its name

    def __init__(
        self,
        *,
        status: str,
        headers: list[tuple[str, str]],
        content: bytes,
        url: str,
        request_environ: WSGIEnviron,
        cookies: dict[str, SetCookie],
    ) -> None:
        self.status = status
        self.status_code = int(status[:3])
        self.headers = ResponseHeaders(headers)
        self.content = content
        self.url = url
        self.request_environ = request_environ
        self.cookies = cookies
        self.redirect_chain: list[tuple[str, int]] = []

    def __repr__(self) -> str:
        return f"<TestResponse {self.status_code} {self.headers.get('Content-Type')!r}>"

    @property
    def body(self) -> bytes:
        """The body bytes (the same as :attr:`content`)."""
        return self.content

    @property
    def charset(self) -> str:
        """The ``charset`` of the ``Content-Type``, or ``utf-8``."""
        for param in self.headers.get("Content-Type", "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"')
        return "utf-8"

    @property
    def text(self) -> str:
        """The body decoded with :attr:`charset` (undecodable bytes become U+FFFD)."""
        try:
            return self.content.decode(self.charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            ValueError: the body is not JSON; the message shows the status, the type and
                the start of the body, which is usually an error page worth reading.
        """
        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise ValueError(
                f"The response body is not JSON ({self.status}, Content-Type "
                f"{self.headers.get('Content-Type')!r}): {self.text[:300]!r}"
            ) from exc

    @property
    def response(self) -> Response | None:
        """The framework's Response object the view (or error handler) produced.

        ``None`` when the application is not a Bastion application, which leaves no
        ``environ["bastion.response"]``.
        """
        response: Response | None = self.request_environ.get("bastion.response")
        return response

    @property
    def template_name(self) -> str | Sequence[str] | None:
        """The template name the view gave (a sequence if it gave candidates), or None.

        None when the response is not a template response
        (:class:`~bastion.templating.response.TemplateResponse`, what ``render()`` returns).
        """
        name = getattr(self.response, "template_name", None)
        return name if isinstance(name, str | Sequence) else None

    @property
    def context(self) -> Mapping[str, Any] | None:
        """The variables the template saw (``request`` included), or None if not a template."""
        context = getattr(self.response, "context", None)
        return context if isinstance(context, Mapping) else None
