"""Password change and reset: ``PasswordChangeView``, ``PasswordResetView``, the confirmation.

**Change** (logged-in users): the old password is required (a borrowed or stolen session is
not enough to take the account over), wrong old passwords count toward the lockout like
failed logins, and the new one goes through the validators. The current session stays
logged in (:func:`~bastion.auth.login.update_session_auth_hash` gives it the new hash and a
new id); every other session of the user ends, because its stored hash no longer matches.

**Reset request**: one email field. Every valid request ends in the same ``303`` to the same
"done" page, with the same headers and about the same work, whether or not the address has
an account: for an unknown address a token is still signed and the mail still rendered,
just not sent. The link in the mail is built from ``SITE_URL``, never from the request's
``Host`` or ``X-Forwarded-Host`` (an attacker could otherwise get a victim's link pointing
at their own site). Without ``SITE_URL`` a reset request fails closed: an error is logged
and the request answers 500, whatever the address, rather than guess the site's address.

**Reset confirmation** (``reset/<uidb64>/<token>/``): the token (:mod:`bastion.auth.tokens`)
must be valid for the account; otherwise the "invalid or expired link" page answers 400, for
GET and POST alike. A valid POST sets the new password, which ends every session of the user
and makes the token worthless, and does **not** log anyone in: the user logs in next, through
the normal login (and MFA, when enrolled). The token in the address leaks neither to other
sites (the framework's ``Referrer-Policy: same-origin``, and the pages' own ``<meta
name="referrer" content="no-referrer">``) nor into caches (``Cache-Control: no-store``).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from bastion.auth.audit import audit
from bastion.auth.decorators import login_required
from bastion.auth.hashers import make_unusable_password
from bastion.auth.lockout import LockoutPolicy, lockout_for
from bastion.auth.login import update_session_auth_hash
from bastion.auth.middleware import get_user_model, unwrap_user
from bastion.auth.password_forms import (
    WRONG_OLD_ERROR,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from bastion.auth.redirects import auth_path, reverse_auth
from bastion.auth.tokens import PasswordResetTokenGenerator, uid_decode, uid_encode
from bastion.db import atomic
from bastion.db.models.fields.scalars import IntegerField
from bastion.exceptions import ImproperlyConfigured, ValidationError
from bastion.http.exceptions import TooManyRequests
from bastion.http.request import Request
from bastion.http.response import RedirectResponse, Response
from bastion.mail import EmailMessage
from bastion.ratelimit import ratelimit
from bastion.routing import path
from bastion.templating.response import render
from bastion.views import View

__all__ = [
    "PasswordChangeDoneView",
    "PasswordChangeView",
    "PasswordResetCompleteView",
    "PasswordResetConfirmView",
    "PasswordResetDoneView",
    "PasswordResetView",
    "password_routes",
]

logger = logging.getLogger("bastion.auth.password")

_ESCAPED = "&<>\"'"  # what template escaping changes; a link in a text mail must have none
_PRIVATE_HEADERS = {"Cache-Control": "no-store"}  # the token is in the address


def _sibling(request: Request, suffix: str) -> str:
    """``suffix`` next to the current page (``reset/`` → ``reset/done/``)."""
    return (request.root_path + request.path).rstrip("/") + "/" + suffix


@login_required
class PasswordChangeView(View):
    """Change the logged-in user's password (see the module docstring).

    Attributes:
        template_name: the form page (context: ``form``).
        lockout_policy: thresholds for wrong old passwords (default: ``AUTH_LOCKOUT``).
    """

    template_name: ClassVar[str] = "auth/password_change_form.html"
    form_class: ClassVar[type[PasswordChangeForm]] = PasswordChangeForm
    lockout_policy: LockoutPolicy | None = None

    def get(self, request: Request, **params: Any) -> Response:
        user = unwrap_user(request.user)  # type: ignore[attr-defined]
        return self.render_form(request, self.form_class(user=user))

    def post(self, request: Request, **params: Any) -> Response:
        user = unwrap_user(request.user)  # type: ignore[attr-defined]
        lockout = lockout_for(request, self.lockout_policy)
        wait = lockout.client_retry_after(request)
        if wait is not None:
            raise TooManyRequests(wait, "Too many wrong passwords from your network. Try later.")
        form = self.form_class(request.form, user=user)
        if not form.is_valid():
            return self.render_form(request, form, status=400)
        email = user.get_username()
        locked = lockout.is_locked(email)
        # Verified even when locked (and the result dropped), as the login view does.
        if not user.check_password(form.cleaned_data["old_password"]) or locked:
            lockout.register_failure(request, email, account=not locked)
            audit("password.change_failed", user=user, request=request)
            form.add_error("old_password", WRONG_OLD_ERROR)
            return self.render_form(request, form, status=400)
        lockout.register_success(email)
        user.set_password(form.cleaned_data["new_password1"])
        user.save(update_fields=["password"])
        update_session_auth_hash(request, user)  # this session stays; the others end
        audit("password.changed", user=user, request=request)
        done = auth_path(request, "password_change_done") or _sibling(request, "done/")
        return RedirectResponse(done, 303)

    def render_form(
        self, request: Request, form: PasswordChangeForm, *, status: int = 200
    ) -> Response:
        return render(request, self.template_name, {"form": form}, status=status)


@login_required
class PasswordChangeDoneView(View):
    """The page a successful change lands on."""

    template_name: ClassVar[str] = "auth/password_change_done.html"

    def get(self, request: Request, **params: Any) -> Response:
        return render(request, self.template_name, {})


# Each request may mail someone: a per-client budget stops flooding an inbox with reset mail.
# Counted by the client address only, so the answer is the same whether the address exists.
@ratelimit("5/minute; 20/hour", key="ip", methods=["POST"], scope="auth.password_reset")
class PasswordResetView(View):
    """Ask for a reset link by mail (see the module docstring).

    Attributes:
        template_name: the form page (context: ``form``).
        subject: the mail's subject.
        email_template_name: the mail's text body (context: ``link``, ``timeout_minutes``).
        html_email_template_name: the mail's HTML body, or None for text only.
    """

    template_name: ClassVar[str] = "auth/password_reset_form.html"
    form_class: ClassVar[type[PasswordResetForm]] = PasswordResetForm
    subject: ClassVar[str] = "Reset your password"
    email_template_name: ClassVar[str] = "auth/password_reset_email.txt"
    html_email_template_name: ClassVar[str | None] = "auth/password_reset_email.html"

    def get(self, request: Request, **params: Any) -> Response:
        return render(request, self.template_name, {"form": self.form_class()})

    def post(self, request: Request, **params: Any) -> Response:
        site_url = self.site_url(request)  # before anything else: no difference by address
        # Read who is asking on every path so every answer has the same ``Vary: Cookie``.
        unwrap_user(getattr(request, "user", None))
        form = self.form_class(request.form)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        email: str = form.cleaned_data["email"]
        user = self.find_user(email)
        tokens = PasswordResetTokenGenerator.from_settings(request.settings)
        target = user if user is not None else _dummy_user(email)
        # The same signing and rendering for both; only a real account's mail is sent.
        link = site_url + _confirm_path(request, uid_encode(target.pk), tokens.make_token(target))
        message = self.build_message(request, target, link, tokens.timeout)
        if user is not None:
            request.app.mailer.send([message])
        audit("password.reset_requested", user=user, request=request, known=user is not None)
        done = auth_path(request, "password_reset_done") or _sibling(request, "done/")
        return RedirectResponse(done, 303)

    def site_url(self, request: Request) -> str:
        """``SITE_URL`` without its trailing slash; refuses (500) when it is not set."""
        site_url = str(getattr(request.settings, "SITE_URL", "") or "").rstrip("/")
        if not site_url:
            logger.error("Password reset refused: SITE_URL is not set.")
            raise ImproperlyConfigured(
                "Password reset needs SITE_URL (the site's public base URL, such as "
                "https://example.com): the link in the mail is built from it, never from the "
                "request's Host header, which a client chooses."
            )
        if any(char in site_url for char in _ESCAPED):
            logger.error("Password reset refused: SITE_URL holds one of %s.", _ESCAPED)
            raise ImproperlyConfigured(f"SITE_URL must not contain any of {_ESCAPED}.")
        return site_url

    def find_user(self, email: str) -> Any:
        """The active account with a usable password at ``email``, or None."""
        model = get_user_model()
        user = model.objects.filter(email__iexact=email).first()
        if user is None or not user.is_active or not user.has_usable_password():
            return None
        return user

    def build_message(self, request: Request, user: Any, link: str, timeout: int) -> EmailMessage:
        """The reset mail to ``user`` with ``link``."""
        engine = request.app.templates
        minutes = max(1, timeout // 60)
        # Templates always escape; the text body is not HTML, so the link must hold nothing
        # escaping would change (``site_url`` checked that; the path is percent-encoded).
        text = engine.render(self.email_template_name, {"link": link, "timeout_minutes": minutes})
        html = None
        if self.html_email_template_name is not None:
            html = engine.render(
                self.html_email_template_name, {"link": link, "timeout_minutes": minutes}
            )
        from_email = request.settings.from_email
        return EmailMessage(self.subject, text, from_email, [user.email], html=html)


class PasswordResetDoneView(View):
    """The page every valid reset request lands on, whatever the address."""

    template_name: ClassVar[str] = "auth/password_reset_done.html"

    def get(self, request: Request, **params: Any) -> Response:
        return render(request, self.template_name, {})


class PasswordResetConfirmView(View):
    """Set a new password from a reset link (see the module docstring).

    Attributes:
        template_name: the form page (context: ``form``).
        invalid_template_name: the "invalid or expired link" page (status 400).
    """

    template_name: ClassVar[str] = "auth/password_reset_confirm.html"
    invalid_template_name: ClassVar[str] = "auth/password_reset_invalid.html"
    form_class: ClassVar[type[SetPasswordForm]] = SetPasswordForm

    def get(self, request: Request, **params: Any) -> Response:
        user = self.checked_user(request, params.get("uidb64"), params.get("token"))
        if user is None:
            return self.invalid(request)
        return self.render_form(request, self.form_class(user=user))

    def post(self, request: Request, **params: Any) -> Response:
        user = self.checked_user(request, params.get("uidb64"), params.get("token"))
        if user is None:
            return self.invalid(request)
        form = self.form_class(request.form, user=user)
        if not form.is_valid():
            return self.render_form(request, form, status=400)
        with atomic():
            # Locked and checked again, so two requests racing with one token set one password.
            user = self.checked_user(request, params.get("uidb64"), params.get("token"), lock=True)
            if user is None:
                return self.invalid(request)
            user.set_password(form.cleaned_data["new_password1"])
            # A new hash: this token and every session of the user stop working. No login here.
            user.save(update_fields=["password"])
            audit("password.reset", user=user, request=request)
        complete = auth_path(request, "password_reset_complete") or request.root_path + "/"
        return RedirectResponse(complete, 303, headers=_PRIVATE_HEADERS)

    def checked_user(
        self, request: Request, uidb64: object, token: object, *, lock: bool = False
    ) -> Any:
        """The active user ``uidb64`` names if ``token`` is valid for them, else None.

        ``lock``: read the row with ``SELECT ... FOR UPDATE`` (inside a transaction).
        """
        user = _user_from_uid(uidb64, lock=lock)
        if user is None or not user.is_active:
            return None
        tokens = PasswordResetTokenGenerator.from_settings(request.settings)
        return user if tokens.check_token(user, token) else None

    def invalid(self, request: Request) -> Response:
        return render(request, self.invalid_template_name, {}, status=400, headers=_PRIVATE_HEADERS)

    def render_form(
        self, request: Request, form: SetPasswordForm, *, status: int = 200
    ) -> Response:
        context = {"form": form}
        return render(request, self.template_name, context, status=status, headers=_PRIVATE_HEADERS)


class PasswordResetCompleteView(View):
    """The page a successful reset lands on (with a link to log in)."""

    template_name: ClassVar[str] = "auth/password_reset_complete.html"

    def get(self, request: Request, **params: Any) -> Response:
        return render(request, self.template_name, {"login_url": _login_url(request)})


def _login_url(request: Request) -> str:
    from bastion.auth.redirects import login_url

    return login_url(request)


def _confirm_path(request: Request, uidb64: str, token: str) -> str:
    """The confirmation route's path, without the mount point (``SITE_URL`` includes it)."""
    found = reverse_auth(request, "password_reset_confirm", uidb64=uidb64, token=token)
    if found is not None:
        return found
    raise ImproperlyConfigured(
        "Password reset needs the route named 'password_reset_confirm' "
        "(mount bastion.auth.urls.routes or password_routes)."
    )


class _DummyUser:
    """Stands in for a missing account so an unknown address costs the same work."""

    pk = 0
    last_login = None

    def __init__(self, email: str) -> None:
        self.email = email
        self.password = make_unusable_password()  # a hash-sized value to sign over


def _dummy_user(email: str) -> _DummyUser:
    return _DummyUser(email)


def _user_from_uid(uidb64: object, *, lock: bool = False) -> Any:
    """The user whose primary key is inside ``uidb64``, or None; never raises on bad input."""
    text = uid_decode(uidb64)
    if text is None:
        return None
    model = get_user_model()
    field = model._meta.pk
    try:
        pk = field.to_python(text)
    except (ValidationError, ValueError, TypeError):
        return None
    if isinstance(field, IntegerField) and not field.min_value <= pk <= field.max_value:
        return None
    rows = model.objects.filter(pk=pk)
    return (rows.select_for_update() if lock else rows).first()


password_routes: list[Any] = [
    path("password_change/", PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/", PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("reset/done/", PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
"""The routes, for the lead to add to ``bastion.auth.urls.routes`` (Django's paths and names)."""
