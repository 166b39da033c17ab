"""ModelForm: a form whose fields come from a model, and which saves into it.

The fields are whitelisted: ``Meta.fields`` must list them (there is no "all fields"), so a
column added to the model later (``is_staff``, ``owner``) never becomes editable by accident.
Primary keys and ``editable=False`` fields are never on a form. Validation runs the form's
fields first and then the model's own rules (``instance.full_clean()``: validators, choices,
uniqueness, constraints) for the fields on the form.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from bastion.exceptions import ImproperlyConfigured, ValidationError
from bastion.forms import choices, scalars
from bastion.forms import fields as ff
from bastion.forms.forms import NON_FIELD_ERRORS, BaseForm, DeclarativeFieldsMetaclass
from bastion.forms.modelchoices import ModelChoiceField, ModelMultipleChoiceField
from bastion.forms.widgets import Widget

__all__ = ["ModelForm", "ModelFormMetaclass", "fields_for_model", "formfield_for"]

# Model field class name → form field class, most specific first (matched along the MRO).
_BY_TYPE: dict[str, type[ff.Field]] = {
    "EmailField": ff.EmailField,
    "URLField": ff.URLField,
    "SlugField": ff.SlugField,
    "CharField": ff.CharField,
    "TextField": ff.TextField,
    "IntegerField": scalars.IntegerField,
    "FloatField": scalars.FloatField,
    "DecimalField": scalars.DecimalField,
    "BooleanField": choices.BooleanField,
    "UUIDField": scalars.UUIDField,
    "DateTimeField": scalars.DateTimeField,
    "DateField": scalars.DateField,
    "TimeField": scalars.TimeField,
    "JSONField": scalars.JSONField,
}


def formfield_for(model_field: Any, **overrides: Any) -> ff.Field:
    """The form field for ``model_field`` (its own ``formfield()`` when it has one).

    Raises:
        ImproperlyConfigured: no form field exists for this kind of model field.
    """
    kwargs: dict[str, Any] = {
        "required": not model_field.blank,
        "label": _capfirst(str(model_field.verbose_name or model_field.name)),
        "help_text": model_field.help_text,
    }
    kwargs.update(overrides)
    own: Callable[..., Any] | None = getattr(model_field, "formfield", None)
    if own is not None:
        field: ff.Field = own()
        field.required = kwargs["required"]
        field.label = kwargs["label"]
        field.help_text = kwargs["help_text"]
        if "widget" in overrides:
            field.widget = _widget(overrides["widget"])
        return field
    if model_field.many_to_many:
        return ModelMultipleChoiceField(model_field.related_model._default_manager, **kwargs)
    if model_field.is_relation:
        return ModelChoiceField(model_field.related_model._default_manager, **kwargs)
    if model_field.choices is not None:
        allowed = model_field.enum if model_field.enum is not None else model_field.choices
        return choices.ChoiceField(choices=allowed, **kwargs)
    kind = next(
        (_BY_TYPE[k.__name__] for k in type(model_field).__mro__ if k.__name__ in _BY_TYPE), None
    )
    if kind is None:
        raise ImproperlyConfigured(
            f"No form field for {model_field!r} ({type(model_field).__name__}): leave it out "
            "of Meta.fields or declare the form field yourself."
        )
    if kind is choices.BooleanField:
        kwargs["required"] = False  # unticked is a valid answer for a model boolean
    if issubclass(kind, ff.CharField) and kind is not scalars.JSONField:
        if model_field.max_length:
            kwargs.setdefault("max_length", model_field.max_length)
        if model_field.null:
            kwargs.setdefault("empty_value", None)
    if kind is scalars.DecimalField:
        kwargs.setdefault("max_digits", model_field.max_digits)
        kwargs.setdefault("decimal_places", model_field.decimal_places)
    if kind is scalars.IntegerField and type(model_field).__name__.startswith("Positive"):
        kwargs.setdefault("min_value", 0)
    return kind(**kwargs)


def _widget(widget: Widget | type[Widget]) -> Widget:
    return widget() if isinstance(widget, type) else widget


def _capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def _editable_fields(model: type[Any]) -> dict[str, Any]:
    meta = model._meta
    return {
        f.name: f for f in [*meta.fields, *meta.many_to_many] if f.editable and not f.primary_key
    }


def fields_for_model(
    model: type[Any],
    fields: Sequence[str],
    *,
    exclude: Sequence[str] = (),
    widgets: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    help_texts: Mapping[str, str] | None = None,
    declared: Mapping[str, ff.Field] | None = None,
) -> dict[str, ff.Field]:
    """Form fields for the listed model fields, in the order listed.

    Raises:
        ImproperlyConfigured: a name is not an editable, non-key field of ``model``.
    """
    editable = _editable_fields(model)
    declared = declared or {}
    result: dict[str, ff.Field] = {}
    for name in fields:
        if name in exclude:
            continue
        if name in declared:
            result[name] = declared[name]
            continue
        if name not in editable:
            raise ImproperlyConfigured(
                f"{model.__name__}.{name} cannot be on a form: it does not exist, is the "
                "primary key, or is not editable."
            )
        overrides: dict[str, Any] = {}
        if widgets and name in widgets:
            overrides["widget"] = widgets[name]
        if labels and name in labels:
            overrides["label"] = labels[name]
        if help_texts and name in help_texts:
            overrides["help_text"] = help_texts[name]
        result[name] = formfield_for(editable[name], **overrides)
    return result


class ModelFormMetaclass(DeclarativeFieldsMetaclass):
    """Builds the fields of a ModelForm from ``Meta`` (checked when the class is defined)."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> ModelFormMetaclass:
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        meta = namespace.get("Meta") or getattr(cls, "Meta", None)
        model = getattr(meta, "model", None)
        if model is None:
            return cls  # type: ignore[return-value]
        fields = getattr(meta, "fields", None)
        if fields is None or isinstance(fields, str):
            raise ImproperlyConfigured(
                f"{name}.Meta.fields must list the model fields the form edits, e.g. "
                'fields = ["title", "body"]; there is no "__all__", so a field added to the '
                "model later is never editable by accident."
            )
        declared: dict[str, ff.Field] = cls.declared_fields  # type: ignore[attr-defined]
        built = fields_for_model(
            model,
            list(fields),
            exclude=list(getattr(meta, "exclude", ()) or ()),
            widgets=getattr(meta, "widgets", None),
            labels=getattr(meta, "labels", None),
            help_texts=getattr(meta, "help_texts", None),
            declared=declared,
        )
        extra = {k: v for k, v in declared.items() if k not in built}
        cls.base_fields = {**built, **extra}  # type: ignore[attr-defined]
        return cls  # type: ignore[return-value]


