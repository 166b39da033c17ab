"""The in-process test client: requests through the application's real WSGI interface.

Nothing is mocked: each request becomes a PEP 3333 environ and goes through
``app(environ, start_response)``, so middleware, routing, body parsing, error pages and the
WSGI adapter all run exactly as under a server. The client behaves like a careful browser:
it keeps cookies by RFC 6265, follows redirects only when asked and never off the site, and
talks HTTPS to ``testserver`` by default so that ``Secure`` cookies and ``request.is_secure``
behave as in production.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, TypedDict, Unpack
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from bastion.exceptions import BastionError
from bastion.testing._encoding import FileSpec, FormData, QueryData, encode_body, encode_query
from bastion.testing._errors import server_errors
from bastion.testing._wsgi import build_environ, run_wsgi
from bastion.testing.cookiejar import CookieJar, check_cookie
from bastion.testing.response import TestResponse

if TYPE_CHECKING:
    from bastion.types import WSGIApp

__all__ = ["MAX_REDIRECTS", "Client", "RedirectError", "RequestOptions"]

MAX_REDIRECTS: Final = 10
"""The most redirects one ``follow=True`` request follows before giving up."""

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_METHOD = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# What a browser leaves alone in a path (and what Request.full_path keeps); "%" so that an
# already percent-encoded path is not encoded twice.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"
_SEND_EMPTY_LENGTH = frozenset({"POST", "PUT", "PATCH"})
_BODY_HEADERS = frozenset({"content-type", "content-length"})


class RedirectError(BastionError):
    """A redirect that ``follow=True`` will not follow: off the site, or too many hops."""


class RequestOptions(TypedDict, total=False):
    """The keyword arguments of :meth:`Client.request` and the verb methods."""

    query: QueryData | None
    """Query parameters, added after any query string already in ``path``."""
    data: FormData | None
    """Form fields: urlencoded, or multipart when ``files`` is given too."""
    json: Any
    """A value sent as an ``application/json`` body (``json=None`` sends ``null``)."""
    files: Mapping[str, FileSpec | list[FileSpec]] | None
    """Uploads by field name: a file, ``(filename, content[, content_type])``, or a list."""
    body: bytes | None
    """A raw body, sent as is, with ``content_type`` as its ``Content-Type``."""
    content_type: str | None
    """The body's ``Content-Type`` (overrides the one ``data`` or ``json`` implies)."""
    headers: Mapping[str, str] | None
    """Headers for this request, over the client's; a ``Cookie`` header replaces the jar's."""
    cookies: Mapping[str, str] | None
    """Cookies for this request only (they win over the jar's, and are not stored)."""
    follow: bool
    """Follow redirects (301/302/303 as ``GET`` without a body, 307/308 as they were)."""
    environ: Mapping[str, Any] | None
    """Extra WSGI environ keys, applied last (e.g. ``{"REMOTE_ADDR": "10.0.0.1"}``)."""


@dataclass(frozen=True, slots=True)
class _Call:
    """One request, as it is sent (again, for a redirect)."""

    method: str
    url: str
    body: bytes | None
    content_type: str | None
    headers: Mapping[str, str]
    cookies: Mapping[str, str]
    environ: Mapping[str, Any] | None

    def redirected(self, url: str, status: int) -> _Call:
        """The request a browser makes for a ``status`` redirect to ``url``."""
        if status in (307, 308) or self.method == "HEAD":
            return replace(self, url=url)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _BODY_HEADERS}
        return replace(self, method="GET", url=url, body=None, content_type=None, headers=headers)


