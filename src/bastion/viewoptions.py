"""Per-view options: how a decorator on a view tells a middleware to treat it differently.

The router matches the request before the middleware chain runs, so a layer such as CSRF or
CSP can look at the options of the view that is about to answer (``request.view_option``).
Every weakening option is set by a decorator whose name says so (``csrf_exempt``,
``xframe_options_exempt``...), which keeps opt-outs greppable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["OPTIONS_ATTRIBUTE", "get_view_options", "set_view_option", "view_option"]

OPTIONS_ATTRIBUTE = "__bastion_options__"

F = TypeVar("F", bound=Callable[..., Any])


def get_view_options(view: object) -> dict[str, Any]:
    """The options set on ``view`` (a function view, or a ``View`` class), or an empty dict."""
    options: dict[str, Any] | None = getattr(view, OPTIONS_ATTRIBUTE, None)
    return options if options is not None else {}


def set_view_option(view: object, name: str, value: Any) -> None:
    """Set one option on ``view`` (a copy is made, so a base class is never changed)."""
    options = {**get_view_options(view), name: value}
    setattr(view, OPTIONS_ATTRIBUTE, options)


def view_option(name: str, value: Any) -> Callable[[F], F]:
    """A decorator that sets option ``name`` on the view it decorates (function or class)."""

    def decorate(view: F) -> F:
        set_view_option(view, name, value)
        return view

    return decorate
