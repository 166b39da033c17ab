"""Numbers, identifiers, dates and JSON: text parsed into a typed value, or a field error.

Parsing is bounded (a "number" of 100 characters is refused before ``int()`` sees it) and
strict: ``true`` is not 1, ``4.2`` is not an integer, NaN and infinities are not numbers,
and a date-time always comes back timezone-aware.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
import uuid
from typing import Any, ClassVar

from bastion.exceptions import ValidationError
from bastion.forms.fields import CharField, Field
from bastion.forms.widgets import DateInput, DateTimeInput, NumberInput, Textarea, TimeInput
from bastion.validators import DecimalValidator, MaxValueValidator, MinValueValidator, Validator

__all__ = [
    "DateField",
    "DateTimeField",
    "DecimalField",
    "FloatField",
    "IntegerField",
    "JSONField",
    "TimeField",
    "UUIDField",
]

_MAX_NUMBER_TEXT = 100  # longer "numbers" are refused before parsing (int() is quadratic)


class _Number(Field):
    default_widget = NumberInput

    def __init__(self, *, min_value: Any = None, max_value: Any = None, **kwargs: Any) -> None:
        self.min_value = min_value
        self.max_value = max_value
        super().__init__(**kwargs)

    def default_validators(self) -> list[Validator]:
        validators: list[Validator] = []
        if self.min_value is not None:
            validators.append(MinValueValidator(self.min_value))
        if self.max_value is not None:
            validators.append(MaxValueValidator(self.max_value))
        return validators

    def widget_attrs(self) -> dict[str, Any]:
        return {**super().widget_attrs(), "min": self.min_value, "max": self.max_value}

    def _text(self, value: Any) -> str | None:
        """The submitted text, stripped; None when empty. Non-text is refused by the caller."""
        if not isinstance(value, str):
            raise self.error("invalid")
        text = value.strip()
        if len(text) > _MAX_NUMBER_TEXT:
            raise self.error("invalid")
        return text or None


_INTEGER = re.compile(r"[+-]?[0-9]+")


class IntegerField(_Number):
    """A whole number (``"42"`` from a form, ``42`` from JSON; ``4.2`` and ``true`` refused)."""

    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Enter a whole number."}

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = self._text(value)
        if text is None:
            return None
        if not _INTEGER.fullmatch(text):
            raise self.error("invalid")
        return int(text)


class FloatField(_Number):
    """A finite floating-point number (NaN and infinities are refused)."""

    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Enter a number."}

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            text = self._text(value)
            if text is None:
                return None
            try:
                number = float(text)
            except ValueError as exc:
                raise self.error("invalid") from exc
        if not math.isfinite(number):
            raise self.error("invalid")
        return number


class DecimalField(_Number):
    """An exact decimal, optionally bounded by ``max_digits`` and ``decimal_places``."""

    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Enter a number."}

    def __init__(
        self,
        *,
        max_digits: int | None = None,
        decimal_places: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        super().__init__(**kwargs)

    def default_validators(self) -> list[Validator]:
        return [
            *super().default_validators(),
            DecimalValidator(self.max_digits, self.decimal_places),
        ]

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, decimal.Decimal):
            number = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            number = decimal.Decimal(str(value))
        else:
            text = self._text(value)
            if text is None:
                return None
            try:
                number = decimal.Decimal(text)
            except decimal.InvalidOperation as exc:
                raise self.error("invalid") from exc
        if not number.is_finite():
            raise self.error("invalid")
        return number


class UUIDField(Field):
    """A UUID, with or without hyphens."""

    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Enter a valid UUID."}

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, uuid.UUID):
            return value
        if not isinstance(value, str) or len(value) > 64:
            raise self.error("invalid")
        try:
            return uuid.UUID(value.strip())
        except ValueError as exc:
            raise self.error("invalid") from exc


class _Temporal(Field):
    python_type: ClassVar[type]

    def parse(self, text: str) -> Any:
        """Parse ISO 8601 text (raises ValueError)."""
        parsed: Any = getattr(self.python_type, "fromisoformat")(text)  # noqa: B009
        return parsed

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if type(value) is self.python_type:
            return self.adjust(value)
        if not isinstance(value, str) or len(value) > 64:
            raise self.error("invalid")
        try:
            parsed = self.parse(value.strip())
        except ValueError as exc:
            raise self.error("invalid") from exc
        return self.adjust(parsed)

    def adjust(self, value: Any) -> Any:
        return value


class DateField(_Temporal):
    """A date, ``YYYY-MM-DD`` (ISO 8601)."""

    default_widget = DateInput
    python_type = dt.date
    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Enter a valid date."}


class TimeField(_Temporal):
    """A time of day, ``HH:MM`` or ``HH:MM:SS`` (ISO 8601)."""

    default_widget = TimeInput
    python_type = dt.time
    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Enter a valid time."}


class DateTimeField(_Temporal):
    """An instant, always returned timezone-aware.

    Input with an offset (``2026-05-01T10:00+02:00``) keeps it. Input without one (what a
    ``datetime-local`` input sends) is read in ``timezone``, UTC unless given: pass the
    user's zone (a :class:`zoneinfo.ZoneInfo`) to read local times as the user meant them.
    """

    default_widget = DateTimeInput
    python_type = dt.datetime
    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Enter a valid date and time."}

    def __init__(self, *, timezone: dt.tzinfo = dt.UTC, **kwargs: Any) -> None:
        self.timezone = timezone
        super().__init__(**kwargs)

    def adjust(self, value: Any) -> Any:
        if value.tzinfo is None or value.utcoffset() is None:
            return value.replace(tzinfo=self.timezone)
        return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class JSONField(CharField):
    """A JSON document typed into a textarea; its size is bounded like any text (100,000).

    In a JSON body (:func:`bastion.forms.json.validate_json`) the value is taken as sent,
    re-serialised to apply the same size limit.
    """

    default_widget = Textarea
    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Enter valid JSON."}

    def __init__(self, *, max_length: int | None = 100_000, **kwargs: Any) -> None:
        super().__init__(max_length=max_length, empty_value=None, **kwargs)

    def default_validators(self) -> list[Validator]:
        return []

    def prepare_json(self, value: Any) -> Any:
        return None if value is None else json.dumps(value)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text is None:
            return None
        if len(text) > self.max_length:
            raise ValidationError(
                "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
                code="max_length",
                params={"limit_value": self.max_length, "show_value": len(text)},
            )
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise self.error("invalid") from exc

    def is_empty(self, value: Any) -> bool:
        return value is None
