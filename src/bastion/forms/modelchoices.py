"""Choice fields over a QuerySet: foreign keys and many-to-many relations in a ModelForm.

The submitted keys are looked up in the field's QuerySet, so narrowing that QuerySet (to
the user's own projects, say) is also what stops a user picking another user's rows.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bastion.exceptions import ValidationError
from bastion.forms.choices import ChoiceField
from bastion.forms.widgets import Select, SelectMultiple

__all__ = ["ModelChoiceField", "ModelMultipleChoiceField"]

_MAX_KEYS = 1000


class ModelChoiceField(ChoiceField):
    """One row of ``queryset``, chosen by primary key; the clean value is the model instance.

    Args:
        queryset: the rows that may be chosen (evaluated when validating and rendering).
    """

    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid_choice": "Select a valid choice. That choice is not one of the available choices."
    }

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(**kwargs)

    def widget_choices(self) -> list[tuple[Any, str]]:
        rows = [(obj.pk, str(obj)) for obj in self.queryset.all()]
        return rows if self.required else [("", "---------"), *rows]

    @property
    def choices(self) -> list[tuple[Any, str]]:
        return [(obj.pk, str(obj)) for obj in self.queryset.all()]

    @choices.setter
    def choices(self, value: list[tuple[Any, str]]) -> None:
        """Choices come from the QuerySet; the options are read when rendering."""

    def prepare_widget(self) -> None:
        if isinstance(self.widget, Select):
            self.widget.choices = self.widget_choices()

    def _pk(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.error("invalid_choice")
        if isinstance(value, str) and len(value) > 100:
            raise self.error("invalid_choice")
        try:
            return self.queryset.model._meta.pk.to_python(value)
        except (ValidationError, ValueError, TypeError) as exc:
            raise self.error("invalid_choice") from exc

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, self.queryset.model):
            value = value.pk
        obj = self.queryset.filter(pk=self._pk(value)).first()
        if obj is None:
            raise self.error("invalid_choice")
        return obj


class ModelMultipleChoiceField(ModelChoiceField):
    """Several rows of ``queryset`` by primary key; the clean value is a list of instances."""

    default_widget = SelectMultiple
    default_error_messages: ClassVar[dict[str, str]] = {"invalid_list": "Enter a list of values."}

    def widget_choices(self) -> list[tuple[Any, str]]:
        return [(obj.pk, str(obj)) for obj in self.queryset.all()]

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return []
        if isinstance(value, (str, int)):
            value = [value]
        if not isinstance(value, (list, tuple)) or len(value) > _MAX_KEYS:
            raise self.error("invalid_list")
        keys = []
        for item in value:
            key = self._pk(item.pk if isinstance(item, self.queryset.model) else item)
            if key not in keys:
                keys.append(key)
        found = {obj.pk: obj for obj in self.queryset.filter(pk__in=keys)}
        if len(found) != len(keys):
            raise self.error("invalid_choice")
        return [found[key] for key in keys]
