"""Per-view security headers: the decorators, and the values the header middleware read.

A decorator stores one frozen value on the view (see :mod:`bastion.viewoptions`). The router
resolves the view before the middleware chain runs, so the header layers read that value on
the way in and build the headers it implies once, keyed by the value itself (hashed by
identity, ``eq=False``): a decorated view costs a dictionary lookup, not a rebuild.

Values are checked when the decorator runs (at import time), so a typo fails the start-up,
not a request. Every opt-out takes a ``reason=``, which keeps them greppable and explained.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from bastion.exceptions import ImproperlyConfigured
from bastion.viewoptions import get_view_options, set_view_option

if TYPE_CHECKING:
    from bastion.settings import SecurityConfig

__all__ = [
    "CSP_OPTION",
    "FRAME_OPTION",
    "HEADERS_OPTION",
    "CSPOptions",
    "Directives",
    "FrameOptions",
    "HeaderOptions",
    "check_site_policies",
    "csp_exempt",
    "csp_override",
    "csp_update",
    "security_headers",
    "site_header_pairs",
    "xframe_options_deny",
    "xframe_options_exempt",
    "xframe_options_sameorigin",
]

_V = TypeVar("_V", bound=Callable[..., Any])

FRAME_OPTION: Final = "xframe_options"
CSP_OPTION: Final = "csp"
HEADERS_OPTION: Final = "security_headers"

Directives = tuple[tuple[str, tuple[str, ...]], ...]
"""A CSP policy as ordered ``(directive, sources)`` pairs: hashable, so it can key a cache."""

REFERRER_POLICIES: Final = frozenset(
    {
        "no-referrer",
        "no-referrer-when-downgrade",
        "origin",
        "origin-when-cross-origin",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
    }
)
OPENER_POLICIES: Final = frozenset(
    {"same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"}
)
RESOURCE_POLICIES: Final = frozenset({"same-origin", "same-site", "cross-origin"})

_NAME = re.compile(r"[a-z][a-z0-9-]*")
_SOURCE = re.compile(r"[^\s;,'\"]+|'[^\s;,'\"]+'")
_ORIGIN = re.compile(r"https?://(?:\*\.)?[a-z0-9.-]+(?::[0-9]{1,5})?")
# Keywords that only mean something quoted: unquoted, `self` would allow a host named "self".
_KEYWORDS = frozenset(
    {
        "self",
        "none",
        "unsafe-inline",
        "unsafe-eval",
        "unsafe-hashes",
        "strict-dynamic",
        "report-sample",
        "wasm-unsafe-eval",
    }
)
_PERMISSION_KEYWORDS = {"self": "self", "'self'": "self", "src": "src", "'src'": "src"}


@dataclass(frozen=True, slots=True, eq=False)
class FrameOptions:
    """Who may frame one view: ``DENY``, ``SAMEORIGIN``, or ``EXEMPT`` (with its reason)."""

    mode: Literal["DENY", "SAMEORIGIN", "EXEMPT"]
    reason: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class CSPOptions:
    """One view's changes to the Content Security Policy."""

    replace: Directives | None = None
    """The enforced policy for this view instead of the site's (``csp_override``)."""
    add: Directives = ()
    """Sources added to the view's policies (``csp_update``)."""
    exempt: str | None = None
    """Why the view is sent no policy at all (``csp_exempt``), or None."""


@dataclass(frozen=True, slots=True, eq=False)
class HeaderOptions:
    """One view's header values over the site's; None keeps the site's, ``""`` omits."""

    referrer_policy: str | None = None
    cross_origin_opener_policy: str | None = None
    cross_origin_resource_policy: str | None = None
    permissions_policy: Directives | None = None
    """Features merged over ``SECURITY.permissions_policy`` (same shape as a policy)."""


# -- checking values -----------------------------------------------------------------------


