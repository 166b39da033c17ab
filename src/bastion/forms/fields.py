"""Form fields: the base class, text fields and file uploads.

Each field turns one raw submitted value into a clean Python value, or an error.

Whatever arrives (a string from a form, a number or a list from a JSON body, nothing at all),
a field answers with a value or a :class:`~bastion.exceptions.ValidationError`, never another
exception: wrong types, over-long text and malformed numbers are the user's mistakes, and the
user gets a message. Text fields bound their length by default (1000 characters), normalise
to Unicode NFC, refuse lone surrogates, and refuse control characters in single-line inputs.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar

from bastion.exceptions import ValidationError
from bastion.forms.widgets import (
    EmailInput,
    FileInput,
    PasswordInput,
    Textarea,
    TextInput,
    URLInput,
    Widget,
)
from bastion.validators import (
    MaxLengthValidator,
    MinLengthValidator,
    Validator,
    validate_email,
    validate_slug,
    validate_url,
)

__all__ = [
    "DEFAULT_ALLOWED_TYPES",
    "DEFAULT_MAX_LENGTH",
    "EMPTY_VALUES",
    "CharField",
    "EmailField",
    "Field",
    "FileField",
    "PasswordField",
    "SlugField",
    "TextField",
    "URLField",
]

DEFAULT_MAX_LENGTH = 1000
"""The length limit of a text field declared without ``max_length``: no unbounded input."""

DEFAULT_ALLOWED_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}
)
"""What a :class:`FileField` accepts when given no ``allowed_types``: images and PDF."""


EMPTY_VALUES: tuple[Any, ...] = (None, "", [], (), {})


class Field:
    """The base of every form field.

    Args:
        required: an empty value is an error (``"This field is required."``).
        label: shown in the ``<label>`` (default: the attribute name, capitalised).
        initial: the value an unbound form shows.
        help_text: shown under the input and linked with ``aria-describedby``.
        validators: extra callables run on the clean value.
        widget: the widget class or instance (each field type has a default).
        error_messages: replacements for the default messages, by code.
        disabled: rendered ``disabled``; the submitted value is ignored, ``initial`` is used.
        template_name: the template drawing label, input, help text and errors.
    """

    default_widget: ClassVar[type[Widget]] = TextInput
    """The widget used when none is given."""
    default_error_messages: ClassVar[dict[str, str]] = {
        "required": "This field is required.",
        "invalid": "Enter a valid value.",
    }
    template_name: str = "bastion/forms/field.html"
    _counter: ClassVar[int] = 0

    def __init__(
        self,
        *,
        required: bool = True,
        label: str | None = None,
        initial: Any = None,
        help_text: str = "",
        validators: Sequence[Validator] = (),
        widget: Widget | type[Widget] | None = None,
        error_messages: Mapping[str, str] | None = None,
        disabled: bool = False,
        template_name: str | None = None,
    ) -> None:
        self.required = required
        self.label = label
        self.initial = initial
        self.help_text = help_text
        self.validators: list[Validator] = [*self.default_validators(), *validators]
        chosen = widget if widget is not None else self.default_widget
        self.widget: Widget = chosen() if isinstance(chosen, type) else copy.deepcopy(chosen)
        messages: dict[str, str] = {}
        for klass in reversed(type(self).__mro__):
            messages.update(getattr(klass, "default_error_messages", {}))
        messages.update(error_messages or {})
        self.error_messages = messages
        self.disabled = disabled
        if template_name is not None:
            self.template_name = template_name
        Field._counter += 1
        self.creation_counter = Field._counter

    def __repr__(self) -> str:
        return f"<{type(self).__name__} required={self.required}>"

    def __deepcopy__(self, memo: dict[int, Any]) -> Field:
        result = copy.copy(self)
        memo[id(self)] = result
        result.widget = copy.deepcopy(self.widget, memo)
        result.validators = list(self.validators)
        result.error_messages = dict(self.error_messages)
        return result

    def default_validators(self) -> list[Validator]:
        """Validators the field type always runs (before those given)."""
        return []

    def error(self, code: str, **params: Any) -> ValidationError:
        """A ValidationError with this field's message for ``code``."""
        return ValidationError(self.error_messages[code], code=code, params=params or None)

    def widget_attrs(self) -> dict[str, Any]:
        """HTML attributes the field adds to its widget (``required``, ``maxlength``...)."""
        return {"required": self.required and not self.widget.is_hidden, "disabled": self.disabled}

    def prepare_widget(self) -> None:
        """Called before the widget renders (choice fields over a QuerySet load it here)."""

    def value_from_data(self, data: Mapping[str, Any], files: Mapping[str, Any], name: str) -> Any:
        """The raw value submitted under ``name``; only this key is read."""
        return self.widget.value_from_data(data, files, name)

    def prepare_json(self, value: Any) -> Any:
        """Adapt a value from a parsed JSON object before :meth:`clean` (identity here)."""
        return value

    def to_python(self, value: Any) -> Any:
        """Convert the raw value to the field's type, or raise ValidationError."""
        return value

    def is_empty(self, value: Any) -> bool:
        """None, or an empty string, list or mapping (``0`` and ``False`` are values)."""
        return value is None or (isinstance(value, (str, list, tuple, dict)) and not value)

    def validate(self, value: Any) -> None:
        """Checks that need the converted value (here: ``required``)."""
        if self.required and self.is_empty(value):
            raise self.error("required")

    def run_validators(self, value: Any) -> None:
        if self.is_empty(value):
            return
        messages: list[str] = []
        for validator in self.validators:
            try:
                validator(value)
            except ValidationError as exc:
                messages.extend(exc.messages)
        if messages:
            raise ValidationError(messages)

    def clean(self, value: Any) -> Any:
        """Convert, validate and run the validators; return the clean value."""
        value = self.to_python(value)
        self.validate(value)
        self.run_validators(value)
        return value


