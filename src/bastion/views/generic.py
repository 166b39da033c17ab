"""What every generic view shares: the permission hook, the queryset, the template names.

The generic views (:mod:`~bastion.views.list`, :mod:`~bastion.views.detail`,
:mod:`~bastion.views.edit`) are built from the classes here. Two hooks carry their access
control:

- :meth:`GenericView.has_permission` is asked before anything else (before the method is
  even looked at), and a ``False`` answers 403 through :meth:`GenericView.permission_denied`.
- :meth:`ModelMixin.get_queryset` is the set of rows the view may show or change. A row
  outside it is *missing* (404), not *forbidden* (403): narrowing the queryset to the user's
  own rows means another user's ids cannot be told apart from ids that do not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bastion.exceptions import ImproperlyConfigured, ValidationError
from bastion.http.exceptions import Forbidden, NotFound
from bastion.views.base import View

if TYPE_CHECKING:
    from bastion.db.models import Model
    from bastion.db.models.queryset import QuerySet
    from bastion.http.request import Request
    from bastion.http.response import Response

__all__ = ["GenericView", "ModelMixin", "SingleObjectMixin", "format_url"]


class GenericView(View):
    """A view with a permission hook, a template and a context.

    Attributes:
        template_name: the template to render; when unset, the generic views derive one from
            their model (``<app_label>/<model_name><template_name_suffix>``).
        extra_context: added to every template context.
    """

    template_name: str | None = None
    template_name_suffix: str = ""
    extra_context: Mapping[str, Any] | None = None

    def dispatch(self, request: Request, **params: Any) -> Response:
        """Ask :meth:`has_permission` first, then dispatch by method.

        Refusing before the method check means a caller without permission learns nothing
        about the view, not even which methods it answers.
        """
        if not self.has_permission(request):
            return self.permission_denied(request)
        return super().dispatch(request, **params)

    def has_permission(self, request: Request) -> bool:
        """Whether ``request`` may use this view at all. Override it; the default allows."""
        return True

    def permission_denied(self, request: Request) -> Response:
        """The answer when :meth:`has_permission` says no: 403 unless overridden.

        Override it to redirect to a login page, for example.

        Raises:
            Forbidden: always, by default.
        """
        raise Forbidden()

    def get_context(self, request: Request, **context: Any) -> dict[str, Any]:
        """The template context: what the view computed, then ``extra_context``."""
        if self.extra_context:
            context.update(self.extra_context)
        return context

    def get_template_names(self) -> list[str]:
        """The templates to try, first found wins: ``template_name``, else the model's default.

        Raises:
            ImproperlyConfigured: no ``template_name`` and no model to derive it from.
        """
        if self.template_name:
            return [self.template_name]
        model: type[Model] | None = getattr(self, "model", None)
        queryset: QuerySet[Any] | None = getattr(self, "queryset", None)
        if model is None and queryset is not None:
            model = queryset.model
        if model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a template_name.")
        meta = model._meta
        return [f"{meta.app_label}/{meta.model_name}{self.template_name_suffix}"]


class ModelMixin:
    """The rows a view works on: ``queryset``, else every row of ``model``.

    Attributes:
        model: the model class.
        queryset: a queryset (cloned per request, so no results are cached across requests).
    """

    model: type[Model] | None = None
    queryset: QuerySet[Any] | None = None

    def get_queryset(self, request: Request) -> QuerySet[Any]:
        """The rows this request may see. Override to narrow it (to the user's own rows...).

        Raises:
            ImproperlyConfigured: neither ``queryset`` nor ``model`` is set.
        """
        if self.queryset is not None:
            return self.queryset.all()
        if self.model is not None:
            rows: QuerySet[Any] = self.model._default_manager.all()
            return rows
        raise ImproperlyConfigured(
            f"{type(self).__name__} needs a model, a queryset, or a get_queryset() method."
        )

    def get_model(self, request: Request) -> type[Model]:
        """The model class, from ``model`` or from the queryset."""
        if self.model is not None:
            return self.model
        model: type[Model] = self.get_queryset(request).model
        return model


class SingleObjectMixin(ModelMixin):
    """Find the one object a URL names, by ``pk`` or by ``slug``, inside :meth:`get_queryset`.

    Attributes:
        pk_url_kwarg: the path parameter holding the primary key.
        slug_url_kwarg: the path parameter holding the slug.
        slug_field: the model field the slug is matched against.
        context_object_name: the object's name in the context, besides ``object``
            (default: the model's name, e.g. ``note``).
    """

    pk_url_kwarg: str = "pk"
    slug_url_kwarg: str = "slug"
    slug_field: str = "slug"
    context_object_name: str | None = None

    def get_object(self, request: Request, **params: Any) -> Any:
        """The object named by the path parameters, looked up through :meth:`get_queryset`.

        Raises:
            NotFound: no such object among those the request may see, or the parameter is
                not a valid value for the field (``"abc"`` for an integer key).
            ImproperlyConfigured: the route has neither a ``pk`` nor a ``slug`` parameter.
        """
        queryset = self.get_queryset(request)
        if self.pk_url_kwarg in params:
            lookup = {"pk": params[self.pk_url_kwarg]}
        elif self.slug_url_kwarg in params:
            lookup = {self.slug_field: params[self.slug_url_kwarg]}
        else:
            raise ImproperlyConfigured(
                f"{type(self).__name__} needs a {self.pk_url_kwarg!r} or "
                f"{self.slug_url_kwarg!r} parameter in its route."
            )
        try:
            return queryset.get(**lookup)
        except queryset.model.DoesNotExist:
            raise NotFound() from None
        except (ValueError, TypeError, ValidationError):
            # A value the field cannot even hold names no object: the same 404 as a missing
            # one, so the answer does not tell the field's type either.
            raise NotFound() from None

    def get_context_object_name(self, obj: Any) -> str:
        """The object's second name in the context (``object`` is always there)."""
        return self.context_object_name or obj._meta.model_name


def format_url(url: str, obj: Any = None, **params: Any) -> str:
    """Fill ``{name}`` placeholders in ``url`` from the object's fields and the path parameters.

    Values are percent-encoded, so a field value cannot add a path segment, a query or
    another host (``//evil.example``) to the URL. Only field values are offered, never the
    object itself, so a placeholder cannot walk attributes (``{obj.__class__}``).

    Raises:
        ImproperlyConfigured: a placeholder names no field and no path parameter.
    """
    values: dict[str, Any] = dict(params)
    if obj is not None:
        for field in obj._meta.fields:
            values[field.name] = values[field.attname] = getattr(obj, field.attname)
        values["pk"] = obj.pk
    encoded = {key: quote(str(value), safe="") for key, value in values.items()}
    try:
        return url.format_map(encoded)
    except (KeyError, IndexError, AttributeError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"The URL {url!r} uses a placeholder that is not a field of the object or a path "
            f"parameter ({exc})."
        ) from exc
