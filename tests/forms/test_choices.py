"""Booleans and choices: only declared values, returned typed."""

from __future__ import annotations

import enum
from typing import Any

import pytest

from bastion import forms
from bastion.exceptions import ValidationError


def messages(field: forms.Field, value: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        field.clean(value)
    return info.value.messages


class Colour(enum.Enum):
    RED = "r"
    GREEN = "g"


def test_boolean_field() -> None:
    optional = forms.BooleanField(required=False)
    assert optional.clean("on") is True
    assert optional.clean(None) is False
    assert optional.clean("false") is False
    assert optional.clean(True) is True
    assert messages(optional, "maybe") == ["Enter a valid value."]
    assert messages(forms.BooleanField(), False) == ["This field is required."]


def test_choice_field_returns_the_typed_choice() -> None:
    field = forms.ChoiceField(choices=[(1, "One"), (2, "Two")])
    assert field.clean("2") == 2
    assert field.clean(1) == 1
    assert messages(field, "3") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert len(messages(field, ["1"])) == 1


def test_choice_field_with_an_enum() -> None:
    field = forms.ChoiceField(choices=Colour)
    assert field.clean("g") is Colour.GREEN
    assert field.choices == [(Colour.RED, "Red"), (Colour.GREEN, "Green")]
    assert len(messages(field, "GREEN")) == 1


def test_multiple_choice_field() -> None:
    field = forms.MultipleChoiceField(choices=["a", "b", "c"])
    assert field.clean(["c", "a", "c"]) == ["c", "a"]
    assert field.clean("b") == ["b"]
    assert len(messages(field, ["a", "z"])) == 1
    assert messages(field, {"a": 1}) == ["Enter a list of values."]
    assert messages(field, []) == ["This field is required."]


def test_fields_are_copied_per_form_instance() -> None:
    field = forms.ChoiceField(choices=["a"])
    import copy

    clone = copy.deepcopy(field)
    clone.choices = [("b", "b")]
    assert field.clean("a") == "a"
    assert clone.widget is not field.widget