# -- text -----------------------------------------------------------------------------------


class CharField(Field):
    """Text: checked as a string, NFC-normalised, stripped, bounded, free of control characters.

    Args:
        max_length: the longest accepted text, in characters (default
            :data:`DEFAULT_MAX_LENGTH`); pass a larger number rather than none.
        min_length: the shortest accepted non-empty text.
        strip: remove surrounding whitespace first.
        empty_value: what an empty, optional field cleans to (``""``; ``None`` for nullable
            model columns).

    Line breaks are allowed only when the widget is multi-line (:class:`Textarea`); ``\\r\\n``
    and ``\\r`` then become ``\\n``. Other control characters (NUL, ESC, ...) are refused in
    every text field, and so are lone surrogates (text that is not valid Unicode).
    """

    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "Enter text.",
        "invalid_unicode": "The text is not valid Unicode.",
        "control_characters": "Control characters are not allowed.",
    }

    def __init__(
        self,
        *,
        max_length: int | None = None,
        min_length: int | None = None,
        strip: bool = True,
        empty_value: str | None = "",
        **kwargs: Any,
    ) -> None:
        self.max_length = DEFAULT_MAX_LENGTH if max_length is None else max_length
        self.min_length = min_length
        self.strip = strip
        self.empty_value = empty_value
        super().__init__(**kwargs)

    def default_validators(self) -> list[Validator]:
        validators: list[Validator] = [MaxLengthValidator(self.max_length)]
        if self.min_length is not None:
            validators.append(MinLengthValidator(self.min_length))
        return validators

    def widget_attrs(self) -> dict[str, Any]:
        return {
            **super().widget_attrs(),
            "maxlength": self.max_length,
            "minlength": self.min_length,
        }

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return self.empty_value
        if not isinstance(value, str):
            raise self.error("invalid")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise self.error("invalid_unicode") from exc
        if self.widget.multiline:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            allowed = "\n\t"
        else:
            allowed = ""
        if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
            raise self.error("control_characters")
        value = unicodedata.normalize("NFC", value)
        if self.strip:
            value = value.strip()
        return value if value else self.empty_value


