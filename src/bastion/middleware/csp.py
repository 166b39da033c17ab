"""Content Security Policy: a strict policy on every response, a nonce only when asked.

The policy comes from ``CSP.directives`` (strict by default). It is checked and serialised
once, at start-up, in two forms: the header as sent when no nonce is needed, and the same
header split where a nonce goes. A nonce is drawn only when a template calls ``csp_nonce()``
(or a view calls ``request.csp_nonce_factory()``), and is then the same for the rest of that
response, in the page and in ``script-src``/``style-src``. Decisions, written down:

* A nonce or hash is never added to a directive that allows ``'unsafe-inline'`` without
  ``'strict-dynamic'``: browsers ignore ``'unsafe-inline'`` once one is present, so adding
  it would break the inline code the project allowed on purpose.
* Adding sources to a fetch directive the policy lacks starts from the directive the browser
  would have used instead (``default-src``), so it never lifts a restriction.
* ``frame-ancestors`` follows ``SECURITY.x_frame_options`` and the clickjacking decorators
  (:func:`~bastion.middleware.clickjacking.frame_ancestors`), so it and ``X-Frame-Options``
  always agree.
* Violation reports are answered here (:func:`receive_report`), before the CSRF and rate
  limiting layers run: browsers send them without a CSRF token.
* A ``Content-Security-Policy`` the view set itself (``serve()``'s sandbox for uploads) is
  kept, and the site's policy (or the view's ``csp_override``) is added beside it. Browsers
  enforce every policy they receive, each one only taking away, so the view's own header
  can narrow what the page may do but never widen it. The layer's header goes first, so
  code that reads one value (the page cache's nonce check) sees the layer's. A value this
  layer made (a response object sent again, with or without its old nonce) is not taken
  for the view's. The report-only header stays the layer's alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from bastion.exceptions import ImproperlyConfigured
from bastion.handlers.errors import ERROR_PAGE_STYLE
from bastion.http.exceptions import HTTPException
from bastion.http.response import PlainTextResponse, Response
from bastion.middleware.clickjacking import agreeing_frame_ancestors, frame_ancestors
from bastion.middleware.security_headers import (
    HeaderSet,
    error_response,
    put_headers,
    view_options,
)
from bastion.security.headers import (
    CSP_OPTION,
    FRAME_OPTION,
    CSPOptions,
    Directives,
    FrameOptions,
    normalize_directives,
)

if TYPE_CHECKING:
    from bastion.http.headers import Headers
    from bastion.http.request import Request
    from bastion.settings import CSPConfig, Settings
    from bastion.types import Handler

__all__ = ["ERROR_PAGE_STYLE_SOURCE", "CSPMiddleware", "policy_sources", "receive_report"]

logger = logging.getLogger("bastion.security.csp")

ERROR_PAGE_STYLE_SOURCE: Final = (
    "'sha256-" + base64.b64encode(hashlib.sha256(ERROR_PAGE_STYLE.encode()).digest()).decode() + "'"
)
"""The ``style-src`` source that allows the built-in error pages' inline stylesheet."""

REPORT_GROUP: Final = "csp-endpoint"
_ENFORCED = "Content-Security-Policy"
_MANAGED = frozenset({"content-security-policy", "content-security-policy-report-only"})
_NONCE_SOURCE = " 'nonce-[A-Za-z0-9_-]+'"  # as _Compiled.with_nonce writes it
_MARK = "\x00"  # where the nonce goes; no header value can hold it, so splitting is exact
_CACHE_LIMIT = 256
_URL_SAFE = "/:@!$&'()*+=-._~%"  # no ';', ',', quotes or spaces: they end a CSP source
# Where a browser looks when a fetch directive is missing (CSP Level 3, section 6.8): these,
# and default-src for every other "*-src" directive.
_FALLBACK: Mapping[str, tuple[str, ...]] = {
    "default-src": (),
    "script-src-elem": ("script-src", "default-src"),
    "script-src-attr": ("script-src", "default-src"),
    "style-src-elem": ("style-src", "default-src"),
    "style-src-attr": ("style-src", "default-src"),
    "frame-src": ("child-src", "default-src"),
    "worker-src": ("child-src", "script-src", "default-src"),
}
_NONCE_TARGETS = ("script-src", "style-src")
_ELEMENT_TARGETS = ("script-src-elem", "style-src-elem")

Policy = dict[str, tuple[str, ...]]


