"""Form fields: conversion, normalisation and refusal of bad input as field errors."""

from __future__ import annotations

from typing import Any

import pytest

from bastion import forms
from bastion.exceptions import ValidationError


def messages(field: forms.Field, value: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        field.clean(value)
    return info.value.messages


def test_char_field_has_a_default_max_length() -> None:
    field = forms.CharField()
    assert field.max_length == forms.DEFAULT_MAX_LENGTH == 1000
    assert field.clean("x" * 1000) == "x" * 1000
    assert messages(field, "x" * 1001) == [
        "Ensure this value has at most 1000 characters (it has 1001)."
    ]


def test_char_field_strips_and_normalises_to_nfc() -> None:
    assert forms.CharField().clean("  Cafe\u0301 ") == "Caf\u00e9"
    assert forms.CharField(strip=False).clean(" a ") == " a "


def test_length_is_counted_after_normalisation() -> None:
    # "e" + combining accent is one character once composed.
    assert forms.CharField(max_length=1).clean("e\u0301") == "\u00e9"


@pytest.mark.parametrize("value", ["a\x00b", "a\nb", "a\rb", "a\x1bb", "tab\there", "\x7f"])
def test_single_line_text_refuses_control_characters(value: str) -> None:
    assert messages(forms.CharField(), value) == ["Control characters are not allowed."]


def test_textarea_allows_line_breaks_and_normalises_them() -> None:
    field = forms.CharField(widget=forms.Textarea)
    assert field.clean("one\r\ntwo\rthree\n\tfour") == "one\ntwo\nthree\n\tfour"
    assert messages(field, "nul\x00") == ["Control characters are not allowed."]
    assert forms.TextField().clean("a\nb") == "a\nb"
    assert forms.TextField().max_length == 10_000


def test_lone_surrogates_are_refused() -> None:
    assert messages(forms.CharField(), "a\ud800b") == ["The text is not valid Unicode."]


@pytest.mark.parametrize("value", [5, 1.5, True, ["a"], {"a": 1}])
def test_text_of_the_wrong_type_is_a_field_error(value: Any) -> None:
    assert messages(forms.CharField(), value) == ["Enter text."]


def test_required_and_empty_values() -> None:
    assert messages(forms.CharField(), "   ") == ["This field is required."]
    assert messages(forms.CharField(), None) == ["This field is required."]
    assert forms.CharField(required=False).clean("") == ""
    assert forms.CharField(required=False, empty_value=None).clean("  ") is None


def test_min_length_and_validators() -> None:
    def no_bob(value: str) -> None:
        if value == "bob":
            raise ValidationError("Not bob.")

    field = forms.CharField(min_length=3, validators=[no_bob])
    assert messages(field, "ab") == ["Ensure this value has at least 3 characters (it has 2)."]
    assert messages(field, "bob") == ["Not bob."]


def test_email_url_slug_password() -> None:
    assert forms.EmailField().clean(" ann@example.com ") == "ann@example.com"
    assert messages(forms.EmailField(), "nope") == ["Enter a valid email address."]
    assert forms.URLField().clean("https://example.com/x") == "https://example.com/x"
    assert messages(forms.URLField(), "javascript:alert(1)") == ["Enter a valid URL."]
    assert forms.SlugField().clean("a-b_c") == "a-b_c"
    assert len(messages(forms.SlugField(), "a b")) == 1
    assert forms.PasswordField().clean(" secret ") == " secret "


def test_custom_error_messages() -> None:
    field = forms.CharField(error_messages={"required": "Tell us your name."})
    assert messages(field, "") == ["Tell us your name."]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(name: str, content: bytes, content_type: str = "image/png") -> Any:
    from bastion.http.uploads import UploadedFile

    file = UploadedFile("doc", name, content_type=content_type)
    file.write(content)
    file.seek(0)
    return file


def test_file_field_accepts_an_allowed_type_by_content() -> None:
    field = forms.FileField(allowed_types={"image/png"}, max_size=1000)
    with upload("a.png", PNG) as file:
        assert field.clean(file) is file


def test_file_field_refuses_by_content_size_and_extension() -> None:
    field = forms.FileField(allowed_types={"image/png"}, max_size=100)
    with upload("a.png", b"<html><script>alert(1)</script></html>") as html:
        assert len(messages(field, html)) == 1
    with upload("big.png", PNG + b"\x00" * 200) as big:
        assert "too large" in messages(field, big)[0]
    with upload("a.html", PNG) as dangerous:
        assert len(messages(field, dangerous)) == 1
    assert messages(field, "not a file") == ["Submit a file."]


def test_file_field_required_and_initial() -> None:
    assert messages(forms.FileField(), None) == ["This field is required."]
    assert forms.FileField().clean(None, "stored/name.png") == "stored/name.png"
    assert forms.FileField(required=False).clean(None) is None
    assert forms.FileField().allowed_types == forms.DEFAULT_ALLOWED_TYPES
