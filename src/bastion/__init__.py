"""Bastion: a batteries-included, secure-by-default web framework.

The names a project needs every day are importable from here::

    from bastion import Bastion, Request, Response, JSONResponse, render, path, include

They are loaded on first use (PEP 562), so ``import bastion`` stays cheap: the pytest plugin
and the CLI import the package without paying for Jinja2 or the router.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion._exports import lazy_exports

if TYPE_CHECKING:
    from bastion.app import Bastion as Bastion
    from bastion.apps import App as App
    from bastion.exceptions import BastionError as BastionError
    from bastion.exceptions import ImproperlyConfigured as ImproperlyConfigured
    from bastion.exceptions import SuspiciousOperation as SuspiciousOperation
    from bastion.http.exceptions import BadRequest as BadRequest
    from bastion.http.exceptions import Forbidden as Forbidden
    from bastion.http.exceptions import HTTPException as HTTPException
    from bastion.http.exceptions import MethodNotAllowed as MethodNotAllowed
    from bastion.http.exceptions import NotFound as NotFound
    from bastion.http.files import FileResponse as FileResponse
    from bastion.http.request import Request as Request
    from bastion.http.response import HTMLResponse as HTMLResponse
    from bastion.http.response import JSONResponse as JSONResponse
    from bastion.http.response import PlainTextResponse as PlainTextResponse
    from bastion.http.response import RedirectResponse as RedirectResponse
    from bastion.http.response import Response as Response
    from bastion.http.response import StreamingResponse as StreamingResponse
    from bastion.middleware import default_middleware as default_middleware
    from bastion.routing import include as include
    from bastion.routing import path as path
    from bastion.settings import Settings as Settings
    from bastion.settings import load_settings as load_settings
    from bastion.templating import TemplateResponse as TemplateResponse
    from bastion.templating import render as render
    from bastion.views import CreateView as CreateView
    from bastion.views import DeleteView as DeleteView
    from bastion.views import DetailView as DetailView
    from bastion.views import FormView as FormView
    from bastion.views import ListView as ListView
    from bastion.views import RedirectView as RedirectView
    from bastion.views import TemplateView as TemplateView
    from bastion.views import UpdateView as UpdateView
    from bastion.views import View as View

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "condition": "bastion.http.conditional",
    "make_etag": "bastion.http.conditional",
    "Bastion": "bastion.app",
    "App": "bastion.apps",
    "BastionError": "bastion.exceptions",
    "ImproperlyConfigured": "bastion.exceptions",
    "SuspiciousOperation": "bastion.exceptions",
    "BadRequest": "bastion.http.exceptions",
    "Forbidden": "bastion.http.exceptions",
    "HTTPException": "bastion.http.exceptions",
    "MethodNotAllowed": "bastion.http.exceptions",
    "NotFound": "bastion.http.exceptions",
    "FileResponse": "bastion.http.files",
    "Request": "bastion.http.request",
    "HTMLResponse": "bastion.http.response",
    "JSONResponse": "bastion.http.response",
    "PlainTextResponse": "bastion.http.response",
    "RedirectResponse": "bastion.http.response",
    "Response": "bastion.http.response",
    "StreamingResponse": "bastion.http.response",
    "default_middleware": "bastion.middleware",
    "include": "bastion.routing",
    "path": "bastion.routing",
    "Settings": "bastion.settings",
    "load_settings": "bastion.settings",
    "TemplateResponse": "bastion.templating",
    "render": "bastion.templating",
    "CreateView": "bastion.views",
    "DeleteView": "bastion.views",
    "DetailView": "bastion.views",
    "FormView": "bastion.views",
    "ListView": "bastion.views",
    "RedirectView": "bastion.views",
    "TemplateView": "bastion.views",
    "UpdateView": "bastion.views",
    "View": "bastion.views",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports("bastion", _EXPORTS, globals())
