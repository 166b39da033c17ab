"""The login and sign-up forms.

The login form checks only shape (both fields present, bounded lengths): whether the address
is well formed says nothing about an account, and everything about accounts is decided in
one place, :func:`bastion.auth.login.authenticate`, with one message for every failure.
The sign-up form runs the password validators (:func:`bastion.auth.passwords.validate_password`)
whose messages depend on the input alone, never on which accounts exist.
"""

from __future__ import annotations

from typing import Any

from bastion import forms
from bastion.auth.hashers import MAX_PASSWORD_BYTES
from bastion.auth.models import normalize_email
from bastion.exceptions import ValidationError
from bastion.forms.widgets import EmailInput, PasswordInput, TextInput

__all__ = ["LOGIN_ERROR", "LoginForm", "SignupForm"]

LOGIN_ERROR = "Please enter a correct email address and password."
"""The one message for an unknown address, a wrong password, an inactive or locked account."""

_EMAIL_MAX = 254


class LoginForm(forms.Form):
    """Email and password. ``next`` is not a field: the view reads and checks it itself, so a
    hostile ``next`` is dropped instead of making the login fail."""

    email = forms.CharField(
        max_length=_EMAIL_MAX,
        label="Email address",
        widget=EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.PasswordField(
        max_length=MAX_PASSWORD_BYTES,
        widget=PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from bastion.auth.middleware import get_user_model

        model = get_user_model()
        if model.USERNAME_FIELD != model.EMAIL_FIELD:
            # A user model that logs in by name: same field (the views read ``email``), but
            # labelled and typed for what people enter.
            login = self.fields["email"]
            login.label = str(model._meta.get_field(model.USERNAME_FIELD).verbose_name)
            login.label = login.label[:1].upper() + login.label[1:]
            login.widget = TextInput(attrs={"autocomplete": "username", "autofocus": True})


class SignupForm(forms.Form):
    """A new account's email address and password (validated by the password validators)."""

    email = forms.EmailField(
        max_length=_EMAIL_MAX,
        label="Email address",
        widget=EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.PasswordField(
        max_length=MAX_PASSWORD_BYTES,
        widget=PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        email, password = data.get("email"), data.get("password")
        if isinstance(email, str):
            data["email"] = email = normalize_email(email)
        if isinstance(password, str):
            from bastion.auth.middleware import get_user_model
            from bastion.auth.passwords import validate_password

            try:
                # An unsaved user: similarity to the address is checked, nothing is looked up.
                validate_password(password, user=get_user_model()(email=email or ""))
            except ValidationError as error:
                self.add_error("password", error.messages)
        return data
