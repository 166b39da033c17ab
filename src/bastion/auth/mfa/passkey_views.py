"""The passkey pages and ``passkey_routes``: list and register, the login's passkey step, removal.

* ``passkeys/`` — a logged-in user's passkeys, a button that registers one (the page's script,
  carrying the CSP nonce, calls ``navigator.credentials.create()``) and a removal form each;
* ``passkeys/register/begin/`` and ``.../finish/`` — JSON endpoints: the options, then the
  authenticator's response (``mfa.passkey_added``). A user without recovery codes is then
  sent to ``mfa/recovery-codes/``, which makes and shows their first set once
  (:func:`~bastion.auth.mfa.views.promise_codes`);
* these three registration routes also serve a visitor the ``MFA_REQUIRED`` rule holds at
  enrolment (the pending state with the *enrol* flag, for a user who still has no second
  factor): a passkey is the other way to enrol, and registering one completes the login;
* ``passkeys/verify/`` (+ ``begin/``, ``finish/``) — the second login step with a passkey, for
  a session in the pending state of :mod:`bastion.auth.mfa.flow`. A refused assertion counts
  toward the account lockout like a wrong TOTP code (``mfa.failed``); a valid one calls the
  same :func:`~bastion.auth.mfa.flow.complete` (new session id, counters reset). The page is
  sent with ``Permissions-Policy: publickey-credentials-get=(self)``: the site's default
  policy denies that feature, and a browser would refuse ``navigator.credentials.get()``;
* ``passkeys/<id>/delete/`` — removes one passkey after the password is typed again; a wrong
  password counts toward the lockout like a failed login.

The JSON endpoints are POSTs, so the CSRF middleware checks them like any form; they answer
JSON errors (never a redirect: 403 for a visitor who may not use them) so the page's script
can show them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bastion.auth.audit import audit
from bastion.auth.decorators import login_required
from bastion.auth.lockout import LockoutPolicy, lockout_for
from bastion.auth.mfa import flow, passkeys, recovery, totp
from bastion.auth.mfa.policy import must_enrol
from bastion.auth.mfa.views import (
    PasswordConfirmForm,
    confirm_password,
    promise_codes,
)
from bastion.auth.middleware import unwrap_user
from bastion.auth.models import WebAuthnCredential
from bastion.auth.redirects import auth_path, login_redirect_url, login_url, redirect_to_login
from bastion.http.exceptions import NotFound, TooManyRequests
from bastion.http.request import Request
from bastion.http.response import JSONResponse, RedirectResponse, Response
from bastion.routing import path
from bastion.security.headers import security_headers
from bastion.templating.response import render
from bastion.views import View

__all__ = [
    "PASSKEY_ERROR",
    "PasskeyDeleteView",
    "PasskeyListView",
    "PasskeyRegisterBeginView",
    "PasskeyRegisterFinishView",
    "PasskeyVerifyBeginView",
    "PasskeyVerifyFinishView",
    "PasskeyVerifyView",
    "passkey_routes",
]

PASSKEY_ERROR = "That passkey was not accepted. Try again, or use a code instead."
SIGN_IN_AGAIN = "Sign in again."
NO_STORE = {"Cache-Control": "no-store"}


def _logged_in(request: Request) -> Any:
    user = unwrap_user(getattr(request, "user", None))
    return user if getattr(user, "is_authenticated", False) else None


def _body(request: Request) -> dict[str, Any]:
    data = request.json()
    return data if isinstance(data, dict) else {}


def _options(text: str) -> Response:
    # options_to_json already produced JSON; send it as is (no-store: it holds a challenge).
    return Response(text.encode("utf-8"), 200, {**NO_STORE, "Content-Type": "application/json"})


def _registrant(request: Request) -> tuple[Any, flow.Pending | None] | None:
    """Who may register a passkey here, and the enrolment hold they are in (if any); else None.

    A logged-in user; or a visitor the ``MFA_REQUIRED`` rule holds at enrolment, as long as
    their account still has no second factor. A marker whose user has enrolled since (in
    another browser) is stale: honouring it would let whoever typed the password add a
    factor and log in past the one the owner set up.
    """
    user = _logged_in(request)
    if user is not None:
        return user, None
    state = flow.pending(request)
    if state is None or not state.enrol or totp.has_mfa(state.user):
        return None
    return state.user, state


def _refused() -> Response:
    return JSONResponse({"ok": False, "error": SIGN_IN_AGAIN}, 403)


class PasskeyListView(View):
    """The user's passkeys and the button that registers another (also to enrol, when held)."""

    template_name: ClassVar[str] = "auth/passkeys.html"

    def get(self, request: Request, **params: Any) -> Response:
        who = _registrant(request)
        if who is None:
            return RedirectResponse(redirect_to_login(request))
        user, state = who
        context = {
            "passkeys": passkeys.user_credentials(user),
            "enrolling": state is not None,
            "setup_url": auth_path(request, "mfa_setup"),
        }
        return render(request, self.template_name, context)


