"""``DetailView``: one object, found by ``pk`` or ``slug`` among those the request may see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bastion.templating.response import TemplateResponse
from bastion.views.generic import GenericView, SingleObjectMixin

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response

__all__ = ["DetailView"]


class DetailView(SingleObjectMixin, GenericView):
    """Render ``<app_label>/<model_name>_detail.html`` with the object the URL names.

    The object is looked up through :meth:`get_queryset`, so an object outside it is a 404;
    the context holds it as ``object`` and as ``context_object_name`` (default: the model's
    name), with the path parameters.
    """

    template_name_suffix = "_detail.html"

    def get(self, request: Request, **params: Any) -> Response:
        """Render the object, or 404."""
        obj = self.get_object(request, **params)
        context = self.get_context(
            request, **{**params, self.get_context_object_name(obj): obj, "object": obj}
        )
        return TemplateResponse(request, self.get_template_names(), context)
