"""The forms of the password change and reset pages.

The new password is typed twice and run through the password validators
(:func:`bastion.auth.passwords.validate_password`) with the account as context, so a
password too close to the user's own address is refused. The old password of the change
form is checked by the view (it needs the account and may upgrade the hash); the reset
request form checks shape only, because what it says must never depend on which addresses
have accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bastion import forms
from bastion.auth.hashers import MAX_PASSWORD_BYTES
from bastion.auth.models import normalize_email
from bastion.exceptions import ValidationError
from bastion.forms.widgets import EmailInput, PasswordInput

__all__ = [
    "MISMATCH_ERROR",
    "WRONG_OLD_ERROR",
    "PasswordChangeForm",
    "PasswordResetForm",
    "SetPasswordForm",
]

MISMATCH_ERROR = "The two passwords do not match."
WRONG_OLD_ERROR = "Your old password was entered incorrectly. Please enter it again."
_EMAIL_MAX = 254


def _new_password_field(label: str) -> forms.PasswordField:
    return forms.PasswordField(
        max_length=MAX_PASSWORD_BYTES,
        label=label,
        widget=PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class _NewPasswordMixin:
    """Checks that both new passwords match and pass the validators for ``self.user``."""

    cleaned_data: dict[str, Any]
    user: Any

    if TYPE_CHECKING:  # provided by the form class the mixin is combined with

        def add_error(
            self, field: str | None, error: str | list[str] | ValidationError
        ) -> None: ...

    def clean(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        first, second = data.get("new_password1"), data.get("new_password2")
        if isinstance(first, str) and isinstance(second, str):
            if first != second:
                self.add_error("new_password2", MISMATCH_ERROR)
            else:
                from bastion.auth.passwords import validate_password

                try:
                    validate_password(first, user=self.user)
                except ValidationError as error:
                    self.add_error("new_password2", error.messages)
        return data


class SetPasswordForm(_NewPasswordMixin, forms.Form):
    """A new password, twice, validated for ``user`` (the reset confirmation page).

    Args:
        data: the submitted fields.
        user: the account the password is for (context for the similarity validator).
    """

    new_password1 = _new_password_field("New password")
    new_password2 = _new_password_field("New password (again)")

    def __init__(self, data: Any = None, *, user: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.user = user


class PasswordChangeForm(_NewPasswordMixin, forms.Form):
    """The old password, then the new one twice (the change page, for a logged-in user).

    The old password is checked by the view, which has the account.
    """

    old_password = forms.PasswordField(
        max_length=MAX_PASSWORD_BYTES,
        label="Old password",
        widget=PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = _new_password_field("New password")
    new_password2 = _new_password_field("New password (again)")

    def __init__(self, data: Any = None, *, user: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.user = user


class PasswordResetForm(forms.Form):
    """The address to send a reset link to; only its shape is checked."""

    email = forms.EmailField(
        max_length=_EMAIL_MAX,
        label="Email address",
        widget=EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        email = data.get("email")
        if isinstance(email, str):
            data["email"] = normalize_email(email)
        return data
