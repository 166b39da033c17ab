"""Widgets: how a form field reads its raw value from the request and renders its input.

A widget knows two things: where its value comes from (one key, several keys, the uploaded
files) and which template draws it. It never validates; fields do. Attributes are escaped
here, in Python, so a template prints them as they are and a value cannot break out of its
quotes whatever the template does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

from markupsafe import Markup

__all__ = [
    "CheckboxInput",
    "DateInput",
    "DateTimeInput",
    "EmailInput",
    "FileInput",
    "HiddenInput",
    "NumberInput",
    "PasswordInput",
    "Select",
    "SelectMultiple",
    "TextInput",
    "Textarea",
    "TimeInput",
    "URLInput",
    "Widget",
    "render_attrs",
]


def render_attrs(attrs: Mapping[str, Any]) -> Markup:
    """HTML attributes, escaped: ``True`` gives a bare attribute, ``False``/``None`` none."""
    out = Markup("")
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        if value is True:
            out += Markup(" {}").format(name)
        else:
            out += Markup(' {}="{}"').format(name, value)
    return out


class Widget:
    """The base widget: one ``<input>`` whose value is the last one sent under its name.

    Args:
        attrs: extra HTML attributes (``{"class": "wide", "autocomplete": "off"}``).
    """

    input_type: ClassVar[str] = "text"
    template_name: ClassVar[str] = "bastion/forms/widgets/input.html"
    multiline: ClassVar[bool] = False
    """Whether the text it carries may hold line breaks (only :class:`Textarea`)."""
    is_hidden: ClassVar[bool] = False
    needs_multipart: ClassVar[bool] = False

    def __init__(self, attrs: Mapping[str, Any] | None = None) -> None:
        self.attrs: dict[str, Any] = dict(attrs or {})

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def value_from_data(self, data: Mapping[str, Any], files: Mapping[str, Any], name: str) -> Any:
        """The raw value submitted for ``name`` (``None`` when absent)."""
        return data.get(name)

    def format_value(self, value: Any) -> str | None:
        """The value as the ``value`` attribute shows it (``None``: no attribute)."""
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.isoformat(timespec="seconds")
        return str(value)

    def context(self, name: str, value: Any, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """The variables of the widget template."""
        merged = {
            "type": self.input_type,
            "name": name,
            "value": self.format_value(value),
            **self.attrs,
            **attrs,
        }
        return {"widget": self, "name": name, "value": value, "attrs": render_attrs(merged)}


class TextInput(Widget):
    """``<input type="text">``."""


class NumberInput(Widget):
    """``<input type="number">``."""

    input_type = "number"


class EmailInput(Widget):
    """``<input type="email">``."""

    input_type = "email"


class URLInput(Widget):
    """``<input type="url">``."""

    input_type = "url"


class HiddenInput(Widget):
    """``<input type="hidden">``: rendered without a label, errors shown with the form's."""

    input_type = "hidden"
    is_hidden = True


class DateInput(Widget):
    """``<input type="date">`` (the browser sends ``YYYY-MM-DD``)."""

    input_type = "date"


class DateTimeInput(Widget):
    """``<input type="datetime-local">`` (no time zone: the field decides how to read it)."""

    input_type = "datetime-local"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None).isoformat(timespec="minutes")
        return super().format_value(value)


class TimeInput(Widget):
    """``<input type="time">``."""

    input_type = "time"


class PasswordInput(Widget):
    """``<input type="password">``; the submitted value is never rendered back.

    A password echoed into the page ends up in caches, screenshots and the browser's
    history; the user types it again instead.
    """

    input_type = "password"

    def format_value(self, value: Any) -> str | None:
        return None


class FileInput(Widget):
    """``<input type="file">``: reads ``request.files``; never shows a value."""

    input_type = "file"
    needs_multipart = True

    def value_from_data(self, data: Mapping[str, Any], files: Mapping[str, Any], name: str) -> Any:
        return files.get(name)

    def format_value(self, value: Any) -> str | None:
        return None


class Textarea(Widget):
    """``<textarea>``: multi-line text (line breaks allowed, and normalised to ``\\n``)."""

    template_name = "bastion/forms/widgets/textarea.html"
    multiline = True

    def context(self, name: str, value: Any, attrs: Mapping[str, Any]) -> dict[str, Any]:
        merged = {"name": name, **self.attrs, **attrs}
        text = "" if value is None else str(value)
        return {"widget": self, "name": name, "value": text, "attrs": render_attrs(merged)}


class CheckboxInput(Widget):
    """``<input type="checkbox">``: absent from the data means unchecked."""

    input_type = "checkbox"

    def value_from_data(self, data: Mapping[str, Any], files: Mapping[str, Any], name: str) -> Any:
        return data.get(name, False)

    def context(self, name: str, value: Any, attrs: Mapping[str, Any]) -> dict[str, Any]:
        checked = value is True or (isinstance(value, str) and value.lower() in _TRUE_STRINGS)
        merged = {"type": "checkbox", "name": name, "checked": checked, **self.attrs, **attrs}
        return {"widget": self, "name": name, "value": value, "attrs": render_attrs(merged)}


_TRUE_STRINGS = frozenset({"on", "true", "1", "yes"})


class Select(Widget):
    """``<select>`` over ``choices`` (``[(value, label), ...]``, set by the field)."""

    template_name = "bastion/forms/widgets/select.html"
    allow_multiple: ClassVar[bool] = False

    def __init__(
        self,
        attrs: Mapping[str, Any] | None = None,
        choices: list[tuple[Any, str]] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.choices: list[tuple[Any, str]] = list(choices or [])

    def selected_values(self, value: Any) -> set[str]:
        """The submitted or initial value(s), as the strings options carry."""
        if value is None:
            return set()
        values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        return {_option_value(v) for v in values}

    def context(self, name: str, value: Any, attrs: Mapping[str, Any]) -> dict[str, Any]:
        merged = {"name": name, "multiple": self.allow_multiple, **self.attrs, **attrs}
        selected = self.selected_values(value)
        options = [
            {"value": _option_value(v), "label": label, "selected": _option_value(v) in selected}
            for v, label in self.choices
        ]
        return {"widget": self, "name": name, "options": options, "attrs": render_attrs(merged)}


class SelectMultiple(Select):
    """``<select multiple>``: every value sent under the name is read."""

    allow_multiple = True

    def value_from_data(self, data: Mapping[str, Any], files: Mapping[str, Any], name: str) -> Any:
        getlist = getattr(data, "getlist", None)
        if getlist is not None:
            return getlist(name) if name in data else None
        return data.get(name)


def _option_value(value: Any) -> str:
    import enum

    if isinstance(value, enum.Enum):
        value = value.value
    return "" if value is None else str(value)