class PasskeyRegisterBeginView(View):
    """POST: the options for ``navigator.credentials.create()``."""

    def post(self, request: Request, **params: Any) -> Response:
        who = _registrant(request)
        if who is None:
            return _refused()
        return _options(passkeys.registration_options(request, who[0]))


class PasskeyRegisterFinishView(View):
    """POST ``{"credential": ..., "name": ...}``: verify and store the new passkey.

    The answer's ``redirect`` (when present) is where the page goes next: the first set of
    recovery codes for a user who has none, else, for a user held at enrolment (now logged
    in), their ``next``. Without it the page reloads its list.
    """

    def post(self, request: Request, **params: Any) -> Response:
        who = _registrant(request)
        if who is None:
            return _refused()
        user, state = who
        data = _body(request)
        name = data.get("name")
        created = passkeys.register(
            request, user, data.get("credential"), name=name if isinstance(name, str) else ""
        )
        if created is None:
            audit("mfa.passkey_refused", user=user, request=request, stage="register")
            return JSONResponse({"ok": False, "error": "The passkey was not registered."}, 400)
        audit("mfa.passkey_added", user=user, request=request, device=created.pk)
        answer: dict[str, Any] = {"ok": True, "id": created.pk, "name": created.name}
        if state is not None:
            next_url = state.next_url or login_redirect_url(request)
            flow.complete(request, state)  # enrolled: the hold ends, logged in with a new id
            answer["redirect"] = next_url
        else:
            next_url = _route(request, "passkeys", "/accounts/passkeys/")
        if not recovery.has_codes(user):
            promise_codes(request, user, next_url)  # after complete(): it keeps the data
            answer["redirect"] = _route(
                request, "mfa_recovery_codes", "/accounts/mfa/recovery-codes/"
            )
        return JSONResponse(answer)


def _verifying(request: Request) -> flow.Pending | None:
    state = flow.pending(request)
    return state if state is not None and not state.enrol else None


@security_headers(permissions_policy={"publickey-credentials-get": ("self",)})
class PasskeyVerifyView(View):
    """GET: the second-step page that asks the browser for a passkey.

    It alone lifts the site's default ``publickey-credentials-get=()``: without that a
    browser refuses the page's ``navigator.credentials.get()`` (found by the Chromium test).
    """

    template_name: ClassVar[str] = "auth/passkeys_verify.html"

    def get(self, request: Request, **params: Any) -> Response:
        if _verifying(request) is None:
            return RedirectResponse(login_url(request), 303)
        return render(request, self.template_name, {})


class PasskeyVerifyBeginView(View):
    """POST: the options for ``navigator.credentials.get()`` (the pending user's passkeys)."""

    def post(self, request: Request, **params: Any) -> Response:
        state = _verifying(request)
        if state is None:
            return _refused()
        return _options(passkeys.authentication_options(request, state.user))


