"""The MFA pages and ``mfa_routes``: enrolment, the second login step, recovery codes, removal.

* ``mfa/setup/`` — for a logged-in user, or one the ``MFA_REQUIRED`` rule holds at
  enrolment: shows the QR code (inline SVG from segno: no external image, nothing the CSP
  refuses) and the secret for typing in; one valid code activates the device, writes
  ``mfa.enrolled`` and shows ten recovery codes, once. The secret is never shown again.
  When the passkey pages are mounted (and ``SITE_URL`` names the relying party) it links to
  them too: a passkey is the other way to enrol.
* ``mfa/verify/`` — the second login step: a TOTP code or a recovery code; failures count
  toward the account lockout (``mfa.failed``); success logs in with a new session id.
* ``mfa/recovery-codes/`` — a new set of codes, shown once (the old set stops working). The
  first GET after a passkey was registered by a user without codes makes their first set
  (see :func:`promise_codes`).
* ``mfa/disable/`` — removes the device, every passkey and the codes after the password is
  typed again (``mfa.passkey_removed`` for each passkey, then ``mfa.removed``); a wrong
  password counts toward the lockout like a failed login.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final
from urllib.parse import urlsplit

import segno
from markupsafe import Markup

from bastion import forms
from bastion.auth.audit import audit
from bastion.auth.decorators import login_required
from bastion.auth.hashers import MAX_PASSWORD_BYTES
from bastion.auth.lockout import LockoutPolicy, lockout_for
from bastion.auth.login import logout
from bastion.auth.mfa import flow, passkeys, recovery, totp
from bastion.auth.mfa.policy import must_enrol
from bastion.auth.middleware import unwrap_user
from bastion.auth.models import RecoveryCode, TOTPDevice
from bastion.auth.redirects import auth_path, login_redirect_url, login_url, safe_next
from bastion.db.transaction import atomic
from bastion.exceptions import ImproperlyConfigured
from bastion.forms.widgets import PasswordInput, TextInput
from bastion.http.exceptions import TooManyRequests
from bastion.http.request import Request
from bastion.http.response import RedirectResponse, Response
from bastion.routing import path
from bastion.templating.response import render
from bastion.views import View

__all__ = [
    "CODES_DUE_SESSION_KEY",
    "CODE_ERROR",
    "CodeForm",
    "MFADisableView",
    "MFASetupView",
    "MFAVerifyView",
    "PasswordConfirmForm",
    "RecoveryCodesView",
    "mfa_routes",
    "promise_codes",
    "show_new_codes",
]

CODE_ERROR = "That code is not valid. Try the current code from your app, or a recovery code."
WRONG_CONFIRMATION = "That password is not correct."
NO_STORE = {"Cache-Control": "no-store"}
"""On pages showing a secret or recovery codes: no copy in a browser or proxy cache."""
CODES_DUE_SESSION_KEY: Final = "_mfa_codes_due"
"""Session key of the promise made by :func:`promise_codes` (a user id and a ``next``)."""


class CodeForm(forms.Form):
    """One code: six digits from the app, or a recovery code (``xxxxx-xxxxx``)."""

    code = forms.CharField(
        max_length=32,
        label="Code",
        widget=TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class PasswordConfirmForm(forms.Form):
    """The account's password, typed again before a sensitive change."""

    password = forms.PasswordField(
        max_length=MAX_PASSWORD_BYTES,
        widget=PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _logged_in(request: Request) -> Any:
    user = unwrap_user(getattr(request, "user", None))
    return user if getattr(user, "is_authenticated", False) else None


def _issuer(request: Request) -> str:
    return urlsplit(request.settings.SITE_URL).hostname or "Bastion"


def qr_svg(uri: str) -> Markup:
    """``uri`` as an inline SVG QR code (markup safe to put in the page as is)."""
    code = segno.make(uri, error="m")
    svg = code.svg_inline(scale=4, title="QR code for your authenticator app")
    # segno writes the markup itself and XML-escapes the URI (and title) it puts in it.
    return Markup(svg)  # noqa: S704  # nosec B704


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _passkeys_url(request: Request) -> str | None:
    """Where to register a passkey instead, when the site offers passkeys; else None."""
    url = auth_path(request, "passkeys")
    if url is None:
        return None
    try:
        passkeys.rp_id(request.settings)
    except ImproperlyConfigured:
        return None  # mounted but without SITE_URL: the page would fail, so do not offer it
    return url


def show_new_codes(
    request: Request,
    user: Any,
    next_url: str,
    template_name: str = "auth/mfa_recovery_codes.html",
) -> Response:
    """Make a new set of recovery codes for ``user`` (revoking any old set) and show it once.

    The one place a clear set leaves the server: the page is ``no-store`` and the codes are
    never stored but as hashes, so it cannot be shown again.
    """
    codes = recovery.generate_codes(user)
    context = {"codes": codes, "next": next_url}
    return render(request, template_name, context, headers=NO_STORE)


def promise_codes(request: Request, user: Any, next_url: str) -> None:
    """Have the next GET of ``mfa/recovery-codes/`` make and show ``user``'s first set.

    A passkey is registered by a JSON endpoint, which cannot show a page; the clear codes
    are not parked in the session meanwhile (they exist only in the response that shows
    them). The promise is a user id and a ``next``, is spent by the first GET that reads it,
    and is kept only if ``user`` then still has no codes at all, so it never revokes a set.
    """
    request.session[CODES_DUE_SESSION_KEY] = {"uid": str(user.pk), "next": next_url}


def _codes_promised(request: Request, user: Any) -> str | None:
    """The ``next`` of a promise made to ``user`` (spent now), or None if there is none."""
    session = request.session
    data = session.get(CODES_DUE_SESSION_KEY)
    if CODES_DUE_SESSION_KEY in session:
        del session[CODES_DUE_SESSION_KEY]
    if not isinstance(data, dict) or data.get("uid") != str(user.pk):
        return None
    return safe_next(data.get("next")) or login_redirect_url(request)


class MFASetupView(View):
    """Enrol an authenticator app; see the module docstring."""

    template_name: ClassVar[str] = "auth/mfa_setup.html"
    codes_template_name: ClassVar[str] = "auth/mfa_recovery_codes.html"

    def _who(self, request: Request) -> tuple[Any, flow.Pending | None] | None:
        user = _logged_in(request)
        if user is not None:
            return user, None
        state = flow.pending(request)
        if state is not None and state.enrol:
            return state.user, state
        return None

    @staticmethod
    def _set_up(user: Any, state: flow.Pending | None) -> bool:
        """Whether there is nothing to enrol: an app is already confirmed, or (for a user held
        at enrolment) the account has any factor, so the hold is stale and grants nothing.

        A logged-in user who has only passkeys may add an authenticator app beside them.
        """
        if state is not None:
            return totp.has_mfa(user)
        return totp.confirmed_device(user) is not None

    def _page(
        self,
        request: Request,
        user: Any,
        form: CodeForm,
        state: flow.Pending | None,
        status: int = 200,
    ) -> Response:
        if self._set_up(user, state):
            return render(request, self.template_name, {"enabled": True}, status=status)
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
        if device is None:
            device = totp.create_device(user, request.settings)
        secret = totp.device_secret(device, request.settings) or ""
        uri = totp.provisioning_uri(device, request.settings, str(user.email), _issuer(request))
        context = {
            "enabled": False,
            "form": form,
            "qr": qr_svg(uri),
            "secret": _grouped(secret),
            "passkeys_url": _passkeys_url(request),
        }
        return render(request, self.template_name, context, status=status, headers=NO_STORE)

    def get(self, request: Request, **params: Any) -> Response:
        who = self._who(request)
        if who is None:
            return RedirectResponse(login_url(request), 303)
        return self._page(request, who[0], CodeForm(), who[1])

    def post(self, request: Request, **params: Any) -> Response:
        who = self._who(request)
        if who is None:
            return RedirectResponse(login_url(request), 303)
        user, state = who
        if self._set_up(user, state):
            return self._page(request, user, CodeForm(), state, status=400)
        form = CodeForm(request.form)
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
        code = form.cleaned_data.get("code") if form.is_valid() else None
        if device is None or not totp.verify_code(device, code, request.settings):
            audit("mfa.failed", user=user, request=request, stage="enrol")
            if not form.errors:
                form.add_error("code", "That code is not valid. Type the code your app shows now.")
            return self._page(request, user, form, state, status=400)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit("mfa.enrolled", user=user, request=request, device=device.pk)
        next_url = login_redirect_url(request)
        if state is not None:
            next_url = state.next_url or next_url
            flow.complete(request, state)
        if recovery.has_codes(user):
            # A passkey came first and its codes are still good: keep them, don't revoke.
            return RedirectResponse(next_url, 303)
        return show_new_codes(request, user, next_url, self.codes_template_name)


class MFAVerifyView(View):
    """The second login step; see the module docstring and :mod:`bastion.auth.mfa.flow`."""

    template_name: ClassVar[str] = "auth/mfa_verify.html"
    lockout_policy: LockoutPolicy | None = None
    """The thresholds (default ``AUTH_LOCKOUT``); give the login view's the same policy."""

    def get(self, request: Request, **params: Any) -> Response:
        state = flow.pending(request)
        if state is None or state.enrol:
            return RedirectResponse(login_url(request), 303)
        return render(request, self.template_name, self._context(request, state, CodeForm()))

    @staticmethod
    def _context(request: Request, state: flow.Pending, form: CodeForm) -> dict[str, Any]:
        from bastion.auth.models import WebAuthnCredential

        has_passkey = WebAuthnCredential.objects.filter(user=state.user).exists()
        passkey_url = flow.mfa_url(request, "passkey_verify") if has_passkey else None
        return {"form": form, "passkey_url": passkey_url}

    def post(self, request: Request, **params: Any) -> Response:
        lockout = lockout_for(request, self.lockout_policy)
        wait = lockout.client_retry_after(request)
        if wait is not None:
            raise TooManyRequests(wait, "Too many failed attempts from your network. Try later.")
        state = flow.pending(request)
        if state is None or state.enrol:
            return RedirectResponse(login_url(request), 303)
        form = CodeForm(request.form)
        locked = lockout.is_locked(state.login_name)
        code = form.cleaned_data.get("code") if form.is_valid() else None
        method = self._check(request, state.user, code) if not locked else None
        if method is None:
            just_locked = lockout.register_failure(request, state.login_name, account=not locked)
            audit("mfa.failed", user=state.user, request=request, stage="login")
            if just_locked or locked:
                flow.clear(request)  # the login starts again, after the lock
            if not form.errors:
                form.add_error("code", CODE_ERROR)
            if flow.pending(request) is None:
                return render(request, self.template_name, {"form": form}, status=400)
            context = self._context(request, state, form)
            return render(request, self.template_name, context, status=400)
        if method == "recovery":
            audit("mfa.recovery_code_used", user=state.user, request=request)
        flow.complete(request, state)
        return RedirectResponse(state.next_url or login_redirect_url(request), 303)

    @staticmethod
    def _check(request: Request, user: Any, code: object) -> str | None:
        """``"totp"`` or ``"recovery"``: which kind of code ``code`` validly was; else None."""
        if recovery.looks_like_recovery_code(code):
            return "recovery" if recovery.use_code(user, code) else None
        device = totp.confirmed_device(user)
        if device is not None and totp.verify_code(device, code, request.settings):
            return "totp"
        return None


@login_required
class RecoveryCodesView(View):
    """Show how many codes are left (GET); make a new set and show it once (POST).

    A GET carrying the promise of :func:`promise_codes` (a passkey was just registered by a
    user without codes) makes and shows the first set instead, once.
    """

    template_name: ClassVar[str] = "auth/mfa_recovery_codes.html"

    def get(self, request: Request, **params: Any) -> Response:
        user = _logged_in(request)
        if not totp.has_mfa(user):
            return RedirectResponse(flow.mfa_url(request, "mfa_setup"), 303)
        next_url = _codes_promised(request, user)
        if next_url is not None and not recovery.has_codes(user):
            audit("mfa.recovery_codes_generated", user=user, request=request, first=True)
            return show_new_codes(request, user, next_url, self.template_name)
        context = {"codes": None, "remaining": recovery.remaining_codes(user)}
        return render(request, self.template_name, context)

    def post(self, request: Request, **params: Any) -> Response:
        user = _logged_in(request)
        if not totp.has_mfa(user):
            return RedirectResponse(flow.mfa_url(request, "mfa_setup"), 303)
        audit("mfa.recovery_codes_generated", user=user, request=request)
        return show_new_codes(request, user, login_redirect_url(request), self.template_name)


def confirm_password(
    request: Request, user: Any, *, failed_kind: str
) -> tuple[bool, PasswordConfirmForm, Response | None]:
    """Check the password typed again before removing a factor, under the login lockout.

    Returns ``(ok, form, locked_out)``: ``locked_out`` is the redirect to log in again when
    this failure locked the account (the session ends: whoever typed is not sure to be the
    owner); otherwise a failure is audited as ``failed_kind`` and the form carries the error.

    Raises:
        TooManyRequests: the client's network spent its failure budget.
    """
    lockout = lockout_for(request)
    wait = lockout.client_retry_after(request)
    if wait is not None:
        raise TooManyRequests(wait, "Too many failed attempts from your network. Try later.")
    form = PasswordConfirmForm(request.form)
    login_name = str(getattr(user, user.USERNAME_FIELD))
    locked = lockout.is_locked(login_name)
    if not locked and form.is_valid() and user.check_password(form.cleaned_data["password"]):
        return True, form, None
    if lockout.register_failure(request, login_name, account=not locked):
        logout(request)
        return False, form, RedirectResponse(login_url(request), 303)
    audit(failed_kind, user=user, request=request)
    if not form.errors:
        form.add_error("password", WRONG_CONFIRMATION)
    return False, form, None


@login_required
class MFADisableView(View):
    """Remove every second factor (device, passkeys, codes) after the password is typed again.

    All of them or none (one transaction): a passkey left behind would keep the second step
    on for an account whose owner was told it is off.
    """

    template_name: ClassVar[str] = "auth/mfa_disable.html"

    def get(self, request: Request, **params: Any) -> Response:
        enabled = totp.has_mfa(_logged_in(request))
        return render(
            request, self.template_name, {"form": PasswordConfirmForm(), "enabled": enabled}
        )

    def post(self, request: Request, **params: Any) -> Response:
        user = _logged_in(request)
        ok, form, locked_out = confirm_password(request, user, failed_kind="mfa.disable_failed")
        if locked_out is not None:
            return locked_out
        if not ok:
            context = {"form": form, "enabled": totp.has_mfa(user)}
            return render(request, self.template_name, context, status=400)
        login_name = str(getattr(user, user.USERNAME_FIELD))
        with atomic():
            TOTPDevice.objects.filter(user=user).delete()
            RecoveryCode.objects.filter(user=user).delete()
            removed = passkeys.user_credentials(user)
            for passkey in removed:
                pk = passkey.pk
                passkey.delete()
                audit("mfa.passkey_removed", user=user, request=request, device=pk)
            audit("mfa.removed", user=user, request=request)
        if must_enrol(user, request.settings):
            # The rule still covers this account: back to enrolment, logged out meanwhile.
            flow.begin(request, user, login_name=login_name, enrol=True, next_url="")
            return RedirectResponse(flow.mfa_url(request, "mfa_setup"), 303)
        return RedirectResponse(login_redirect_url(request), 303)


mfa_routes = [
    path("mfa/setup/", MFASetupView.as_view(), name="mfa_setup"),
    path("mfa/verify/", MFAVerifyView.as_view(), name="mfa_verify"),
    path("mfa/recovery-codes/", RecoveryCodesView.as_view(), name="mfa_recovery_codes"),
    path("mfa/disable/", MFADisableView.as_view(), name="mfa_disable"),
]
"""The MFA routes, to mount beside :data:`bastion.auth.urls.routes` (under ``accounts/``)."""
