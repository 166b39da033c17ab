"""The same validation for JSON bodies: ``validate_json(request, ContactForm)``.

A JSON API gets exactly the rules an HTML form has (whitelisted keys, types, lengths,
normalised text, ``clean_*`` hooks) and answers a bad body with a 400 whose JSON says what
is wrong with each field, so a client can show it next to its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bastion.forms.fields import Field
from bastion.forms.forms import NON_FIELD_ERRORS, BaseForm, Form
from bastion.http.exceptions import BadRequest

if TYPE_CHECKING:
    from bastion.http.response import JSONResponse

__all__ = ["InvalidInput", "validate_json"]


class InvalidInput(BadRequest):
    """400: the body failed validation; ``errors`` holds the messages by field.

    :meth:`get_response` is the machine-readable answer, ``{"errors": {"field": [...]}}``.
    """

    title = "Bad Request"
    default_detail = "The submitted data is not valid."

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors: dict[str, list[str]] = {key: list(value) for key, value in errors.items()}
        summary = "; ".join(f"{key}: {' '.join(value)}" for key, value in self.errors.items())
        super().__init__(f"The submitted data is not valid. {summary}".strip())

    def get_response(self) -> JSONResponse:
        """The 400 response: ``{"errors": {...}}`` (``"__all__"`` for form-wide errors)."""
        from bastion.http.response import JSONResponse

        response = JSONResponse({"errors": self.errors}, status=self.status_code)
        for name, value in self.headers.items():
            response.headers[name] = value
        return response


def _form_class(schema: type[BaseForm] | Mapping[str, Field]) -> type[BaseForm]:
    if isinstance(schema, type) and issubclass(schema, BaseForm):
        return schema
    namespace: dict[str, Any] = dict(schema)
    return type("JSONForm", (Form,), namespace)


def validate_json(
    request: Any, schema: type[BaseForm] | Mapping[str, Field], **form_kwargs: Any
) -> dict[str, Any]:
    """Parse the request's JSON body and validate it; return the clean data.

    Args:
        request: the request (its body must be ``application/json``).
        schema: a form class, or a mapping of names to fields (``{"name": CharField()}``).
        form_kwargs: passed to the form (``instance=`` for a ModelForm, ``prefix=``...).

    Only the keys the form declares are read; any other key in the object is ignored.

    Raises:
        UnsupportedMediaType: the body is not JSON (415).
        BadRequest: the body is not valid JSON.
        InvalidInput: the body is not a JSON object, or a field or ``clean()`` failed (400,
            with the messages in ``errors``).
    """
    payload = request.json()
    if not isinstance(payload, dict):
        raise InvalidInput({NON_FIELD_ERRORS: ["Send a JSON object."]})
    form = _form_class(schema)(data=payload, **form_kwargs)
    form.json_input = True
    if not form.is_valid():
        raise InvalidInput(form.errors)
    return form.cleaned_data