class PasskeyVerifyFinishView(View):
    """POST ``{"credential": ...}``: the assertion; success logs in (as a TOTP code would)."""

    lockout_policy: LockoutPolicy | None = None
    """The thresholds (default ``AUTH_LOCKOUT``); give the login view's the same policy."""

    def post(self, request: Request, **params: Any) -> Response:
        lockout = lockout_for(request, self.lockout_policy)
        wait = lockout.client_retry_after(request)
        if wait is not None:
            raise TooManyRequests(wait, "Too many failed attempts from your network. Try later.")
        state = _verifying(request)
        if state is None:
            return _refused()
        locked = lockout.is_locked(state.login_name)
        credential = _body(request).get("credential")
        used = None if locked else passkeys.authenticate(request, state.user, credential)
        if used is None:
            just_locked = lockout.register_failure(request, state.login_name, account=not locked)
            audit("mfa.failed", user=state.user, request=request, stage="login", factor="passkey")
            if just_locked or locked:
                flow.clear(request)  # the login starts again, after the lock
            return JSONResponse({"ok": False, "error": PASSKEY_ERROR}, 400)
        flow.complete(request, state)
        return JSONResponse({"ok": True, "redirect": state.next_url or login_redirect_url(request)})


@login_required
class PasskeyDeleteView(View):
    """Remove one passkey after the password is typed again."""

    template_name: ClassVar[str] = "auth/passkeys_delete.html"

    @staticmethod
    def _passkey(user: Any, pk: Any) -> WebAuthnCredential:
        found: WebAuthnCredential | None = WebAuthnCredential.objects.filter(
            user=user, pk=pk
        ).first()
        if found is None:
            raise NotFound()  # another user's passkey is not there, as far as we tell
        return found

    def get(self, request: Request, pk: int, **params: Any) -> Response:
        passkey = self._passkey(_logged_in(request), pk)
        context = {"passkey": passkey, "form": PasswordConfirmForm()}
        return render(request, self.template_name, context)

    def post(self, request: Request, pk: int, **params: Any) -> Response:
        user = _logged_in(request)
        passkey = self._passkey(user, pk)
        ok, form, locked_out = confirm_password(
            request, user, failed_kind="mfa.passkey_remove_failed"
        )
        if locked_out is not None:
            return locked_out
        if not ok:
            context = {"passkey": passkey, "form": form}
            return render(request, self.template_name, context, status=400)
        login_name = str(getattr(user, user.USERNAME_FIELD))
        passkey.delete()
        audit("mfa.passkey_removed", user=user, request=request, device=pk)
        if must_enrol(user, request.settings):
            # The rule still covers this account and it has no factor left: enrol again.
            flow.begin(request, user, login_name=login_name, enrol=True, next_url="")
            return RedirectResponse(flow.mfa_url(request, "mfa_setup"), 303)
        return RedirectResponse(_route(request, "passkeys", "/accounts/passkeys/"), 303)


def _route(request: Request, name: str, default: str) -> str:
    """The path of the route ``name``, else ``default`` under the mount point."""
    return auth_path(request, name) or request.root_path + default


passkey_routes = [
    path("passkeys/", PasskeyListView.as_view(), name="passkeys"),
    path("passkeys/register/begin/", PasskeyRegisterBeginView.as_view(), name="passkey_begin"),
    path("passkeys/register/finish/", PasskeyRegisterFinishView.as_view(), name="passkey_finish"),
    path("passkeys/verify/", PasskeyVerifyView.as_view(), name="passkey_verify"),
    path("passkeys/verify/begin/", PasskeyVerifyBeginView.as_view(), name="passkey_verify_begin"),
    path(
        "passkeys/verify/finish/", PasskeyVerifyFinishView.as_view(), name="passkey_verify_finish"
    ),
    path("passkeys/<int:pk>/delete/", PasskeyDeleteView.as_view(), name="passkey_delete"),
]
"""The passkey routes, to mount beside ``mfa_routes`` (under ``accounts/``)."""
