"""``ObjectPermissionMixin``: generic views that only reach the objects the user may use.

Put it first in the bases of a ``ListView``, ``DetailView``, ``UpdateView`` or ``DeleteView``::

    class DocumentDetail(ObjectPermissionMixin, DetailView):
        model = Document
        permission_action = "view"

The view's queryset is narrowed with :func:`bastion.auth.permissions.for_user` (one query,
global and object permissions, users and their groups). An object outside it answers 404,
exactly like an id that does not exist, so ids cannot be probed; anonymous users see
nothing. The default action follows the view: ``change`` for UpdateView, ``delete`` for
DeleteView, ``view`` otherwise.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bastion.auth.permissions import for_user
from bastion.http.request import Request

__all__ = ["ObjectPermissionMixin"]


class ObjectPermissionMixin:
    """Narrow a generic view's ``get_queryset`` to the objects ``request.user`` may act on."""

    permission_action: ClassVar[str | None] = None
    """``view``, ``change``, ``delete`` (or any action with permissions); None: by view."""

    def get_permission_action(self) -> str:
        if self.permission_action is not None:
            return self.permission_action
        names = {cls.__name__ for cls in type(self).__mro__}
        if "UpdateView" in names:
            return "change"
        if "DeleteView" in names:
            return "delete"
        return "view"

    def get_queryset(self, request: Request) -> Any:
        rows = super().get_queryset(request)  # type: ignore[misc]
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return rows.none()
        return for_user(rows, user, self.get_permission_action())
