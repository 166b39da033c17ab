"""Widgets: where a value is read from, and attributes escaped in Python."""

from __future__ import annotations

import datetime as dt

from bastion import forms
from bastion.forms.widgets import render_attrs
from bastion.http.datastructures import MultiDict


def test_render_attrs_escapes_and_handles_booleans() -> None:
    html = render_attrs({"value": '"><x>', "required": True, "disabled": False, "max": None})
    assert html == ' value="&#34;&gt;&lt;x&gt;" required'


def test_widgets_read_only_their_own_key() -> None:
    data = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert forms.TextInput().value_from_data(data, {}, "a") == "2"
    assert forms.SelectMultiple().value_from_data(data, {}, "a") == ["1", "2"]
    assert forms.SelectMultiple().value_from_data(data, {}, "z") is None
    assert forms.SelectMultiple().value_from_data({"a": ["x"]}, {}, "a") == ["x"]
    assert forms.CheckboxInput().value_from_data({}, {}, "a") is False
    assert forms.FileInput().value_from_data(data, {"a": "file"}, "a") == "file"


def test_values_never_shown_for_passwords_and_files() -> None:
    assert forms.PasswordInput().format_value("secret") is None
    assert forms.FileInput().format_value("name.png") is None


def test_datetime_local_format() -> None:
    value = dt.datetime(2026, 5, 1, 10, 30, tzinfo=dt.UTC)
    assert forms.DateTimeInput().format_value(value) == "2026-05-01T10:30"
    assert forms.TextInput().format_value(value) == "2026-05-01T10:30:00+00:00"
