"""``LoginView`` and ``LogoutView``.

Login (POST) runs in this order, so each protection sees every attempt:

1. the client's throttle (:mod:`bastion.auth.lockout`): over budget → ``429`` with
   ``Retry-After``, before any password work;
2. :func:`~bastion.auth.login.authenticate` — also for a locked account, whose answer is then
   thrown away, so a lock costs the same time as a wrong password;
3. failure (unknown address, wrong password, inactive, locked): the failure is counted, an
   audit event ``login.failed`` written, and the form shown again with one message and one
   status (400) for all four cases;
4. success for a user with a second factor (or whom ``MFA_REQUIRED`` obliges to enrol):
   :func:`bastion.auth.mfa.flow.handoff` stores a pending marker and redirects to the code
   (or enrolment) page; nobody is logged in yet and the failure count stays;
5. success otherwise: the account's failures are forgotten,
   :func:`~bastion.auth.login.login` cycles the session id and the CSRF secret, and the
   browser is sent (303) to a safe ``next`` or the landing page.

Logout is POST only (a link or an ``<img>`` on another site must not log anyone out); the
CSRF layer checks the POST like any other. GET answers 405.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bastion.auth.audit import audit
from bastion.auth.forms import LOGIN_ERROR, LoginForm
from bastion.auth.lockout import LockoutPolicy, lockout_for
from bastion.auth.login import authenticate, login, logout
from bastion.auth.mfa.flow import handoff
from bastion.auth.redirects import (
    REDIRECT_FIELD,
    login_redirect_url,
    logout_redirect_url,
    safe_next,
)
from bastion.http.exceptions import TooManyRequests
from bastion.http.request import Request
from bastion.http.response import RedirectResponse, Response
from bastion.templating.response import render
from bastion.views import View

__all__ = ["LoginView", "LogoutView"]


class LoginView(View):
    """Show the login form (GET) and log in (POST); see the module docstring.

    Attributes:
        template_name: the page (context: ``form``, ``next``: a checked same-site path or "").
        form_class: the form (``email`` and ``password`` fields).
        lockout_policy: the thresholds (default: ``AUTH_LOCKOUT`` or ``LockoutPolicy()``);
            ``LoginView.as_view(lockout_policy=LockoutPolicy(max_failures=3))``.
    """

    template_name: ClassVar[str] = "auth/login.html"
    form_class: ClassVar[type[LoginForm]] = LoginForm
    lockout_policy: LockoutPolicy | None = None

    def get(self, request: Request, **params: Any) -> Response:
        next_url = safe_next(request.query.get(REDIRECT_FIELD)) or ""
        form = self.form_class()
        return self.render_form(request, form, next_url)

    def post(self, request: Request, **params: Any) -> Response:
        lockout = lockout_for(request, self.lockout_policy)
        wait = lockout.client_retry_after(request)
        if wait is not None:
            raise TooManyRequests(wait, "Too many failed logins from your network. Try later.")
        form = self.form_class(request.form)
        next_url = safe_next(request.form.get(REDIRECT_FIELD)) or ""
        if not form.is_valid():
            return self.render_form(request, form, next_url, status=400)
        email: str = form.cleaned_data["email"]
        password: str = form.cleaned_data["password"]
        locked = lockout.is_locked(email)
        # Verified even when locked (and the result dropped) so a lock takes the same time.
        user = authenticate(request, email, password)
        if locked or user is None:
            lockout.register_failure(request, email, account=not locked)
            audit("login.failed", request=request, email=email)
            form.add_error(None, LOGIN_ERROR)
            return self.render_form(request, form, next_url, status=400)
        # A user with a second factor (or who must enrol one) is not logged in yet, and
        # keeps the failure count: only the completed second step resets it.
        second_step = handoff(request, user, login_name=email, next_url=next_url)
        if second_step is not None:
            return second_step
        lockout.register_success(email)
        login(request, user)
        return RedirectResponse(next_url or login_redirect_url(request), 303)

    def render_form(
        self, request: Request, form: LoginForm, next_url: str, *, status: int = 200
    ) -> Response:
        context = {"form": form, "next": next_url}
        return render(request, self.template_name, context, status=status)


class LogoutView(View):
    """Log out on POST and redirect (303) to ``LOGOUT_REDIRECT_URL`` or ``/``; GET is 405."""

    def post(self, request: Request, **params: Any) -> Response:
        logout(request)
        return RedirectResponse(logout_redirect_url(request), 303)