def _sources(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ImproperlyConfigured(
            f"{where} must be a tuple of sources such as (\"'self'\",), got {value!r}."
        )
    return tuple(value)


def normalize_directives(directives: Mapping[str, Iterable[str]], *, what: str) -> Directives:
    """Check a CSP policy and return it as hashable pairs with lower-case directive names.

    Raises:
        ImproperlyConfigured: a name or source is malformed, a keyword is unquoted, a source
            is a fixed nonce, or sources were given as a string.
    """
    result: dict[str, tuple[str, ...]] = {}
    for raw_name, raw_sources in directives.items():
        name = raw_name.lower().replace("_", "-")
        where = f"{what}[{raw_name!r}]"
        if not _NAME.fullmatch(name):
            raise ImproperlyConfigured(f"{where}: {raw_name!r} is not a CSP directive name.")
        sources = _sources(raw_sources, where)
        for source in sources:
            _check_source(source, where)
        result[name] = sources
    return tuple(result.items())


def _check_source(source: object, where: str) -> None:
    if not isinstance(source, str) or not _SOURCE.fullmatch(source):
        raise ImproperlyConfigured(
            f"{where} has the source {source!r}, which cannot go in a policy (no spaces, "
            "';', ',' or stray quotes). Give sources as a tuple of strings."
        )
    if source.lower() in _KEYWORDS:
        raise ImproperlyConfigured(f"{where}: write the keyword quoted, \"'{source}'\".")
    if source.lower().startswith("'nonce-"):
        raise ImproperlyConfigured(
            f"{where} holds a fixed nonce; a nonce that never changes protects nothing. "
            "Call csp_nonce() in the template instead: a fresh one is added per response."
        )


def check_choice(value: str, allowed: frozenset[str], what: str, *, many: bool = False) -> str:
    """Return ``value`` if it is ``""`` or one of ``allowed`` (a comma list when ``many``).

    Raises:
        ImproperlyConfigured: the value is not one the header allows.
    """
    tokens = [t.strip() for t in value.split(",")] if many else [value]
    if value and not all(token in allowed for token in tokens):
        raise ImproperlyConfigured(
            f"{what} is {value!r}; use one of {sorted(allowed)}, or '' to omit the header."
        )
    return value


def format_permissions_policy(features: Mapping[str, Iterable[str]], *, what: str) -> str:
    """Serialise a ``Permissions-Policy`` value; ``{"camera": ()}`` gives ``camera=()``.

    Allow-list items are ``"self"``, ``"src"``, ``"*"`` or origins (``"https://a.example"``).

    Raises:
        ImproperlyConfigured: a feature name or an allow-list item is malformed.
    """
    members = []
    for feature, allow in features.items():
        where = f"{what}[{feature!r}]"
        if not _NAME.fullmatch(feature):
            raise ImproperlyConfigured(f"{where}: {feature!r} is not a feature name.")
        items = [_permission_item(item, where) for item in _sources(allow, where)]
        members.append(f"{feature}=*" if "*" in items else f"{feature}=({' '.join(items)})")
    return ", ".join(members)


def _permission_item(item: object, where: str) -> str:
    if isinstance(item, str):
        if item in _PERMISSION_KEYWORDS:
            return _PERMISSION_KEYWORDS[item]
        if item == "*" or _ORIGIN.fullmatch(item):
            return item if item == "*" else f'"{item}"'
    raise ImproperlyConfigured(
        f"{where} has {item!r}; allow lists hold 'self', 'src', '*' or origins such as "
        "'https://maps.example.com'."
    )


# -- decorators ----------------------------------------------------------------------------


def _frame(mode: Literal["DENY", "SAMEORIGIN", "EXEMPT"], reason: str = "") -> Callable[[_V], _V]:
    def decorate(view: _V) -> _V:
        set_view_option(view, FRAME_OPTION, FrameOptions(mode, reason))
        return view

    return decorate


def xframe_options_deny(view: _V) -> _V:
    """Let no page frame this view, where ``SECURITY.x_frame_options`` allows same-origin.

    Sends ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``.
    """
    return _frame("DENY")(view)


def xframe_options_sameorigin(view: _V) -> _V:
    """Let pages of this site (and only them) frame this view.

    Sends ``X-Frame-Options: SAMEORIGIN`` and CSP ``frame-ancestors 'self'``.

    Security: any page of the origin can now frame the view, so a page of the site that
    shows user-supplied HTML could overlay it. Prefer a dedicated, non-sensitive view.
    """
    return _frame("SAMEORIGIN")(view)


def xframe_options_exempt(view: None = None, /, *, reason: str = "") -> Callable[[_V], _V]:
    """Let any site frame this view: no ``X-Frame-Options`` and no CSP ``frame-ancestors``.

    For a widget meant to be embedded elsewhere. Headers the view sets itself are left alone.

    Security: a framed page can be overlaid by the framing site (clickjacking). Exempt only
    views that perform no action for a signed-in user.

    Raises:
        TypeError: used bare (``@xframe_options_exempt``) or without a non-blank ``reason``.
    """
    return _frame("EXEMPT", _reason("xframe_options_exempt", view, reason))


def _reason(name: str, view: object, reason: str) -> str:
    if view is not None or not reason or not reason.strip():
        raise TypeError(
            f"{name} needs a reason, so that every opt-out says why: write "
            f'@{name}(reason="embedded by partner sites"), not @{name}.'
        )
    return reason.strip()


def _update_csp(view: object, **changes: Any) -> None:
    current = get_view_options(view).get(CSP_OPTION) or CSPOptions()
    set_view_option(view, CSP_OPTION, replace(current, **changes))


def _no_frame_ancestors(policy: Directives, name: str) -> Directives:
    if any(directive == "frame-ancestors" for directive, _ in policy):
        raise ImproperlyConfigured(
            f"{name}() cannot set frame-ancestors: use xframe_options_sameorigin or "
            "xframe_options_exempt(reason=...), which keep X-Frame-Options in agreement."
        )
    return policy


def csp_override(directives: Mapping[str, Iterable[str]], /) -> Callable[[_V], _V]:
    """Send this view ``directives`` as its enforced policy instead of the site's.

    ``frame-ancestors`` still follows the clickjacking settings, the nonce is still added when
    the page asks for one, and ``csp_update`` sources still apply. The report-only policy is
    not changed. A ``Content-Security-Policy`` the view sets on its response is sent too
    (browsers enforce both), so the override is not needed to keep a view's own policy.

    Security: the view gets exactly this policy; leaving out ``object-src 'none'`` or
    ``base-uri 'none'`` loosens it. Start from ``bastion.settings.security.DEFAULT_CSP``.

    Raises:
        ImproperlyConfigured: the policy is malformed or sets ``frame-ancestors``.
    """
    policy = _no_frame_ancestors(
        normalize_directives(directives, what="csp_override()"), "csp_override"
    )

    def decorate(view: _V) -> _V:
        _update_csp(view, replace=policy)
        return view

    return decorate


def csp_update(
    directives: Mapping[str, Iterable[str]] | None = None, /, **sources: Iterable[str]
) -> Callable[[_V], _V]:
    """Add sources to this view's policies: ``@csp_update(img_src=("https://cdn.example",))``.

    Names may be given as keywords (``_`` for ``-``) or in a mapping. A fetch directive the
    policy lacks starts from what the browser would have used instead (``default-src``), so
    adding a source never lifts a restriction; with nothing to start from it is unrestricted
    and stays so. Any other directive the policy lacks is created with these sources. The
    report-only policy gets the sources too, so the trial does not report what the view is
    allowed to do.

    Security: every source added is trusted to run or load on the page; prefer exact origins
    to schemes (``https:``) or wildcards.

    Raises:
        ImproperlyConfigured: a source is malformed, or ``frame-ancestors`` is named.
    """
    merged = {**(directives or {}), **sources}
    added = _no_frame_ancestors(normalize_directives(merged, what="csp_update()"), "csp_update")

    def decorate(view: _V) -> _V:
        current = get_view_options(view).get(CSP_OPTION) or CSPOptions()
        _update_csp(view, add=current.add + added)
        return view

    return decorate


def csp_exempt(view: None = None, /, *, reason: str = "") -> Callable[[_V], _V]:
    """Send no Content Security Policy (enforced or report-only) with this view.

    ``X-Frame-Options`` is still sent, so the view stays protected from framing. A policy the
    view sets on its response itself goes out as it is.

    Security: without a policy an injected script runs, and the page may load anything.
    Exempt only views that render no user-supplied content (a legacy page being migrated).

    Raises:
        TypeError: used bare (``@csp_exempt``) or without a non-blank ``reason``.
    """
    why = _reason("csp_exempt", view, reason)

    def decorate(view: _V) -> _V:
        _update_csp(view, exempt=why)
        return view

    return decorate


def security_headers(
    *,
    referrer_policy: str | None = None,
    cross_origin_opener_policy: str | None = None,
    cross_origin_resource_policy: str | None = None,
    permissions_policy: Mapping[str, Iterable[str]] | None = None,
) -> Callable[[_V], _V]:
    """Send other values of the security headers with this view (None keeps the site's).

    ``""`` omits a header. ``permissions_policy`` is merged over the site's: name only the
    features the view needs, e.g. ``{"camera": ("self",)}``. HSTS and ``nosniff`` are the
    same for every response and cannot be changed per view.

    Security: ``cross_origin_resource_policy="cross-origin"`` lets any site embed the
    response, ``referrer_policy="unsafe-url"`` leaks full URLs to other sites, and every
    feature allowed in ``permissions_policy`` can be used by the page's scripts.

    Raises:
        ImproperlyConfigured: a value is not one the header allows.
    """
    checked = HeaderOptions(
        referrer_policy=None
        if referrer_policy is None
        else check_choice(referrer_policy, REFERRER_POLICIES, "referrer_policy", many=True),
        cross_origin_opener_policy=None
        if cross_origin_opener_policy is None
        else check_choice(
            cross_origin_opener_policy, OPENER_POLICIES, "cross_origin_opener_policy"
        ),
        cross_origin_resource_policy=None
        if cross_origin_resource_policy is None
        else check_choice(
            cross_origin_resource_policy, RESOURCE_POLICIES, "cross_origin_resource_policy"
        ),
        permissions_policy=None if permissions_policy is None else _features(permissions_policy),
    )

    def decorate(view: _V) -> _V:
        current: HeaderOptions | None = get_view_options(view).get(HEADERS_OPTION)
        if current is not None:
            changes = {
                name: getattr(checked, name)
                for name in checked.__dataclass_fields__
                if getattr(checked, name) is not None
            }
            set_view_option(view, HEADERS_OPTION, replace(current, **changes))
        else:
            set_view_option(view, HEADERS_OPTION, checked)
        return view

    return decorate


def _features(features: Mapping[str, Iterable[str]]) -> Directives:
    format_permissions_policy(features, what="permissions_policy")  # checks every item
    return tuple((name, tuple(allow)) for name, allow in features.items())


def check_site_policies(config: SecurityConfig) -> None:
    """Refuse a Referrer-Policy or Cross-Origin-* value its header does not allow.

    Raises:
        ImproperlyConfigured: the value and the allowed ones.
    """
    check_choice(config.referrer_policy, REFERRER_POLICIES, "SECURITY.referrer_policy", many=True)
    check_choice(
        config.cross_origin_opener_policy, OPENER_POLICIES, "SECURITY.cross_origin_opener_policy"
    )
    check_choice(
        config.cross_origin_resource_policy,
        RESOURCE_POLICIES,
        "SECURITY.cross_origin_resource_policy",
    )


def site_header_pairs(
    config: SecurityConfig, view: HeaderOptions | None = None
) -> list[tuple[str, str]]:
    """nosniff, Referrer-Policy, COOP, CORP and Permissions-Policy as the site sets them
    (``view``'s values over the site's); a header whose value is "" is left out. No HSTS."""
    view = view or HeaderOptions()
    features = dict(config.permissions_policy)
    features.update(view.permissions_policy or ())
    values = [
        ("X-Content-Type-Options", "nosniff" if config.content_type_nosniff else ""),
        ("Referrer-Policy", _pick(view.referrer_policy, config.referrer_policy)),
        (
            "Cross-Origin-Opener-Policy",
            _pick(view.cross_origin_opener_policy, config.cross_origin_opener_policy),
        ),
        (
            "Cross-Origin-Resource-Policy",
            _pick(view.cross_origin_resource_policy, config.cross_origin_resource_policy),
        ),
        (
            "Permissions-Policy",
            format_permissions_policy(features, what="SECURITY.permissions_policy"),
        ),
    ]
    return [(name, value) for name, value in values if value]


def _pick(mine: str | None, site: str) -> str:
    return site if mine is None else mine
