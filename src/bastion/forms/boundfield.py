"""A field bound to its form: the name, value, errors and markup of one input."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from bastion.forms.rendering import render_template
from bastion.forms.widgets import CheckboxInput

if TYPE_CHECKING:
    from bastion.forms.fields import Field
    from bastion.forms.forms import BaseForm

__all__ = ["BoundField"]


class BoundField:
    """``form["name"]``: what a template needs to draw one field accessibly.

    The input carries ``id`` (matched by the ``<label for>``), ``aria-invalid="true"`` when
    the field has errors and ``aria-describedby`` naming the help text and the error list, so
    a screen reader announces both with the input.
    """

    def __init__(self, form: BaseForm, field: Field, name: str) -> None:
        self.form = form
        self.field = field
        self.name = name
        self.html_name = form.add_prefix(name)
        self.id_for_label = f"id_{self.html_name}"
        self.errors_id = f"{self.id_for_label}_errors"
        self.help_id = f"{self.id_for_label}_help"

    def __repr__(self) -> str:
        return f"<BoundField {self.html_name}>"

    def __str__(self) -> str:
        return str(self.render())

    def __html__(self) -> str:
        return str(self.render())

    @property
    def label(self) -> str:
        """The label text (the field's, or the name with the first letter capitalised)."""
        if self.field.label is not None:
            return self.field.label
        text = self.name.replace("_", " ")
        return text[:1].upper() + text[1:]

    @property
    def help_text(self) -> str:
        return self.field.help_text

    @property
    def errors(self) -> list[str]:
        """This field's error messages (empty for an unbound or valid form)."""
        return self.form.errors.get(self.name, [])

    @property
    def is_hidden(self) -> bool:
        return self.field.widget.is_hidden

    @property
    def is_checkbox(self) -> bool:
        return isinstance(self.field.widget, CheckboxInput)

    @property
    def aria_invalid(self) -> bool:
        return bool(self.errors)

    def value(self) -> Any:
        """What the input shows: the submitted value when bound, the initial one otherwise."""
        if self.form.is_bound and not self.field.disabled:
            return self.field.value_from_data(self.form.data, self.form.files, self.html_name)
        return self.form.get_initial(self.name)

    def attrs(self) -> dict[str, Any]:
        """The attributes the field and the form add to the widget."""
        described = [self.help_id] if self.help_text else []
        if self.errors:
            described.append(self.errors_id)
        return {
            "id": self.id_for_label,
            **self.field.widget_attrs(),
            "aria-invalid": "true" if self.errors else None,
            "aria-describedby": " ".join(described) or None,
        }

    def widget_html(self) -> Markup:
        """The input alone."""
        self.field.prepare_widget()
        widget = self.field.widget
        context = widget.context(self.html_name, self.value(), self.attrs())
        return render_template(self.form.request, widget.template_name, context)

    def render(self, template_name: str | None = None) -> Markup:
        """Label, input, help text and errors, with the field's template (or ``template_name``)."""
        name = template_name or self.field.template_name
        return render_template(self.form.request, name, {"field": self, "form": self.form})
