"""Numbers, UUIDs, dates and JSON: strict, bounded parsing; errors, never exceptions."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bastion import forms
from bastion.exceptions import ValidationError


def messages(field: forms.Field, value: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        field.clean(value)
    return info.value.messages


def test_integer_field() -> None:
    field = forms.IntegerField(min_value=0, max_value=10)
    assert field.clean(" 7 ") == 7
    assert field.clean(3) == 3
    assert messages(field, "11") == ["Ensure this value is less than or equal to 10."]
    assert messages(field, "-1") == ["Ensure this value is greater than or equal to 0."]
    for bad in ["1.5", "abc", "1e3", True, 1.5, [1], "9" * 101]:
        assert messages(field, bad) == ["Enter a whole number."], bad
    assert forms.IntegerField(required=False).clean("") is None


def test_float_field_refuses_non_finite_numbers() -> None:
    field = forms.FloatField()
    assert field.clean("1.5") == 1.5
    assert field.clean(2) == 2.0
    for bad in ["nan", "inf", "-Infinity", "x", False]:
        assert messages(field, bad) == ["Enter a number."], bad


def test_decimal_field() -> None:
    field = forms.DecimalField(max_digits=5, decimal_places=2)
    assert field.clean("123.45") == decimal.Decimal("123.45")
    assert field.clean(1.5) == decimal.Decimal("1.5")
    assert messages(field, "1.234") == ["Ensure that there are no more than 2 decimal places."]
    assert messages(field, "NaN") == ["Enter a number."]
    assert messages(field, "12x") == ["Enter a number."]


def test_uuid_field() -> None:
    value = uuid.uuid4()
    assert forms.UUIDField().clean(str(value)) == value
    assert forms.UUIDField().clean(value.hex) == value
    assert messages(forms.UUIDField(), "nope") == ["Enter a valid UUID."]


def test_date_and_time_fields() -> None:
    assert forms.DateField().clean("2026-05-01") == dt.date(2026, 5, 1)
    assert messages(forms.DateField(), "2026-13-01") == ["Enter a valid date."]
    assert messages(forms.DateField(), 20260501) == ["Enter a valid date."]
    assert forms.TimeField().clean("10:30") == dt.time(10, 30)
    assert messages(forms.TimeField(), "25:00") == ["Enter a valid time."]


def test_datetime_field_is_always_aware() -> None:
    field = forms.DateTimeField()
    assert field.clean("2026-05-01T10:00") == dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)
    offset = field.clean("2026-05-01T10:00+02:00")
    assert offset.utcoffset() == dt.timedelta(hours=2)
    paris = forms.DateTimeField(timezone=ZoneInfo("Europe/Paris")).clean("2026-05-01T10:00")
    assert paris.astimezone(dt.UTC).hour == 8
    assert messages(field, "yesterday") == ["Enter a valid date and time."]


def test_json_field() -> None:
    field = forms.JSONField()
    assert field.clean('{"a": [1, 2]}') == {"a": [1, 2]}
    assert field.clean("0") == 0
    assert messages(field, "{bad") == ["Enter valid JSON."]
    assert messages(field, "NaN") == ["Enter valid JSON."]
    assert messages(forms.JSONField(max_length=5), '"abcdef"') == [
        "Ensure this value has at most 5 characters (it has 8)."
    ]
    assert messages(field, "") == ["This field is required."]