class Client:
    """Send requests to a WSGI application in-process and get :class:`TestResponse` objects.

    Args:
        app: the application, usually a :class:`~bastion.Bastion`; any WSGI callable works.
        base_url: scheme, host and (optionally) port and mount point of the application.
            HTTPS by default, so that tests see production behaviour. Its path becomes
            ``SCRIPT_NAME``; request paths are relative to it.
        raise_server_exceptions: re-raise in the test an exception that the application
            turned into an error page (it logs those to ``bastion.request`` with their
            traceback), so a failing test shows the traceback instead of a bare 500. Pass
            ``False`` to test the error page itself.
        headers: headers sent with every request (a request's own ``headers`` win).
        fetch_metadata: send ``Sec-Fetch-Site: same-origin`` on every request, as a browser
            does on its own site, so the CSRF layer sees a same-origin form post. Pass
            ``False`` to act like an old browser or a non-browser client (then unsafe
            requests need the CSRF token), or override the header per request to forge a
            cross-site one.

    Raises:
        ValueError: ``base_url`` is not an ``http(s)://host[:port][/path]`` URL.
    """

    def __init__(
        self,
        app: WSGIApp,
        *,
        base_url: str = "https://testserver",
        raise_server_exceptions: bool = True,
        headers: Mapping[str, str] | None = None,
        fetch_metadata: bool = True,
    ) -> None:
        parts = urlsplit(base_url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.username is not None
            or parts.query
            or parts.fragment
        ):
            raise ValueError(
                f"base_url must look like 'https://testserver' or 'http://host:port/mount', "
                f"got {base_url!r}."
            )
        self.app = app
        self.base_url = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        self.raise_server_exceptions = raise_server_exceptions
        self.headers: dict[str, str] = dict(headers or {})
        self.fetch_metadata = fetch_metadata
        self.cookie_jar = CookieJar()
        self._host = parts.hostname.lower()
        self._root = quote(parts.path.rstrip("/"), safe=_PATH_SAFE)

    def __repr__(self) -> str:
        return f"<Client {self.base_url}>"

    # -- cookies ----------------------------------------------------------------------------

    @property
    def cookies(self) -> dict[str, str]:
        """A snapshot of the cookies held, name to value (see :attr:`cookie_jar` for more)."""
        return self.cookie_jar.as_dict()

    def set_cookie(
        self,
        name: str,
        value: str,
        *,
        domain: str | None = None,
        path: str = "/",
        secure: bool | None = None,
        httponly: bool = False,
        samesite: str | None = None,
        max_age: int | None = None,
    ) -> None:
        """Give the client a cookie, as if the application had set it.

        Args:
            name: the cookie's name.
            value: its value.
            domain: send it to this domain and its subdomains; by default it is host-only
                (sent to the base URL's host alone).
            path: send it to this path and below.
            secure: send it over HTTPS only; by default only for ``__Host-``/``__Secure-``
                names, which require it.
            httponly: recorded only (there are no scripts here).
            samesite: recorded only (every request of the client is same-site).
            max_age: lifetime in seconds; by default a session cookie.

        Raises:
            ValueError: the cookie could not be sent, or breaks a prefix rule.
        """
        if secure is None:
            secure = name.lower().startswith(("__host-", "__secure-"))
        self.cookie_jar.set(
            name,
            value,
            domain=self._host if domain is None else domain.removeprefix("."),
            host_only=domain is None,
            path=path,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            max_age=max_age,
        )

    def delete_cookie(
        self, name: str, *, domain: str | None = None, path: str | None = None
    ) -> None:
        """Forget the cookie ``name`` (on every domain and path unless narrowed)."""
        self.cookie_jar.delete(name, domain=domain, path=path)

    def clear_cookies(self) -> None:
        """Forget every cookie (a new browser session)."""
        self.cookie_jar.clear()

    # -- requests ---------------------------------------------------------------------------

    def get(self, path: str, /, **options: Unpack[RequestOptions]) -> TestResponse:
        """Send a ``GET`` request (no body: use ``query=``). See :meth:`request`."""
        return self.request("GET", path, **options)

    def head(self, path: str, /, **options: Unpack[RequestOptions]) -> TestResponse:
        """Send a ``HEAD`` request; the response body is always empty. See :meth:`request`."""
        return self.request("HEAD", path, **options)

    def post(self, path: str, /, **options: Unpack[RequestOptions]) -> TestResponse:
        """Send a ``POST`` request. See :meth:`request`."""
        return self.request("POST", path, **options)

    def put(self, path: str, /, **options: Unpack[RequestOptions]) -> TestResponse:
        """Send a ``PUT`` request. See :meth:`request`."""
        return self.request("PUT", path, **options)

    def patch(self, path: str, /, **options: Unpack[RequestOptions]) -> TestResponse:
        """Send a ``PATCH`` request. See :meth:`request`."""
        return self.request("PATCH", path, **options)

    def delete(self, path: str, /, **options: Unpack[RequestOptions]) -> TestResponse:
        """Send a ``DELETE`` request. See :meth:`request`."""
        return self.request("DELETE", path, **options)

    def options(self, path: str, /, **options: Unpack[RequestOptions]) -> TestResponse:
        """Send an ``OPTIONS`` request. See :meth:`request`."""
        return self.request("OPTIONS", path, **options)

    def request(self, method: str, path: str, /, **options: Unpack[RequestOptions]) -> TestResponse:
        """Send one request (and follow its redirects if ``follow=True``).

        Args:
            method: the HTTP method.
            path: a path below ``base_url`` (``"/items/?page=2"``), or an absolute URL on
                the same host.
            **options: see :class:`RequestOptions`.

        Returns:
            The response (the last one, with ``redirect_chain`` set, when following).

        Raises:
            TypeError: an unknown option, more than one body, a body on ``GET``/``HEAD``,
                or a value of the wrong type.
            ValueError: an invalid method, path or header.
            RedirectError: with ``follow=True``, a redirect off the site or too many.
            Exception: what the application raised, or with ``raise_server_exceptions``,
                what it logged as the cause of an error page.
        """
        unknown = set(options) - RequestOptions.__optional_keys__
        if unknown:
            raise TypeError(f"Unexpected request option(s): {', '.join(sorted(unknown))}.")
        method = method.upper()
        if not _METHOD.fullmatch(method):
            raise ValueError(f"Invalid HTTP method {method!r}.")
        url = self._request_url(path, options.get("query"))
        body, content_type = encode_body(method, options)
        call = _Call(
            method=method,
            url=url,
            body=body,
            content_type=content_type,
            headers=dict(options.get("headers") or {}),
            cookies=dict(options.get("cookies") or {}),
            environ=options.get("environ"),
        )
        response = self._send(call)
        if options.get("follow", False):
            response = self._follow(response, call)
        return response

    def _request_url(self, path: str, query: QueryData | None) -> str:
        parts = urlsplit(path)
        if parts.scheme or parts.netloc:
            url = self._absolute(urljoin(self.base_url, path))
            problem = self._off_site(url)
            if problem:
                raise ValueError(f"Cannot send a request to {path!r}: {problem}.")
        elif not path.startswith("/"):
            raise ValueError(
                f"The path {path!r} must start with '/' (it is relative to {self.base_url!r})."
            )
        else:
            base = urlsplit(self.base_url)
            url = self._absolute(
                urlunsplit((base.scheme, base.netloc, self._root + parts.path, parts.query, ""))
            )
        if query:
            url += ("&" if "?" in url else "?") + encode_query(query)
        return url

    @staticmethod
    def _absolute(url: str) -> str:
        """``url`` percent-encoded as a browser would send it, without its fragment."""
        parts = urlsplit(url)
        return urlunsplit(
            (
                parts.scheme.lower(),
                parts.netloc,
                quote(parts.path or "/", safe=_PATH_SAFE),
                quote(parts.query, safe=_QUERY_SAFE),
                "",
            )
        )

    def _off_site(self, url: str) -> str | None:
        """Why the client will not send a request to absolute ``url``, or None if it will."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"the scheme {parts.scheme!r} is not HTTP"
        if (parts.hostname or "").lower() != self._host:
            return (
                f"the host {parts.hostname!r} is not the application's ({self._host!r}); the "
                "client only talks to the application under test"
            )
        if self._root and not (parts.path == self._root or parts.path.startswith(self._root + "/")):
            return f"the path is outside the application's mount point {self._root!r}"
        return None

    def _follow(self, response: TestResponse, call: _Call) -> TestResponse:
        chain: list[tuple[str, int]] = []
        while response.status_code in _REDIRECT_STATUSES and "Location" in response.headers:
            target = self._absolute(urljoin(response.url, response.headers["Location"]))
            if len(chain) >= MAX_REDIRECTS:
                raise RedirectError(
                    f"Gave up after {MAX_REDIRECTS} redirects (a loop?): "
                    f"{[url for url, _ in chain]} then {target}."
                )
            problem = self._off_site(target)
            if problem:
                raise RedirectError(
                    f"Not following the {response.status_code} redirect from {response.url} "
                    f"to {target}: {problem}. Request with follow=False and assert on "
                    "response.headers['Location'] instead."
                )
            chain.append((target, response.status_code))
            call = call.redirected(target, response.status_code)
            response = self._send(call)
        response.redirect_chain = chain
        return response

    def _send(self, call: _Call) -> TestResponse:
        environ = build_environ(
            call.method,
            call.url,
            script_name=self._root,
            headers=self._headers(call).values(),
            body=call.body,
            extra=call.environ,
        )
        with server_errors(self.raise_server_exceptions) as errors:
            result = run_wsgi(self.app, environ)
        set_cookies = self.cookie_jar.extract(
            call.url, [v for k, v in result.headers if k.lower() == "set-cookie"]
        )
        response = TestResponse(
            status=result.status,
            headers=result.headers,
            content=b"" if call.method == "HEAD" else result.body,
            url=call.url,
            request_environ=environ,
            cookies={cookie.name: cookie for cookie in set_cookies},
        )
        if errors:
            error = errors[0]
            error.add_note(
                f"(Re-raised by the test client: the application answered {result.status} "
                f"to {call.method} {call.url}. Pass raise_server_exceptions=False to get "
                "the error response instead.)"
            )
            raise error
        return response

    def _headers(self, call: _Call) -> dict[str, tuple[str, str]]:
        """The request's headers, keyed by lower-cased name.

        Derived headers come first, then the client's, then the request's own; a later one
        replaces an earlier one of the same name (so a test can send any ``Host``).
        """
        headers: dict[str, tuple[str, str]] = {}

        def put(name: str, value: str) -> None:
            headers[name.lower()] = (name, value)

        put("Host", urlsplit(call.url).netloc)
        if self.fetch_metadata:
            put("Sec-Fetch-Site", "same-origin")
        if call.content_type is not None:
            put("Content-Type", call.content_type)
        if call.body is not None:
            put("Content-Length", str(len(call.body)))
        elif call.method in _SEND_EMPTY_LENGTH:
            put("Content-Length", "0")
        cookie = self._cookie_header(call)
        if cookie:
            put("Cookie", cookie)
        for name, value in (*self.headers.items(), *call.headers.items()):
            put(name, value)
        return headers

    def _cookie_header(self, call: _Call) -> str:
        for name, value in call.cookies.items():
            check_cookie(name, value)
        pairs = [f"{name}={value}" for name, value in call.cookies.items()]
        pairs += [
            f"{c.name}={c.value}"
            for c in self.cookie_jar.cookies_for(call.url)
            if c.name not in call.cookies
        ]
        return "; ".join(pairs)
