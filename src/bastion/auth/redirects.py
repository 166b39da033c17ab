"""Where login flows send people: a checked ``next=``, the login page, the landing page.

``next=`` comes from the query string or a form field, that is, from whoever wrote the link.
Only a same-site path is accepted (``/account/``, ``/search?q=x``): no scheme, no host, no
scheme-relative ``//host``, no backslash (browsers read ``/\\host`` as ``//host``), no
control characters — and the same again after percent-decoding (up to three times), so
``%2F%2Fevil.com`` and doubly-encoded forms are refused too. Anything else falls back to
the default, silently: the login itself must still work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from bastion.routing.router import NoReverseMatch
from bastion.security.urls import redirect_host

if TYPE_CHECKING:
    from bastion.http.request import Request

__all__ = [
    "DEFAULT_LOGIN_URL",
    "REDIRECT_FIELD",
    "auth_path",
    "login_redirect_url",
    "login_url",
    "logout_redirect_url",
    "redirect_to_login",
    "reverse_auth",
    "safe_next",
]

REDIRECT_FIELD = "next"
DEFAULT_LOGIN_URL = "/accounts/login/"
_MAX_NEXT = 2000
_DECODE_ROUNDS = 3


def _same_site_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return False
    ok, host = redirect_host(value)
    return ok and host is None


def safe_next(value: object) -> str | None:
    """``value`` when it is a safe same-site path to redirect to after login, else None."""
    if not isinstance(value, str) or not value or len(value) > _MAX_NEXT:
        return None
    candidate = value
    for _ in range(_DECODE_ROUNDS):
        if not _same_site_path(candidate):
            return None
        decoded = unquote(candidate)
        if decoded == candidate:
            return value
        candidate = decoded
    return None  # still encoded after three rounds: nobody's real link


def _setting(request: Request, name: str) -> str | None:
    value = getattr(request.settings, name, None)
    return value if isinstance(value, str) and value else None


def reverse_auth(request: Request, name: str, **params: str) -> str | None:
    """The path of the auth route ``name`` within the application, or None if not mounted.

    ``auth:<name>`` first (the routes as ``auth_app`` mounts them), then plain ``<name>`` (a
    project that includes ``bastion.auth.urls.routes`` itself, without the namespace).
    """
    app = request.app
    if app is None:
        return None
    for candidate in (f"auth:{name}", name):
        try:
            return str(app.reverse(candidate, **params))
        except NoReverseMatch:
            continue
    return None


def auth_path(request: Request, name: str, **params: str) -> str | None:
    """:func:`reverse_auth` under the mount point: what a link or redirect needs."""
    found = reverse_auth(request, name, **params)
    return None if found is None else request.root_path + found


def login_url(request: Request) -> str:
    """``LOGIN_URL`` if set, else the route named ``auth:login`` or ``login``, else the default."""
    configured = _setting(request, "LOGIN_URL")
    if configured is not None:
        return configured
    return auth_path(request, "login") or DEFAULT_LOGIN_URL


def login_redirect_url(request: Request) -> str:
    """Where a login without a usable ``next`` lands: ``LOGIN_REDIRECT_URL`` or ``/``."""
    return _setting(request, "LOGIN_REDIRECT_URL") or (request.root_path or "") + "/"


def logout_redirect_url(request: Request) -> str:
    """Where a logout lands: ``LOGOUT_REDIRECT_URL`` or ``/``."""
    return _setting(request, "LOGOUT_REDIRECT_URL") or (request.root_path or "") + "/"


def redirect_to_login(request: Request) -> str:
    """The login URL with ``next=`` set to the page ``request`` asked for."""
    base = login_url(request)
    target = request.full_path  # includes the mount point
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{REDIRECT_FIELD}={quote(target, safe='/')}"
