"""Views that change data: ``FormView``, ``CreateView``, ``UpdateView``, ``DeleteView``.

They answer GET with a page and POST with a change, so every change goes through a form
post and the CSRF layer; PUT, PATCH and DELETE are 405. A valid post answers ``303 See
Other`` (the browser then GETs the next page, and a reload does not post again); an invalid
one re-renders the form with status 400, the errors shown and the submitted values kept.

The model views take a ``form_class`` or build a :class:`bastion.forms.ModelForm` from
``model`` and an explicit ``fields`` list: only the listed fields are ever read from the
request, so an extra key such as ``is_staff=1`` never reaches the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import TemplateNotFound

from bastion.db import atomic
from bastion.exceptions import ImproperlyConfigured
from bastion.http.response import HTMLResponse, RedirectResponse
from bastion.templating.response import TemplateResponse
from bastion.views.generic import GenericView, SingleObjectMixin, format_url

if TYPE_CHECKING:
    from bastion.db.models import Model
    from bastion.http.request import Request
    from bastion.http.response import Response

__all__ = [
    "CreateView",
    "DeleteView",
    "FormMixin",
    "FormView",
    "ModelFormMixin",
    "UpdateView",
    "model_form",
]

CONFIRM_DELETE_TEMPLATE = (
    Path(__file__).resolve().parent / "templates" / "bastion" / "views" / "confirm_delete.html"
)
"""The confirmation page :class:`DeleteView` falls back to when the project has none."""


class FormMixin(GenericView):
    """Show a form on GET, validate it on POST.

    Attributes:
        form_class: the form to use.
        initial: the form's initial values (copied per request).
        success_url: where a valid post redirects; may use ``{name}`` placeholders filled
            from the path parameters (and, for the model views, the object's fields:
            ``"/notes/{pk}/"``), percent-encoded.
    """

    form_class: type[Any] | None = None
    initial: Mapping[str, Any] | None = None
    success_url: str | None = None

    def get_initial(self, request: Request) -> dict[str, Any]:
        """The form's initial values: a copy of ``initial``."""
        return dict(self.initial or {})

    def get_form_class(self, request: Request) -> type[Any]:
        """The form class.

        Raises:
            ImproperlyConfigured: no ``form_class``.
        """
        if self.form_class is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a form_class.")
        return self.form_class

    def get_form_kwargs(self, request: Request, **params: Any) -> dict[str, Any]:
        """The form's arguments: ``initial``, and on POST the submitted ``data`` and ``files``."""
        kwargs: dict[str, Any] = {"initial": self.get_initial(request)}
        if request.method == "POST":
            kwargs["data"] = request.form
            kwargs["files"] = request.files
        return kwargs

    def get_form(self, request: Request, **params: Any) -> Any:
        """A form for this request (bound to the submitted data on POST)."""
        return self.get_form_class(request)(**self.get_form_kwargs(request, **params))

    def get_success_url(self, request: Request, **params: Any) -> str:
        """Where a valid post redirects.

        Raises:
            ImproperlyConfigured: no ``success_url``.
        """
        if self.success_url is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a success_url.")
        return format_url(self.success_url, **params)

    def render_form(
        self, request: Request, form: Any, *, status: int = 200, **params: Any
    ) -> Response:
        """Render the template with ``form`` in the context."""
        context = self.get_context(request, **{**params, "form": form})
        return TemplateResponse(request, self.get_template_names(), context, status=status)

    def form_valid(self, request: Request, form: Any, **params: Any) -> Response:
        """Act on a valid form. Here: redirect (303) to :meth:`get_success_url`."""
        return RedirectResponse(self.get_success_url(request, **params), 303)

    def form_invalid(self, request: Request, form: Any, **params: Any) -> Response:
        """Re-render the form with its errors and the submitted values, status 400."""
        return self.render_form(request, form, status=400, **params)

    def get(self, request: Request, **params: Any) -> Response:
        """Show the (unbound) form."""
        return self.render_form(request, self.get_form(request, **params), **params)

    def post(self, request: Request, **params: Any) -> Response:
        """Validate the submitted form: :meth:`form_valid` or :meth:`form_invalid`."""
        form = self.get_form(request, **params)
        if form.is_valid():
            return self.form_valid(request, form, **params)
        return self.form_invalid(request, form, **params)


class FormView(FormMixin):
    """A form page: GET shows ``form_class``, a valid POST calls :meth:`form_valid`.

    Override :meth:`form_valid` to act on ``form.cleaned_data`` (send the message...) and
    return ``super().form_valid(request, form, **params)`` for the 303 redirect.
    """


@lru_cache(maxsize=256)
def model_form(model: type[Model], fields: tuple[str, ...]) -> type[Any]:
    """A :class:`bastion.forms.ModelForm` subclass for ``model`` limited to ``fields``.

    Cached, so each (model, fields) pair builds its class once.
    """
    # Imported here: bastion.views stays importable (and light) without the forms machinery.
    from bastion.forms import ModelForm

    meta = type("Meta", (), {"model": model, "fields": list(fields)})
    name = f"{model.__name__}Form"
    return type(name, (ModelForm,), {"Meta": meta, "__module__": __name__})


