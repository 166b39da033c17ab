"""``MFA_REQUIRED``: who must have a second factor — nobody, staff, or everyone.

The setting is read with ``getattr`` (default ``"none"``). A user the rule covers who has no
confirmed device is, after a correct password, held in the pending state with the
*enrolment* flag (:mod:`bastion.auth.mfa.flow`): they are anonymous everywhere and can only
reach the enrolment pages — the authenticator app's, or the passkey registration page and its
two JSON endpoints — and they are logged in when they have confirmed a device or registered a
passkey. So an account covered by the rule cannot use the site without a second factor.

Staff means ``is_staff`` or ``is_superuser``: a superuser without the staff flag has more
power, not less.

Sessions logged in *before* the rule covered them (the rule was switched on, or a user was
made staff) are caught by :class:`MFAEnrolmentMiddleware`: every page but enrolment (the
app's or a passkey's, :data:`ENROLMENT_ROUTES`) and logout redirects to enrolment until a
device is confirmed or a passkey registered.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from bastion.auth.mfa.totp import has_mfa
from bastion.auth.middleware import unwrap_user
from bastion.auth.redirects import reverse_auth
from bastion.exceptions import ImproperlyConfigured
from bastion.http.response import RedirectResponse

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.types import Handler

__all__ = [
    "ENROLMENT_ROUTES",
    "MFA_MODES",
    "MFAEnrolmentMiddleware",
    "mfa_mode",
    "mfa_required_for",
    "must_enrol",
]

MFA_MODES: Final = ("none", "staff", "all")
ENROLMENT_ROUTES: Final = ("mfa_setup", "passkeys", "passkey_begin", "passkey_finish", "logout")
"""Route names a held user may reach (each also under the ``auth:`` namespace): the two ways
to enrol and logout. Removing a passkey, recovery codes and the rest stay out of reach."""


def mfa_mode(settings: Any) -> str:
    """``settings.MFA_REQUIRED``, checked; a typo must not silently mean "none"."""
    mode = getattr(settings, "MFA_REQUIRED", "none")
    if mode not in MFA_MODES:
        raise ImproperlyConfigured(
            f"MFA_REQUIRED must be one of {', '.join(MFA_MODES)}; got {mode!r}."
        )
    return str(mode)


def mfa_required_for(user: Any, settings: Any) -> bool:
    """Whether the rule says ``user`` must use a second factor."""
    mode = mfa_mode(settings)
    if mode == "all":
        return True
    if mode == "staff":
        return bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))
    return False


def must_enrol(user: Any, settings: Any) -> bool:
    """Whether ``user`` must enrol a device before using the site."""
    return mfa_required_for(user, settings) and not has_mfa(user)


class MFAEnrolmentMiddleware:
    """Send logged-in users the rule covers, and who have no device, to enrolment.

    Add it after :class:`~bastion.auth.middleware.AuthenticationMiddleware`. With
    ``MFA_REQUIRED = "none"`` it does nothing (and reads nothing). Otherwise each request of
    a logged-in user costs one query (does the user have a device?). The enrolment pages
    (:data:`ENROLMENT_ROUTES`: the app's, the passkey page and its JSON endpoints), logout
    and any path starting with one of ``exempt`` (static files...) stay reachable.

    Args:
        exempt: path prefixes (without the mount point) never redirected.
    """

    __slots__ = ("exempt",)

    def __init__(self, exempt: Iterable[str] = ()) -> None:
        self.exempt = tuple(exempt)

    def __repr__(self) -> str:
        return f"<MFAEnrolmentMiddleware exempt={self.exempt!r}>"

    def _allowed(self, request: Request) -> set[str]:
        found = (reverse_auth(request, route) for route in ENROLMENT_ROUTES)
        return {path for path in found if path is not None}

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        if mfa_mode(request.settings) == "none":
            return call_next(request)
        user = unwrap_user(getattr(request, "user", None))
        if not getattr(user, "is_authenticated", False) or not must_enrol(user, request.settings):
            return call_next(request)
        path = request.path
        if path in self._allowed(request) or any(path.startswith(p) for p in self.exempt):
            return call_next(request)
        from bastion.auth.mfa.flow import mfa_url

        return RedirectResponse(mfa_url(request, "mfa_setup"), 303)