def policy_sources(policy: Policy, name: str, extra: tuple[str, ...], *, inline: bool) -> None:
    """Add ``extra`` to directive ``name`` of ``policy`` (in place), the way a browser reads it.

    A missing fetch directive starts from its fallback (``default-src``); with no fallback
    it is unrestricted and stays so. Any other missing directive is created. ``'none'`` is
    dropped once something is allowed. With ``inline``, a directive that already allows
    ``'unsafe-inline'`` (without ``'strict-dynamic'``) is left alone.
    """
    current = policy.get(name)
    if current is None:
        if name.endswith("-src"):  # a fetch directive
            fallbacks = _FALLBACK.get(name, ("default-src",))
            current = next((policy[f] for f in fallbacks if f in policy), None)
            if current is None:
                return
        else:
            current = ()
    if inline and "'unsafe-inline'" in current and "'strict-dynamic'" not in current:
        return
    kept = tuple(source for source in current if source != "'none'")
    policy[name] = kept + tuple(source for source in extra if source not in kept)


def _is_html(response: Response) -> bool:
    return (response.headers.get("Content-Type") or "").startswith("text/html")


def _serialize(policy: Policy) -> str:
    return "; ".join(" ".join((name, *sources)) for name, sources in policy.items())


def _split_for_nonce(policy: Policy) -> tuple[str, ...]:
    marked = dict(policy)
    targets = _NONCE_TARGETS + tuple(t for t in _ELEMENT_TARGETS if t in policy)
    for target in targets:
        policy_sources(marked, target, (_MARK,), inline=True)
    return tuple(_serialize(marked).split(f" {_MARK}"))


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One view's CSP headers: as sent without a nonce, and split where a nonce goes."""

    plain: HeaderSet
    templates: tuple[tuple[str, tuple[str, ...]], ...]
    ours: re.Pattern[str] | None
    """Matches the enforced policy as this layer sends it, with any nonce or none."""

    def with_nonce(self, nonce: str) -> tuple[tuple[str, str], ...]:
        """The headers' values with ``nonce`` in place (only ``[A-Za-z0-9_-]``: safe)."""
        token = f" 'nonce-{nonce}'"
        return tuple([(name, token.join(parts)) for name, parts in self.templates])

    def views_own(self, headers: Headers) -> tuple[str, ...]:
        """The enforced policies in ``headers`` that this layer did not make."""
        ours = self.ours
        return tuple(
            value
            for value in headers.getlist(_ENFORCED)
            if ours is None or not ours.fullmatch(value)
        )


class _Nonce:
    """``request.csp_nonce_factory``: draws the nonce on the first call, then repeats it."""

    value: str | None = None  # a class default: no __init__ to run on every request

    def __call__(self) -> str:
        value = self.value
        if value is None:
            value = self.value = secrets.token_urlsafe(16)
        return value