class ModelForm(BaseForm, metaclass=ModelFormMetaclass):
    """A form built from ``Meta.model`` and ``Meta.fields`` that creates or updates a row.

    Example::

        class NoteForm(forms.ModelForm):
            class Meta:
                model = Note
                fields = ["title", "body"]

        form = NoteForm(request.form, instance=note)
        if form.is_valid():
            form.save()

    ``Meta`` may also hold ``exclude``, ``widgets``, ``labels`` and ``help_texts``.

    Args:
        instance: the row to edit (a new, unsaved one when omitted).
    """

    Meta: ClassVar[type]
    save_m2m: Callable[[], None]

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        *,
        instance: Any = None,
        initial: Mapping[str, Any] | None = None,
        prefix: str | None = None,
    ) -> None:
        model = getattr(getattr(self, "Meta", None), "model", None)
        if model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a Meta with a model.")
        self.instance = instance if instance is not None else model()
        super().__init__(
            data, files, initial={**self._instance_values(), **(initial or {})}, prefix=prefix
        )

    def _instance_values(self) -> dict[str, Any]:
        meta = self.instance._meta
        values: dict[str, Any] = {}
        for name in self.base_fields:
            model_field = meta.get_field_or_none(name)
            if model_field is None:
                continue
            if model_field.many_to_many:
                if self.instance.pk is not None:
                    values[name] = [obj.pk for obj in getattr(self.instance, name).all()]
            elif model_field.is_relation:
                values[name] = getattr(self.instance, model_field.attname)
            else:
                value = getattr(self.instance, model_field.attname)
                values[name] = value.value if isinstance(value, enum.Enum) else value
        return values

    def _model_fields(self) -> dict[str, Any]:
        meta = self.instance._meta
        found = {name: meta.get_field_or_none(name) for name in self.fields}
        return {name: f for name, f in found.items() if f is not None}

    def _post_clean(self) -> None:
        """Copy the clean values onto the instance and run the model's validation."""
        on_form = self._model_fields()
        for name, model_field in on_form.items():
            if name in self.cleaned_data and not model_field.many_to_many:
                setattr(self.instance, name, self.cleaned_data[name])
        meta = self.instance._meta
        every = [f.name for f in [*meta.fields, *meta.many_to_many]]
        exclude = [n for n in every if n not in on_form or n in self.errors]
        exclude += [n for n, f in on_form.items() if f.many_to_many]
        try:
            self.instance.full_clean(exclude=exclude)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                if key in self.fields:
                    self.add_error(key, messages)
                else:
                    self.add_error(
                        None,
                        messages
                        if key == NON_FIELD_ERRORS
                        else [f"{key}: {message}" for message in messages],
                    )

    def save(self, commit: bool = True) -> Any:
        """Save the instance (and its many-to-many values) and return it.

        With ``commit=False`` nothing is written: set what the form does not carry (the
        owner, say), call ``instance.save()``, then ``form.save_m2m()``.

        Raises:
            ValueError: the form is not valid.
        """
        if not self.is_valid():
            raise ValueError(
                f"{type(self).__name__} has errors; save() is only for a valid form: {self.errors}"
            )
        if commit:
            self.instance.save()
            self._save_m2m()
        else:
            self.save_m2m = self._save_m2m
        return self.instance

    def _save_m2m(self) -> None:
        for name, model_field in self._model_fields().items():
            if model_field.many_to_many and name in self.cleaned_data:
                getattr(self.instance, name).set(self.cleaned_data[name])
