"""Class-based views: ``View``, ``TemplateView``, ``RedirectView`` and the generic views.

The generic views (``ListView``, ``DetailView``, ``FormView``, ``CreateView``,
``UpdateView``, ``DeleteView``) are loaded the first time one is used, so importing
``bastion.views`` for ``View`` stays as cheap as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion._exports import lazy_exports
from bastion.views.base import RedirectView as RedirectView
from bastion.views.base import TemplateView as TemplateView
from bastion.views.base import View as View

if TYPE_CHECKING:
    from bastion.views.detail import DetailView as DetailView
    from bastion.views.edit import CreateView as CreateView
    from bastion.views.edit import DeleteView as DeleteView
    from bastion.views.edit import FormView as FormView
    from bastion.views.edit import UpdateView as UpdateView
    from bastion.views.generic import GenericView as GenericView
    from bastion.views.list import ListView as ListView
    from bastion.views.list import Page as Page

__all__ = [
    "CreateView",
    "DeleteView",
    "DetailView",
    "FormView",
    "GenericView",
    "ListView",
    "Page",
    "RedirectView",
    "TemplateView",
    "UpdateView",
    "View",
]

_EXPORTS = {
    "CreateView": "bastion.views.edit",
    "DeleteView": "bastion.views.edit",
    "DetailView": "bastion.views.detail",
    "FormView": "bastion.views.edit",
    "GenericView": "bastion.views.generic",
    "ListView": "bastion.views.list",
    "Page": "bastion.views.list",
    "UpdateView": "bastion.views.edit",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