class CSPMiddleware:
    """Send ``Content-Security-Policy`` (and ``-Report-Only``), answer violation reports.

    A ``Content-Security-Policy`` the view set itself is kept, after the layer's: the browser
    enforces both, so it can only narrow the page's rights (a sandbox for an upload).

    Args:
        settings: ``CSP`` and ``SECURITY.x_frame_options`` are read once, here.

    Raises:
        ImproperlyConfigured: a policy is malformed; its ``frame-ancestors`` disagrees with
            ``SECURITY.x_frame_options``; it names ``report-uri``/``report-to`` while
            ``CSP.report_path`` adds them; or ``max_report_size`` is not positive.
    """

    __slots__ = ("_cache", "_default", "_enforced", "_max_size", "_report_only", "_report_path")

    def __init__(self, settings: Settings) -> None:
        config = settings.CSP
        self._report_path = config.report_path
        if config.max_report_size < 1:
            raise ImproperlyConfigured("CSP.max_report_size must be a positive number of bytes.")
        self._max_size = config.max_report_size
        self._enforced: Policy | None = None
        if config.enabled:
            self._enforced = _site_policy(config, config.directives, "CSP.directives")
            mode = settings.SECURITY.x_frame_options.upper()
            ancestors = agreeing_frame_ancestors(self._enforced.get("frame-ancestors"), mode)
            self._enforced["frame-ancestors"] = ancestors
        self._report_only: Policy | None = None
        if config.report_only_directives is not None:
            self._report_only = _site_policy(
                config, config.report_only_directives, "CSP.report_only_directives"
            )
        self._default = self._compile(None, None, "")
        self._cache: dict[tuple[CSPOptions | None, FrameOptions | None, str], _Compiled | None]
        self._cache = {}

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        if request.path == self._report_path:
            return self._report(request)
        options, root = view_options(request), request.root_path
        compiled = self._default if options is None and not root else self._lookup(options, root)
        if compiled is None:
            return call_next(request)
        nonce = _Nonce()
        request.csp_nonce_factory = nonce
        try:
            response = call_next(request)
        except Exception as exc:
            response = error_response(request, exc)
        value = nonce.value
        if value is None and response.streaming and _is_html(response):
            value = nonce()  # a streamed page is rendered after its headers are sent
        pairs = None if value is None else compiled.with_nonce(value)
        headers = response.headers
        own = compiled.views_own(headers) if _ENFORCED in headers else ()
        put_headers(headers, compiled.plain, pairs)
        for policy in own:  # after the layer's: see the module docstring
            headers.add(_ENFORCED, policy)
        return response

    def _report(self, request: Request) -> Response:
        response = receive_report(request, self._max_size)
        if self._default is not None:
            put_headers(response.headers, self._default.plain)
        return response

    def _lookup(self, options: Mapping[str, Any] | None, root: str) -> _Compiled | None:
        csp: CSPOptions | None = options.get(CSP_OPTION) if options else None
        frame: FrameOptions | None = options.get(FRAME_OPTION) if options else None
        if csp is None and frame is None and not root:
            return self._default
        key = (csp, frame, root)
        if key in self._cache:
            return self._cache[key]
        compiled = self._compile(csp, frame, root)
        if len(self._cache) < _CACHE_LIMIT:  # entries: decorator values x mount points
            self._cache[key] = compiled
        return compiled

    def _compile(
        self, csp: CSPOptions | None, frame: FrameOptions | None, root: str
    ) -> _Compiled | None:
        """Build the headers for a view's options and mount point; None: send no policy."""
        csp = csp or CSPOptions()
        if csp.exempt is not None:
            return None
        report_uri = (
            None if self._report_path is None else quote(root, _URL_SAFE) + self._report_path
        )
        ancestors = None if frame is None else frame_ancestors(frame.mode)
        headers: list[tuple[str, Policy]] = []
        if self._enforced is not None:
            policy = self._enforced if csp.replace is None else dict(csp.replace)
            if frame is not None or csp.replace is not None:
                mine = ancestors if frame is not None else self._enforced["frame-ancestors"]
                policy = _with_ancestors(policy, mine)
            headers.append(("Content-Security-Policy", policy))
        if self._report_only is not None:
            policy = self._report_only
            if frame is not None and "frame-ancestors" in policy:
                policy = _with_ancestors(policy, ancestors)
            headers.append(("Content-Security-Policy-Report-Only", policy))
        if not headers:
            return None
        plain: list[tuple[str, str]] = []
        templates: list[tuple[str, tuple[str, ...]]] = []
        ours = None
        for name, base in headers:
            policy = _finish(base, csp.add, report_uri)
            plain.append((name, _serialize(policy)))
            templates.append((name, _split_for_nonce(policy)))
            if name == _ENFORCED:
                ours = _matcher(plain[-1][1], templates[-1][1])
        if report_uri is not None:
            endpoint = f'{REPORT_GROUP}="{report_uri}"'
            plain.append(("Reporting-Endpoints", endpoint))
            templates.append(("Reporting-Endpoints", (endpoint,)))
        return _Compiled(HeaderSet.build(plain, _MANAGED), tuple(templates), ours)


def _site_policy(config: CSPConfig, directives: Mapping[str, tuple[str, ...]], what: str) -> Policy:
    policy = dict(normalize_directives(directives, what=what))
    if config.report_path is not None and ("report-uri" in policy or "report-to" in policy):
        raise ImproperlyConfigured(
            f"{what} names report-uri or report-to, but CSP.report_path adds them (reports "
            "go to the built-in endpoint). Remove them, or set report_path=None to send "
            "reports elsewhere."
        )
    return policy


