"""The functions every template can call: ``url``, ``static``, ``csrf_input``, ``csrf_token``,
``csp_nonce``.

They read ``request`` from the template's context (``render()`` and
:class:`~bastion.templating.TemplateResponse` always put it there), so links honour the
mount point (``SCRIPT_NAME``) and forms get this request's CSRF token without a
context-local proxy. The CSRF and CSP hooks are attributes of the request that the
security middleware fills (``request.csrf_token_factory``, ``request.csp_nonce_factory``);
until a layer sets them the helpers render nothing, so a template written today keeps
working when those layers are switched on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

__all__ = ["CSRF_FIELD_NAME", "template_globals"]

CSRF_FIELD_NAME = "csrf_token"
"""Default name of the hidden form field ``csrf_input()`` renders (``CSRF.field_name``)."""

# Literals, so the markup is plainly constant; adding a str to Markup escapes it (and costs
# half of Markup.format(), which goes through string.Formatter).
_CSRF_INPUT_NAME = Markup('<input type="hidden" name="')
_CSRF_INPUT_VALUE = Markup('" value="')
_CSRF_INPUT_END = Markup('">')
_EMPTY = Markup("")


def _request(context: Context) -> Any:
    return context.get("request")


def _csrf_token(context: Context) -> str:
    factory: Callable[[], str] | None = getattr(_request(context), "csrf_token_factory", None)
    return factory() if factory is not None else ""


def _csrf_input_start(context: Context) -> Markup:
    """The ``<input`` up to its value, named by ``CSRF.field_name`` (what the middleware reads)."""
    settings = getattr(_request(context), "settings", None)
    name: str | None = getattr(getattr(settings, "CSRF", None), "field_name", None)
    return _csrf_input_start_for(name or CSRF_FIELD_NAME)


@lru_cache(maxsize=16)
def _csrf_input_start_for(field_name: str) -> Markup:
    return _CSRF_INPUT_NAME + field_name + _CSRF_INPUT_VALUE


def template_globals(*, url: Callable[..., str], static: Callable[[str], str]) -> dict[str, Any]:
    """Build the globals of a template environment.

    Args:
        url: reverses a route name to a path without the mount point
            (:meth:`bastion.Bastion.reverse`).
        static: turns a static file's path into its URL (:meth:`StaticFiles.url`).

    Returns:
        The name → callable mapping to install as ``Environment.globals``.
    """

    @pass_context
    def url_global(context: Context, name: str, /, **params: Any) -> str:
        """The URL path of route ``name``, mount point included when a request is known."""
        return getattr(_request(context), "root_path", "") + url(name, **params)

    @pass_context
    def csrf_input(context: Context) -> Markup:
        """A hidden ``<input>`` carrying this request's masked CSRF token (or nothing)."""
        token = _csrf_token(context)
        return _csrf_input_start(context) + token + _CSRF_INPUT_END if token else _EMPTY

    @pass_context
    def csrf_token(context: Context) -> str:
        """This request's masked CSRF token, for JavaScript headers; ``""`` without one."""
        return _csrf_token(context)

    @pass_context
    def csp_nonce(context: Context) -> str:
        """The CSP nonce of this response, for ``<script nonce="...">``; ``""`` without one."""
        factory: Callable[[], str] | None = getattr(_request(context), "csp_nonce_factory", None)
        return factory() if factory is not None else ""

    return {
        "url": url_global,
        "static": static,
        "csrf_input": csrf_input,
        "csrf_token": csrf_token,
        "csp_nonce": csp_nonce,
    }
