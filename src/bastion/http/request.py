"""The request: what the client sent, parsed lazily and within limits.

Sans-IO: a protocol adapter (:mod:`bastion.handlers.wsgi`) builds a ``Request`` from its
native input. Nothing here is parsed until a view asks for it, so a request that only reads
its path costs a handful of attribute assignments.
"""

from __future__ import annotations

import io
import ipaddress
import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

from bastion.exceptions import DisallowedHost
from bastion.http.body import BodyReader, parse_content_length, parse_content_type
from bastion.http.cookies import parse_cookie_header
from bastion.http.datastructures import MultiDict
from bastion.http.exceptions import BadRequest, HTTPException, UnsupportedMediaType
from bastion.http.forms import parse_urlencoded
from bastion.http.hosts import host_is_allowed, split_host
from bastion.http.lazy import lazy_property
from bastion.http.multipart import parse_multipart
from bastion.http.uploads import UploadedFile
from bastion.viewoptions import OPTIONS_ATTRIBUTE

if TYPE_CHECKING:
    from bastion.routing import Match
    from bastion.sessions import Session
    from bastion.settings import Settings

__all__ = ["Request"]

_JSON_TYPES = ("application/json",)


class Request:
    """An HTTP request, passed explicitly to every view and middleware.

    Attributes set by the framework as the request travels: ``route_name`` and
    ``path_params`` (by the router), ``state`` (a dict for middleware of the project).
    """

    csrf_token_factory: Callable[[], str] | None = None
    """Set by the CSRF middleware: returns a masked token for a form (``csrf_input()``)."""
    csp_nonce_factory: Callable[[], str] | None = None
    """Set by the CSP middleware: returns this response's nonce (``csp_nonce()``)."""
    session: Session
    """The session, set (lazily loaded) by the session middleware."""

    def __init__(
        self,
        *,
        settings: Settings,
        method: str = "GET",
        path: str = "/",
        headers: Mapping[str, str] | None = None,
        query_string: bytes = b"",
        body: BodyReader | None = None,
        scheme: str = "http",
        server: tuple[str, int] = ("localhost", 80),
        client_addr: str | None = None,
        root_path: str = "",
        app: Any = None,
    ) -> None:
        self.settings = settings
        self.method = method
        self.path = path
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.query_string = query_string
        self._body = body
        self.scheme = scheme
        self.server = server
        self.client_addr = client_addr
        self.root_path = root_path
        self.app = app
        self.match: Match | None = None
        self.routing_error: HTTPException | None = None
        self.route_name: str | None = None
        self.path_params: dict[str, Any] = {}
        self.state: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path!r}>"

    @property
    def view(self) -> Callable[..., Any] | None:
        """The view that will answer (known before the middleware runs), or None."""
        match = self.match
        return match.view if match is not None else None

    def view_option(self, name: str, default: Any = None) -> Any:
        """An option set on the answering view by a decorator (see :mod:`bastion.viewoptions`)."""
        match = self.match
        if match is None or match.view is None:
            return default
        options = getattr(match.view, OPTIONS_ATTRIBUTE, None)
        return default if options is None else options.get(name, default)

    # -- request line -------------------------------------------------------------------

    @lazy_property
    def query(self) -> MultiDict[str, str]:
        """The query string's parameters (``request.query.get("page")``)."""
        if not self.query_string:
            return MultiDict()
        return parse_urlencoded(self.query_string, max_fields=self.settings.HTTP.max_fields)

    @property
    def full_path(self) -> str:
        """Path plus query string, as the client sent them (for redirects back here)."""
        path = quote(self.root_path + self.path, safe="/:@!$&'()*+,;=-._~%")
        if self.query_string:
            return f"{path}?{self.query_string.decode('latin-1')}"
        return path

    # -- headers ---------------------------------------------------------------------------

    @lazy_property
    def cookies(self) -> dict[str, str]:
        """Cookies the client sent (malformed pairs are skipped, never an error)."""
        header = self.headers.get("cookie")
        return parse_cookie_header(header) if header else {}

    @lazy_property
    def content_type(self) -> tuple[str, dict[str, str]]:
        """The body's media type (lower-cased) and its parameters; ``("", {})`` when absent."""
        return parse_content_type(self.headers.get("content-type", ""))

    @lazy_property
    def content_length(self) -> int | None:
        """The declared body length, or None. A malformed value is a 400."""
        return parse_content_length(self.headers.get("content-length"))

    # -- peer and proxies ----------------------------------------------------------------

    @lazy_property
    def _from_trusted_proxy(self) -> bool:
        proxy = self.settings.PROXY
        if not proxy.enabled or not self.client_addr:
            return False
        return proxy.trusts(self.client_addr)

    def _forwarded(self, header: str) -> str | None:
        """The value a trusted proxy chain put in a ``X-Forwarded-*`` header, hop-counted."""
        raw = self.headers.get(header)
        if raw is None:
            return None
        values = [v.strip() for v in raw.split(",")]
        hops = self.settings.PROXY.trusted_hops
        return values[-hops] if len(values) >= hops else None

    @lazy_property
    def client_ip(self) -> str | None:
        """The client's address: the peer, or what trusted proxies say the client was."""
        if self._from_trusted_proxy and self.settings.PROXY.trust_forwarded_for:
            forwarded = self._forwarded("x-forwarded-for")
            if forwarded:
                try:
                    return str(ipaddress.ip_address(forwarded))
                except ValueError:
                    pass
        return self.client_addr

    @lazy_property
    def is_secure(self) -> bool:
        """Whether the client connected over HTTPS (through a trusted proxy, if configured)."""
        if not self.settings.PROXY.enabled:  # the common case: no proxy header is believed
            return self.scheme == "https"
        if self._from_trusted_proxy and self.settings.PROXY.trust_forwarded_proto:
            proto = self._forwarded("x-forwarded-proto")
            if proto is not None:
                return proto.lower() == "https"
        return self.scheme == "https"

    @lazy_property
    def host(self) -> str:
        """The validated ``host[:port]`` the client asked for.

        Raises:
            DisallowedHost: the host is malformed or not in ``ALLOWED_HOSTS``.
        """
        raw: str | None = None
        if self._from_trusted_proxy and self.settings.PROXY.trust_forwarded_host:
            raw = self._forwarded("x-forwarded-host")
        if raw is None:
            raw = self.headers.get("host")
        if raw is None:
            name, port = self.server
            default = 443 if self.scheme == "https" else 80
            raw = name if port == default else f"{name}:{port}"
        problem = _host_problem(raw, self.settings.allowed_hosts)
        if problem is not None:
            raise DisallowedHost(problem)
        return raw.lower()

    @property
    def origin(self) -> str:
        """``scheme://host`` of this request, from the validated host."""
        return f"{'https' if self.is_secure else 'http'}://{self.host}"

    def build_absolute_uri(self, location: str | None = None) -> str:
        """Make ``location`` (default: this request's path) absolute on the validated host.

        Links sent out of band (mail) must use ``SITE_URL`` instead: see the auth docs.
        """
        base = self.origin + self.full_path
        return base if location is None else urljoin(base, location)

    # -- body -----------------------------------------------------------------------------

    @lazy_property
    def _reader(self) -> BodyReader:
        if self._body is not None:
            return self._body
        return BodyReader(io.BytesIO().read, content_length=0, max_size=0)

    @property
    def stream(self) -> BodyReader:
        """The body as a size-limited stream, for views that process it in chunks."""
        return self._reader

    @lazy_property
    def body(self) -> bytes:
        """The whole body (up to ``HTTP.max_body_size``; 413 beyond it)."""
        return self._reader.read_all()

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            UnsupportedMediaType: the Content-Type is not JSON (a cross-site form cannot send
                JSON, so requiring it is also a CSRF defence).
            BadRequest: the body is not valid UTF-8 JSON.
        """
        media_type = self.content_type[0]
        if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
            raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
        try:
            return json.loads(self.body.decode("utf-8"), parse_constant=_refuse_constant)
        except UnicodeDecodeError:
            raise BadRequest("The JSON body is not valid UTF-8.") from None
        except (ValueError, RecursionError) as exc:
            raise BadRequest(f"The JSON body is malformed: {_json_error(exc)}") from None

    @lazy_property
    def _form_and_files(self) -> tuple[MultiDict[str, str], MultiDict[str, UploadedFile]]:
        media_type = self.content_type[0]
        http = self.settings.HTTP
        if media_type == "application/x-www-form-urlencoded":
            return parse_urlencoded(self.body, max_fields=http.max_fields), MultiDict()
        if media_type == "multipart/form-data":
            fields, files = parse_multipart(
                self._reader, self.headers.get("content-type", ""), http.multipart_limits
            )
            self._files = files
            return fields, files
        return MultiDict(), MultiDict()

    @property
    def form(self) -> MultiDict[str, str]:
        """Form fields of a urlencoded or multipart body (empty for other bodies)."""
        return self._form_and_files[0]

    @property
    def files(self) -> MultiDict[str, UploadedFile]:
        """Uploaded files of a multipart body; removed from disk when the request ends."""
        return self._form_and_files[1]

    def close(self) -> None:
        """Release what the request holds (uploaded temporary files). Idempotent."""
        files: MultiDict[str, UploadedFile] | None = self.__dict__.get("_files")
        if files:
            for _, upload in files.multi_items():
                upload.close()


@lru_cache(maxsize=512)
def _host_problem(raw: str, allowed: tuple[str, ...]) -> str | None:
    """Why ``raw`` is not an acceptable Host, or None. Cached: hosts repeat across requests."""
    parsed = split_host(raw)
    if parsed is None:
        return f"Invalid Host header {raw[:100]!r}."
    if not host_is_allowed(parsed[0], allowed):
        return f"Host {raw[:100]!r} is not allowed. Add {parsed[0]!r} to ALLOWED_HOSTS."
    return None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_error(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "it is nested too deeply."
    return f"{exc}."