def _matcher(plain: str, parts: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern for ``plain`` and for every nonce-bearing value made from ``parts``."""
    with_nonce = _NONCE_SOURCE.join(re.escape(part) for part in parts)
    return re.compile(f"{re.escape(plain)}|{with_nonce}")


def _with_ancestors(policy: Policy, ancestors: tuple[str, ...] | None) -> Policy:
    policy = {name: sources for name, sources in policy.items() if name != "frame-ancestors"}
    if ancestors is not None:
        policy["frame-ancestors"] = ancestors
    return policy


def _finish(base: Policy, add: Directives, report_uri: str | None) -> Policy:
    """The policy with a view's added sources, the error-page style hash and the reporting."""
    policy = dict(base)
    for name, sources in add:
        policy_sources(policy, name, sources, inline=False)
    for target in ("style-src", *(t for t in ("style-src-elem",) if t in policy)):
        policy_sources(policy, target, (ERROR_PAGE_STYLE_SOURCE,), inline=True)
    if report_uri is not None:
        policy["report-uri"] = (report_uri,)
        policy["report-to"] = (REPORT_GROUP,)
    return policy


# -- violation reports -----------------------------------------------------------------------

_REPORT_TYPES = frozenset(
    {"application/csp-report", "application/reports+json", "application/json"}
)
_MAX_LOGGED = 20  # a reports+json batch can hold many; the rest are counted, not logged
_MAX_FIELD = 200


def receive_report(request: Request, max_size: int) -> Response:
    """Answer a violation report: log it and say ``204``, or refuse it with a reason.

    Accepted: ``POST`` of ``application/csp-report`` (CSP Level 2, ``report-uri``),
    ``application/reports+json`` (the Reporting API, ``report-to``) or ``application/json``.
    Other methods get 405, other types 415, a body over ``max_size`` 413 (without reading
    more than ``max_size + 1`` bytes), anything that is not such a report 400. Each
    violation is logged to ``bastion.security.csp`` with the document, the blocked URL and
    the directive: query strings dropped (they may hold tokens), control characters
    replaced, each field cut to 200 characters. Nothing of the request itself is logged
    (no cookies, no headers).
    """
    if request.method != "POST":
        return PlainTextResponse("Send CSP reports with POST.", 405, {"Allow": "POST"})
    try:
        if request.content_type[0] not in _REPORT_TYPES:
            return PlainTextResponse("Send a CSP report as application/csp-report.", 415)
        body = _read_at_most(request, max_size)
    except HTTPException as exc:
        return PlainTextResponse(exc.detail, exc.status_code)
    if body is None:
        return PlainTextResponse(f"A CSP report is at most {max_size} bytes.", 413)
    try:
        violations = _violations(json.loads(body))
    except (ValueError, RecursionError):
        violations = None
    if violations is None:
        return PlainTextResponse("The body is not a CSP violation report.", 400)
    for violation in violations[:_MAX_LOGGED]:
        document, blocked, directive, disposition = (_clean(v) for v in violation)
        logger.log(
            logging.INFO if disposition == "report" else logging.WARNING,
            "CSP violation (%s): %s blocked %s on %s",
            disposition,
            directive,
            blocked,
            document,
        )
    if len(violations) > _MAX_LOGGED:
        logger.warning(
            "%d more CSP violations in one report were not logged.", len(violations) - _MAX_LOGGED
        )
    return Response(b"", 204)


def _read_at_most(request: Request, limit: int) -> bytes | None:
    """The body, or None once it proves longer than ``limit`` (by length or by reading)."""
    length = request.content_length
    if length is not None and length > limit:
        return None
    stream, chunks, size = request.stream, [], 0
    while chunk := stream.read(limit + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
    return b"".join(chunks)


def _violations(data: object) -> list[tuple[object, ...]] | None:
    """(document, blocked, directive, disposition) of each violation; None: not a report."""
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        report = data["csp-report"]
        directive = report.get("effective-directive") or report.get("violated-directive")
        return [
            (
                report.get("document-uri"),
                report.get("blocked-uri"),
                directive,
                report.get("disposition"),
            )
        ]
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        fields = ("documentURL", "blockedURL", "effectiveDirective", "disposition")
        return [
            tuple(item["body"].get(f) for f in fields)
            for item in data
            if item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)
        ]
    return None


def _clean(value: object) -> str:
    """A report field fit for a log line: no query string, no control characters, short."""
    if value is None or value == "":
        return "-"
    if not isinstance(value, str | int | float):
        return f"<{type(value).__name__}>"
    text = str(value).split("?", 1)[0].split("#", 1)[0][:_MAX_FIELD]
    return "".join(ch if ch.isprintable() else "?" for ch in text)