class ModelFormMixin(SingleObjectMixin, FormMixin):
    """A form that saves an object: ``form_class``, or a ModelForm from ``model`` + ``fields``.

    Attributes:
        fields: the model fields the form edits. Required without a ``form_class``; there
            is no "all fields", so a field added to the model later is not editable by
            accident.
    """

    template_name_suffix = "_form.html"
    fields: Sequence[str] | None = None
    object: Any = None

    def get_form_class(self, request: Request) -> type[Any]:
        """``form_class``, else a ModelForm of the model's listed ``fields``.

        Raises:
            ImproperlyConfigured: both or neither of ``form_class`` and ``fields`` are set.
        """
        if self.form_class is not None:
            if self.fields is not None:
                raise ImproperlyConfigured(
                    f"{type(self).__name__} sets both form_class and fields; choose one."
                )
            return self.form_class
        if self.fields is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} needs a form_class, or fields listing the model "
                "fields the form may edit."
            )
        return model_form(self.get_model(request), tuple(self.fields))

    def get_form_kwargs(self, request: Request, **params: Any) -> dict[str, Any]:
        """The form's arguments, with ``instance`` (the object being edited, or None)."""
        kwargs = super().get_form_kwargs(request, **params)
        kwargs["instance"] = self.object
        return kwargs

    def get_success_url(self, request: Request, **params: Any) -> str:
        """``success_url`` filled from the saved object, else its ``get_absolute_url()``.

        Raises:
            ImproperlyConfigured: neither is available.
        """
        if self.success_url is not None:
            return format_url(self.success_url, self.object, **params)
        absolute = getattr(self.object, "get_absolute_url", None)
        if absolute is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} needs a success_url, or the model a get_absolute_url()."
            )
        url: str = absolute()
        return url

    def render_form(
        self, request: Request, form: Any, *, status: int = 200, **params: Any
    ) -> Response:
        """Render the template with ``form`` and ``object`` (None on a create page)."""
        params = {**params, "object": self.object}
        if self.object is not None:
            params[self.get_context_object_name(self.object)] = self.object
        return super().render_form(request, form, status=status, **params)

    def form_valid(self, request: Request, form: Any, **params: Any) -> Response:
        """Save the object (and its many-to-many sets, in one transaction), then redirect."""
        with atomic():
            self.object = form.save()
        return super().form_valid(request, form, **params)


class CreateView(ModelFormMixin):
    """Create an object: ``<app_label>/<model_name>_form.html`` with an empty form."""


class UpdateView(ModelFormMixin):
    """Edit the object the URL names (a 404 outside :meth:`get_queryset`, as DetailView)."""

    def get(self, request: Request, **params: Any) -> Response:
        """Show the form filled from the object."""
        self.object = self.get_object(request, **params)
        return super().get(request, **params)

    def post(self, request: Request, **params: Any) -> Response:
        """Validate the submitted values against the object, and save them."""
        self.object = self.get_object(request, **params)
        return super().post(request, **params)


class DeleteView(SingleObjectMixin, GenericView):
    """GET asks for confirmation, POST deletes the object and redirects (303) to ``success_url``.

    There is no ``DELETE`` handler (405): deleting takes a form post, which the CSRF layer
    checks. The confirmation template is ``<app_label>/<model_name>_confirm_delete.html``,
    or Bastion's plain page when the project has none.

    Attributes:
        success_url: where to go after deleting; may use the deleted object's fields
            (filled before the delete) and the path parameters.
    """

    template_name_suffix = "_confirm_delete.html"
    success_url: str | None = None
    object: Any = None

    def get(self, request: Request, **params: Any) -> Response:
        """Show the confirmation page."""
        self.object = obj = self.get_object(request, **params)
        context = self.get_context(
            request, **{**params, self.get_context_object_name(obj): obj, "object": obj}
        )
        names = self.get_template_names()
        try:
            request.app.templates.select_template(names)
        except TemplateNotFound:
            return _default_confirmation(request, context)
        return TemplateResponse(request, names, context)

    def post(self, request: Request, **params: Any) -> Response:
        """Delete the object, then redirect.

        Raises:
            ImproperlyConfigured: no ``success_url``.
        """
        self.object = self.get_object(request, **params)
        target = self.get_success_url(request, **params)
        self.delete_object(request, self.object)
        return RedirectResponse(target, 303)

    def delete_object(self, request: Request, obj: Any) -> None:
        """Delete ``obj`` (with its cascades, in one transaction). Override to soft-delete."""
        obj.delete()

    def get_success_url(self, request: Request, **params: Any) -> str:
        """``success_url``, filled from the object about to be deleted.

        Raises:
            ImproperlyConfigured: no ``success_url``.
        """
        if self.success_url is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a success_url.")
        return format_url(self.success_url, self.object, **params)


def _default_confirmation(request: Request, context: dict[str, Any]) -> Response:
    """Render Bastion's confirmation page with the application's environment.

    The same environment as every template (autoescaping forced, ``csrf_input()``), so the
    page escapes the object's name and carries the CSRF token like a project template.
    """
    variables = {**context, "request": request}
    source = CONFIRM_DELETE_TEMPLATE.read_text(encoding="utf-8")
    content = request.app.templates.environment.from_string(source).render(variables)
    response = HTMLResponse(content)
    response.template_name = CONFIRM_DELETE_TEMPLATE.name  # type: ignore[attr-defined]
    response.context = variables  # type: ignore[attr-defined]
    return response
