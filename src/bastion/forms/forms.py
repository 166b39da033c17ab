"""Declarative forms: fields declared on a class, data validated by a whitelist.

Only declared fields are read: a form looks up each of its fields' names in the submitted
data and nothing else, so an extra key (``is_staff=1``, ``id=5``) never reaches
``cleaned_data``, and a ModelForm never copies it onto a model.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from markupsafe import Markup

from bastion.exceptions import ValidationError
from bastion.forms.boundfield import BoundField
from bastion.forms.fields import Field, FileField
from bastion.forms.rendering import render_template

__all__ = ["NON_FIELD_ERRORS", "BaseForm", "DeclarativeFieldsMetaclass", "Form"]

NON_FIELD_ERRORS = "__all__"
"""The ``errors`` key of form-wide errors (those of ``clean()``)."""

_EMPTY: Mapping[str, Any] = {}


class DeclarativeFieldsMetaclass(type):
    """Collects the :class:`Field` attributes of a form class (and its bases) in order."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> DeclarativeFieldsMetaclass:
        declared = {key: value for key, value in namespace.items() if isinstance(value, Field)}
        for key in declared:
            namespace.pop(key)
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        fields: dict[str, Field] = {}
        for base in reversed(cls.__mro__[1:]):
            fields.update(getattr(base, "declared_fields", {}))
            # A subclass can remove an inherited field by setting the name to None.
            for attr, value in vars(base).items():
                if value is None and attr in fields:
                    fields.pop(attr)
        fields.update(declared)
        for attr, value in namespace.items():
            if value is None and attr in fields:
                fields.pop(attr)
        cls.declared_fields = fields  # type: ignore[attr-defined]
        cls.base_fields = dict(fields)  # type: ignore[attr-defined]
        return cls


