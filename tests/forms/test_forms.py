"""Form: whitelisted data, per-field and form-wide errors, hooks, prefixes."""

from __future__ import annotations

from typing import Any

import pytest

from bastion import forms
from bastion.exceptions import ValidationError
from bastion.http.datastructures import MultiDict


class ContactForm(forms.Form):
    name = forms.CharField(max_length=20)
    email = forms.EmailField()
    age = forms.IntegerField(required=False, min_value=0)
    message = forms.TextField(required=False)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if name.lower() == "admin":
            raise ValidationError("That name is reserved.")
        return name.title()

    def clean(self) -> dict[str, Any]:
        if self.cleaned_data.get("age") == 0 and self.cleaned_data.get("message"):
            raise ValidationError("Babies cannot write messages.")
        return self.cleaned_data


def test_valid_form_gives_cleaned_data() -> None:
    form = ContactForm(MultiDict([("name", " ann "), ("email", "ann@example.com")]))
    assert form.is_valid()
    assert form.errors == {}
    assert form.cleaned_data == {
        "name": "Ann",
        "email": "ann@example.com",
        "age": None,
        "message": "",
    }


def test_unbound_form_is_invalid_without_errors() -> None:
    form = ContactForm()
    assert not form.is_bound
    assert not form.is_valid()
    assert form.errors == {}
    assert form.cleaned_data == {}


def test_extra_keys_are_never_read() -> None:
    data = {"name": "ann", "email": "a@example.com", "is_staff": "1", "id": "5", "__class__": "x"}
    form = ContactForm(data)
    assert form.is_valid()
    assert set(form.cleaned_data) == {"name", "email", "age", "message"}


def test_field_errors_and_hook_errors() -> None:
    form = ContactForm({"name": "admin", "email": "nope", "age": "-3"})
    assert not form.is_valid()
    assert form.errors == {
        "name": ["That name is reserved."],
        "email": ["Enter a valid email address."],
        "age": ["Ensure this value is greater than or equal to 0."],
    }
    assert form.cleaned_data == {"message": ""}


def test_form_wide_errors() -> None:
    form = ContactForm({"name": "bo", "email": "b@example.com", "age": "0", "message": "hi"})
    assert not form.is_valid()
    assert form.non_field_errors() == ["Babies cannot write messages."]
    assert form.errors == {"__all__": ["Babies cannot write messages."]}
    assert form.has_error(None)


def test_wrong_types_from_any_mapping_are_field_errors() -> None:
    form = ContactForm({"name": ["a", "b"], "email": 12, "age": {"x": 1}, "message": 3.5})
    assert not form.is_valid()
    assert set(form.errors) == {"name", "email", "age", "message"}


def test_add_error() -> None:
    class SignupForm(forms.Form):
        password = forms.PasswordField()
        again = forms.PasswordField()

        def clean(self) -> None:
            if self.cleaned_data.get("password") != self.cleaned_data.get("again"):
                self.add_error("again", "The passwords differ.")

    form = SignupForm({"password": "a", "again": "b"})
    assert form.errors == {"again": ["The passwords differ."]}
    assert form.cleaned_data == {"password": "a"}
    form.add_error(None, ValidationError({"password": ["Too short."]}))
    assert form.errors["password"] == ["Too short."]
    with pytest.raises(ValueError, match="no field"):
        form.add_error("nope", "x")


def test_prefix_reads_prefixed_keys_only() -> None:
    form = ContactForm({"c-name": "ann", "c-email": "a@example.com", "name": "x"}, prefix="c")
    assert form.is_valid()
    assert form.cleaned_data["name"] == "Ann"
    assert form["name"].html_name == "c-name"


def test_last_value_of_a_repeated_key_wins() -> None:
    form = ContactForm(MultiDict([("name", "one"), ("name", "two"), ("email", "a@example.com")]))
    assert form.is_valid()
    assert form.cleaned_data["name"] == "Two"


def test_disabled_fields_ignore_the_data() -> None:
    class ProfileForm(forms.Form):
        username = forms.CharField(disabled=True)

    form = ProfileForm({"username": "root"}, initial={"username": "ann"})
    assert form.is_valid()
    assert form.cleaned_data == {"username": "ann"}


def test_inheritance_and_removing_a_field() -> None:
    class Base(forms.Form):
        a = forms.CharField()
        b = forms.CharField()

    class Child(Base):
        b = None
        c = forms.IntegerField()

    assert list(Child.base_fields) == ["a", "c"]
    assert list(Child().fields) == ["a", "c"]


def test_fields_are_per_instance() -> None:
    first, second = ContactForm(), ContactForm()
    first.fields["name"].required = False
    assert second.fields["name"].required


def test_multipart_and_repr() -> None:
    class Upload(forms.Form):
        doc = forms.FileField()

    assert Upload().is_multipart
    assert not ContactForm().is_multipart
    assert "unbound" in repr(ContactForm())
    assert "invalid" in repr(ContactForm({}))
