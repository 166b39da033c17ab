"""``SignupView``: a new account from an email address and a password.

Sign-up must not tell a stranger which addresses already have accounts. The choice made
here is the *identical page*: a valid form always ends with the same ``303`` to the same
"done" page, with the same headers and in about the same time, whether an account was made
or the address was taken:

* the new user is **not** logged in by the sign-up (a session cookie on one answer and not
  on the other would be the difference); they log in next, like everyone;
* for a taken address a password hash is still computed (and thrown away), so both paths
  pay for one hash;
* :meth:`SignupView.account_exists` is the hook for telling the *owner* of the address,
  by mail, that someone tried to sign up with it — mail reaches only the owner, so it leaks
  nothing. By default it only writes an audit event.

Validation messages (a weak password, a malformed address) depend on the input alone.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bastion.auth.audit import audit
from bastion.auth.forms import SignupForm
from bastion.auth.hashers import make_password
from bastion.auth.middleware import get_user_model, unwrap_user
from bastion.http.request import Request
from bastion.http.response import RedirectResponse, Response
from bastion.templating.response import render
from bastion.views import View

__all__ = ["SignupDoneView", "SignupView"]


class SignupView(View):
    """Show the sign-up form (GET); create the account (POST); see the module docstring.

    Attributes:
        template_name: the form page (context: ``form``).
        done_url: where every valid sign-up is sent (default: the ``signup_done`` page,
            next to the sign-up page).
    """

    template_name: ClassVar[str] = "auth/signup.html"
    form_class: ClassVar[type[SignupForm]] = SignupForm
    done_url: ClassVar[str | None] = None

    def get(self, request: Request, **params: Any) -> Response:
        return render(request, self.template_name, {"form": self.form_class()})

    def post(self, request: Request, **params: Any) -> Response:
        # Read who is asking on every path, so every answer carries the same ``Vary: Cookie``
        # (the audit of a taken address reads it; a header only one path sets would tell).
        unwrap_user(getattr(request, "user", None))
        form = self.form_class(request.form)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        email: str = form.cleaned_data["email"]
        password: str = form.cleaned_data["password"]
        model = get_user_model()
        created = None
        if not model.objects.email_taken(email):
            try:
                created = model.objects.create_user(email, password)
            except ValueError:  # taken between the check and the insert
                created = None
        if created is None:
            make_password(password)  # the same hashing cost as a real sign-up
            self.account_exists(request, email)
        else:
            self.account_created(request, created)
        return RedirectResponse(self.get_done_url(request), 303)

    def get_done_url(self, request: Request) -> str:
        if self.done_url is not None:
            return self.done_url
        base = request.root_path + request.path
        return base.rstrip("/") + "/done/"

    def account_created(self, request: Request, user: Any) -> None:
        """Called after a new account is saved (send a welcome or verification mail here)."""
        audit("signup.created", user=user, request=request)

    def account_exists(self, request: Request, email: str) -> None:
        """Called instead when ``email`` has an account; must not change the response.

        Override it to mail the address's owner ("someone tried to sign up with your
        address; if that was you, log in or reset your password").
        """
        audit("signup.existing", request=request, email=email)


class SignupDoneView(View):
    """The page every valid sign-up lands on, whatever happened to the address."""

    template_name: ClassVar[str] = "auth/signup_done.html"

    def get(self, request: Request, **params: Any) -> Response:
        return render(request, self.template_name, {})