class TextField(CharField):
    """Multi-line text in a ``<textarea>`` (``max_length`` defaults to 10,000 here)."""

    default_widget = Textarea

    def __init__(self, *, max_length: int | None = 10_000, **kwargs: Any) -> None:
        super().__init__(max_length=max_length, **kwargs)


class EmailField(CharField):
    """An email address (``local@host``; see :class:`bastion.validators.EmailValidator`)."""

    default_widget = EmailInput

    def __init__(self, *, max_length: int | None = 254, **kwargs: Any) -> None:
        super().__init__(max_length=max_length, **kwargs)

    def default_validators(self) -> list[Validator]:
        return [*super().default_validators(), validate_email]


class URLField(CharField):
    """An absolute ``http``/``https`` URL."""

    default_widget = URLInput

    def __init__(self, *, max_length: int | None = 2048, **kwargs: Any) -> None:
        super().__init__(max_length=max_length, **kwargs)

    def default_validators(self) -> list[Validator]:
        return [*super().default_validators(), validate_url]


class SlugField(CharField):
    """Letters, digits, ``-`` and ``_``."""

    def __init__(self, *, max_length: int | None = 50, **kwargs: Any) -> None:
        super().__init__(max_length=max_length, **kwargs)

    def default_validators(self) -> list[Validator]:
        return [*super().default_validators(), validate_slug]


class PasswordField(CharField):
    """A password: not stripped (spaces count), never rendered back into the page."""

    default_widget = PasswordInput

    def __init__(self, *, strip: bool = False, **kwargs: Any) -> None:
        super().__init__(strip=strip, **kwargs)


# -- files ----------------------------------------------------------------------------------


class FileField(Field):
    """An uploaded file, accepted only when its *content* is of an allowed type.

    The check is :func:`bastion.files.validate_upload`: the size, the file name's extension
    against a deny list (``.html``, ``.svg``, ``.exe``...) unless ``allow_dangerous``, and the
    type sniffed from the first bytes, whatever the client claimed. The clean value is the
    :class:`~bastion.http.uploads.UploadedFile` (or the current value of an edited model
    when nothing new was sent).

    Args:
        max_size: the largest accepted size in bytes (None: only the request limits).
        allowed_types: media types accepted, by content (default
            :data:`DEFAULT_ALLOWED_TYPES`: PNG, JPEG, GIF, WebP and PDF).
        allow_dangerous: accept file names with a dangerous extension.
    """

    default_widget = FileInput
    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Submit a file."}

    def __init__(
        self,
        *,
        max_size: int | None = None,
        allowed_types: Collection[str] | None = None,
        allow_dangerous: bool = False,
        **kwargs: Any,
    ) -> None:
        self.max_size = max_size
        self.allowed_types = frozenset(
            DEFAULT_ALLOWED_TYPES if allowed_types is None else allowed_types
        )
        self.allow_dangerous = allow_dangerous
        super().__init__(**kwargs)

    def widget_attrs(self) -> dict[str, Any]:
        return {**super().widget_attrs(), "accept": ",".join(sorted(self.allowed_types))}

    def to_python(self, value: Any) -> Any:
        from bastion.http.uploads import UploadedFile

        if value is None or value == "":
            return None
        if not isinstance(value, UploadedFile):
            raise self.error("invalid")
        return value

    def clean(self, value: Any, initial: Any = None) -> Any:
        upload = self.to_python(value)
        if upload is None:
            if initial not in EMPTY_VALUES:
                return initial
            self.validate(None)
            return None
        from bastion.files import validate_upload

        validate_upload(
            upload,
            allowed_types=self.allowed_types,
            max_size=self.max_size,
            allow_dangerous=self.allow_dangerous,
        )
        self.run_validators(upload)
        return upload

    def prepare_json(self, value: Any) -> Any:
        return None  # a JSON body carries no uploads
