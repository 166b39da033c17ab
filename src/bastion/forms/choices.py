"""Yes/no and pick-from-a-list fields: a submitted value must be one of those declared.

The clean value is the declared choice itself (typed: ``2``, not ``"2"``; the member for
an ``Enum``), so nothing the client typed is passed on unchecked.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Iterable
from typing import Any, ClassVar

from bastion.forms.fields import Field
from bastion.forms.widgets import CheckboxInput, Select, SelectMultiple

__all__ = ["BooleanField", "ChoiceField", "MultipleChoiceField", "normalise_choices"]

_MAX_CHOICES_SENT = 1000


_TRUE = frozenset({"on", "true", "1", "yes"})
_FALSE = frozenset({"", "off", "false", "0", "no"})


class BooleanField(Field):
    """A checkbox. As in Django, ``required=True`` means it must be ticked (consent boxes);
    declare an optional yes/no with ``required=False``.
    """

    default_widget = CheckboxInput

    def to_python(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise self.error("invalid")

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise self.error("required")


Choices = Iterable[Any] | type[enum.Enum]


def normalise_choices(choices: Choices) -> list[tuple[Any, str]]:
    """``[(value, label), ...]`` from pairs, plain values, or an ``Enum`` class."""
    if isinstance(choices, type) and issubclass(choices, enum.Enum):
        return [
            (member, str(getattr(member, "label", member.name.replace("_", " ").title())))
            for member in choices
        ]
    result: list[tuple[Any, str]] = []
    for item in choices:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            result.append((item[0], str(item[1])))
        else:
            result.append((item, str(item)))
    return result


def _key(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    return str(value)


class ChoiceField(Field):
    """One of ``choices``; the clean value is the choice itself (the member, for an Enum).

    Args:
        choices: ``[(value, label), ...]``, plain values, or an ``Enum`` class (labels from a
            ``label`` attribute or the member name).
    """

    default_widget = Select
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid_choice": "Select a valid choice. That choice is not one of the available choices."
    }

    def __init__(self, *, choices: Choices = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = normalise_choices(choices)

    @property
    def choices(self) -> list[tuple[Any, str]]:
        return self._choices

    @choices.setter
    def choices(self, value: list[tuple[Any, str]]) -> None:
        self._choices = value
        self._by_key = {_key(choice): choice for choice, _label in value}
        if isinstance(self.widget, Select):
            self.widget.choices = self.widget_choices()

    def widget_choices(self) -> list[tuple[Any, str]]:
        """The options shown: an empty one first when the field is optional."""
        if not self.required and "" not in self._by_key:
            return [("", "---------"), *self._choices]
        return list(self._choices)

    def lookup(self, value: Any) -> Any:
        if isinstance(value, enum.Enum):
            value = value.value
        if isinstance(value, bool) or not isinstance(value, (str, int, float, decimal.Decimal)):
            raise self.error("invalid_choice")
        try:
            return self._by_key[str(value)]
        except KeyError:
            raise self.error("invalid_choice") from None

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        return self.lookup(value)


class MultipleChoiceField(ChoiceField):
    """Several of ``choices`` (each at most once); the clean value is a list."""

    default_widget = SelectMultiple
    default_error_messages: ClassVar[dict[str, str]] = {"invalid_list": "Enter a list of values."}

    def widget_choices(self) -> list[tuple[Any, str]]:
        return list(self._choices)

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or len(value) > _MAX_CHOICES_SENT:
            raise self.error("invalid_list")
        result: list[Any] = []
        for item in value:
            choice = self.lookup(item)
            if choice not in result:
                result.append(choice)
        return result
