"""The two-step login: password, then a code, with nothing granted in between.

After a correct password for a user with a confirmed device (or one the ``MFA_REQUIRED``
rule obliges to enrol), :func:`handoff` does *not* log in. It cycles the session id and
stores a *pending* marker in the session: the user id, when the password was checked, a
HMAC of the password hash (so a password change voids it), the login name, the safe
``next`` and whether enrolment is required. ``request.user`` stays anonymous — the marker
lives under its own key, which :mod:`bastion.auth.middleware` never reads — so every other
page treats the visitor as logged out.

The marker expires after :data:`PENDING_TTL` seconds. :func:`complete` (called by the
verify and enrolment views after a valid code) drops it and calls
:func:`bastion.auth.login.login`, which cycles the session id again.

Failed codes are counted by :mod:`bastion.auth.lockout` under the *login name's* account
counter — the one failed passwords use — and the password step does not reset that counter
for MFA users (only :func:`complete` does), so restarting the login does not buy more
guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bastion.auth.lockout import lockout_for
from bastion.auth.login import login
from bastion.auth.mfa import totp
from bastion.auth.mfa.policy import must_enrol
from bastion.auth.middleware import (
    USER_SESSION_KEY,
    get_user_model,
    session_auth_hash,
    session_pk,
    verify_session_auth_hash,
)
from bastion.auth.models import AnonymousUser
from bastion.auth.redirects import auth_path
from bastion.http.response import RedirectResponse

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response

__all__ = [
    "PENDING_SESSION_KEY",
    "PENDING_TTL",
    "Pending",
    "begin",
    "clear",
    "complete",
    "handoff",
    "mfa_url",
    "pending",
]

PENDING_SESSION_KEY = "_mfa_pending"
PENDING_TTL = 5 * 60
"""Seconds between the password step and the code step before the login must restart."""
_FUTURE_SKEW = 60  # a marker stamped later than now (+ this) is not ours to trust
_DEFAULT_PATHS = {
    "mfa_verify": "/accounts/mfa/verify/",
    "mfa_setup": "/accounts/mfa/setup/",
    "passkey_verify": "/accounts/passkeys/verify/",
}


@dataclass(frozen=True, slots=True)
class Pending:
    """A live pending state: who typed a correct password, and what they must do next."""

    user: Any
    login_name: str
    enrol: bool
    next_url: str


def mfa_url(request: Request, name: str) -> str:
    """The path of the MFA route ``name`` (``auth:`` namespace first), else the default."""
    return auth_path(request, name) or request.root_path + _DEFAULT_PATHS[name]


def begin(request: Request, user: Any, *, login_name: str, enrol: bool, next_url: str) -> None:
    """Put ``request``'s session in the pending state for ``user`` (new session id)."""
    session = request.session
    if session.get(USER_SESSION_KEY) is not None:
        session.flush()  # whoever was logged in here is not any more
    else:
        session.cycle_key()
    session[PENDING_SESSION_KEY] = {
        "uid": session_pk(user),
        "at": totp.now(),
        "hash": session_auth_hash(user.password, request.settings.SECRET_KEY),
        "login": login_name,
        "enrol": enrol,
        "next": next_url,
    }
    request.user = AnonymousUser()  # type: ignore[attr-defined]


def clear(request: Request) -> None:
    """Drop the pending marker (if any)."""
    session = request.session
    if PENDING_SESSION_KEY in session:
        del session[PENDING_SESSION_KEY]


def pending(request: Request) -> Pending | None:
    """The live pending state of ``request``, or None (an expired or stale one is dropped).

    Stale means: older than :data:`PENDING_TTL`, stamped in the future, for a user who is
    gone or inactive, or whose password changed since the password step.
    """
    session = getattr(request, "session", None)
    data = session.get(PENDING_SESSION_KEY) if session is not None else None
    if not isinstance(data, dict):
        return None
    at, now = data.get("at"), totp.now()
    if (
        not isinstance(at, (int, float))
        or isinstance(at, bool)
        or now - at > PENDING_TTL
        or at > now + _FUTURE_SKEW
    ):
        clear(request)
        return None
    user = get_user_model().objects.filter(pk=data.get("uid")).first()
    settings = request.settings
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    if (
        user is None
        or not user.is_active
        or verify_session_auth_hash(data.get("hash"), user.password, keys) is None
    ):
        clear(request)
        return None
    return Pending(
        user=user,
        login_name=str(data.get("login") or ""),
        enrol=bool(data.get("enrol")),
        next_url=str(data.get("next") or ""),
    )


def complete(request: Request, state: Pending) -> None:
    """Finish the login of ``state``: forget failures, drop the marker, log in (new id)."""
    lockout_for(request).register_success(state.login_name)
    clear(request)
    login(request, state.user)


def handoff(request: Request, user: Any, *, login_name: str, next_url: str) -> Response | None:
    """After a correct password: the redirect to the second step, or None to log in now.

    None means the user has no device and the ``MFA_REQUIRED`` rule does not cover them.
    """
    if totp.has_mfa(user):
        begin(request, user, login_name=login_name, enrol=False, next_url=next_url)
        # The code page offers a passkey too; a user with only passkeys goes straight there.
        step = "mfa_verify" if totp.confirmed_device(user) is not None else "passkey_verify"
        return RedirectResponse(mfa_url(request, step), 303)
    if must_enrol(user, request.settings):
        begin(request, user, login_name=login_name, enrol=True, next_url=next_url)
        return RedirectResponse(mfa_url(request, "mfa_setup"), 303)
    return None