class BaseForm:
    """Form behaviour without the declarative metaclass (see :class:`Form`).

    Args:
        data: the submitted fields (``request.form``, or any mapping); None: unbound.
        files: the uploaded files (``request.files``).
        initial: values an unbound form shows, by field name (over each field's ``initial``).
        prefix: put before each input name (``"billing"`` → ``billing-street``), to have
            several forms in one ``<form>``.

    Attributes:
        cleaned_data: the clean values of the valid fields, after :meth:`is_valid`.
        template_name: the template :meth:`render` uses (override per form class).
    """

    base_fields: ClassVar[dict[str, Field]] = {}
    declared_fields: ClassVar[dict[str, Field]] = {}
    template_name: ClassVar[str] = "bastion/forms/form.html"

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        *,
        initial: Mapping[str, Any] | None = None,
        prefix: str | None = None,
    ) -> None:
        self.is_bound = data is not None or files is not None
        self.data: Mapping[str, Any] = data if data is not None else _EMPTY
        self.files: Mapping[str, Any] = files if files is not None else _EMPTY
        self.initial: dict[str, Any] = dict(initial or {})
        self.prefix = prefix
        self.fields: dict[str, Field] = copy.deepcopy(self.base_fields)
        self.cleaned_data: dict[str, Any] = {}
        self.json_input = False
        """Set by :func:`bastion.forms.json.validate_json`: values come from a JSON object."""
        self.request: Any = None
        """The request being rendered for (set by :meth:`render`)."""
        self._errors: dict[str, list[str]] | None = None

    def __repr__(self) -> str:
        state = "unbound" if not self.is_bound else ("valid" if self.is_valid() else "invalid")
        return f"<{type(self).__name__} {state} fields={list(self.fields)}>"

    # -- access ----------------------------------------------------------------------------

    def __getitem__(self, name: str) -> BoundField:
        try:
            field = self.fields[name]
        except KeyError:
            raise KeyError(f"{type(self).__name__} has no field {name!r}.") from None
        return BoundField(self, field, name)

    def __iter__(self) -> Iterator[BoundField]:
        for name in self.fields:
            yield self[name]

    def hidden_fields(self) -> list[BoundField]:
        return [bf for bf in self if bf.is_hidden]

    def visible_fields(self) -> list[BoundField]:
        return [bf for bf in self if not bf.is_hidden]

    def add_prefix(self, name: str) -> str:
        """The input name of field ``name`` (with the form's prefix, if any)."""
        return f"{self.prefix}-{name}" if self.prefix else name

    def get_initial(self, name: str) -> Any:
        """The initial value of a field: the form's ``initial``, else the field's."""
        value = self.initial.get(name, self.fields[name].initial)
        return value() if callable(value) else value

    @property
    def is_multipart(self) -> bool:
        """Whether the ``<form>`` needs ``enctype="multipart/form-data"`` (a file input)."""
        return any(field.widget.needs_multipart for field in self.fields.values())

    # -- validation ------------------------------------------------------------------------

    @property
    def errors(self) -> dict[str, list[str]]:
        """Messages by field name, ``"__all__"`` for form-wide ones; validates on first use."""
        if self._errors is None:
            self._errors = {}
            self.full_clean()
        return self._errors

    def is_valid(self) -> bool:
        """True when the form is bound and every field and ``clean()`` passed."""
        return self.is_bound and not self.errors

    def non_field_errors(self) -> list[str]:
        """The form-wide messages."""
        return list(self.errors.get(NON_FIELD_ERRORS, []))

    def top_errors(self) -> list[str]:
        """Form-wide messages plus those of hidden fields (which have no place of their own)."""
        hidden = [f"{bf.label}: {message}" for bf in self.hidden_fields() for message in bf.errors]
        return [*self.non_field_errors(), *hidden]

    @property
    def non_field_errors_id(self) -> str:
        return f"id_{self.add_prefix('errors')}"

    def add_error(self, field: str | None, error: str | list[str] | ValidationError) -> None:
        """Record an error for ``field`` (None: form-wide) and drop its clean value.

        ``error`` may be a ValidationError holding a dict: its keys name the fields (and
        ``field`` must then be None).

        Raises:
            ValueError: ``field`` is not a field of this form.
        """
        if not isinstance(error, ValidationError):
            error = ValidationError(error)
        if error.error_dict is not None:
            if field is not None:
                raise ValueError("add_error(field, ...) takes a message, not a dict of them.")
            by_field = error.message_dict
        else:
            by_field = {field or NON_FIELD_ERRORS: error.messages}
        if self._errors is None:
            self._errors = {}
        for name, messages in by_field.items():
            if name != NON_FIELD_ERRORS and name not in self.fields:
                raise ValueError(f"{type(self).__name__} has no field {name!r}.")
            self._errors.setdefault(name, []).extend(messages)
            self.cleaned_data.pop(name, None)

    def has_error(self, field: str | None) -> bool:
        return bool(self.errors.get(field or NON_FIELD_ERRORS))

    def full_clean(self) -> None:
        """Validate every field, then ``clean()``, then the post-clean step (ModelForm)."""
        self._errors = {}
        self.cleaned_data = {}
        if not self.is_bound:
            return
        self._clean_fields()
        self._clean_form()
        self._post_clean()

    def _raw_value(self, name: str, field: Field) -> Any:
        if field.disabled:
            return self.get_initial(name)
        value = field.value_from_data(self.data, self.files, self.add_prefix(name))
        return field.prepare_json(value) if self.json_input else value

    def _clean_fields(self) -> None:
        for name, field in self.fields.items():
            value = self._raw_value(name, field)
            try:
                if isinstance(field, FileField):
                    value = field.clean(value, self.get_initial(name))
                else:
                    value = field.clean(value)
                self.cleaned_data[name] = value
                hook = getattr(self, f"clean_{name}", None)
                if hook is not None:
                    self.cleaned_data[name] = hook()
            except ValidationError as exc:
                self.add_error(name, ValidationError(exc.messages))

    def _clean_form(self) -> None:
        try:
            result = self.clean()
        except ValidationError as exc:
            self.add_error(None, exc)
        else:
            if result is not None:
                self.cleaned_data = result

    def _post_clean(self) -> None:
        """A hook after ``clean()`` (ModelForm validates its model here)."""

    def clean(self) -> dict[str, Any] | None:
        """Form-wide validation: read ``self.cleaned_data``, raise ValidationError or call
        :meth:`add_error`. Return the data (or None to keep it)."""
        return self.cleaned_data

    # -- rendering -------------------------------------------------------------------------

    def render(self, request: Any = None, template_name: str | None = None) -> Markup:
        """The form's fields as accessible HTML, with the CSRF input for ``request``.

        The ``<form>`` element and its submit button are the page's: write
        ``<form method="post">{{ form.render(request) }}<button>Send</button></form>``.
        """
        self.request = request
        return render_template(request, template_name or self.template_name, {"form": self})

    def __html__(self) -> str:
        return str(self.render(self.request))


class Form(BaseForm, metaclass=DeclarativeFieldsMetaclass):
    """A form declared as a class: its :class:`Field` attributes are its fields.

    Example::

        class ContactForm(forms.Form):
            name = forms.CharField(max_length=100)
            email = forms.EmailField()

        form = ContactForm(request.form)
        if form.is_valid():
            send(form.cleaned_data["email"])
    """
