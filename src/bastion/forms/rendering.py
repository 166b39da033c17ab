"""Where form templates are found, and the environment that renders them.

A form renders with its application's Jinja2 environment when the request has one, so the
project can override ``bastion/forms/field.html`` (or any widget template) by putting a
file of that name in its own templates folder, and the ``csrf_input()`` global sees the
request. The lookup falls back to the templates shipped here. Without an application (a
script, a unit test) a small private environment with the same rules is used: autoescape on,
``{% autoescape %}`` refused.
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from markupsafe import Markup

from bastion.exceptions import ImproperlyConfigured

__all__ = ["FORM_TEMPLATES", "environment_for", "render_template"]

FORM_TEMPLATES = Path(__file__).resolve().parent / "templates"
"""The folder holding ``bastion/forms/*.html``."""

_overlays: weakref.WeakKeyDictionary[Environment, Environment] = weakref.WeakKeyDictionary()


def _no_url(*args: Any, **kwargs: Any) -> NoReturn:
    raise ImproperlyConfigured("url() needs an application: render the form with a request.")


def _no_static(path: str) -> NoReturn:
    raise ImproperlyConfigured("static() needs an application: render the form with a request.")


@lru_cache(maxsize=1)
def _standalone() -> Environment:
    from bastion.templating.engine import AutoescapeLock
    from bastion.templating.globals import template_globals

    environment = Environment(
        loader=FileSystemLoader(FORM_TEMPLATES),
        autoescape=True,
        extensions=[AutoescapeLock],
    )
    environment.globals.update(template_globals(url=_no_url, static=_no_static))
    return environment


def environment_for(request: Any) -> Environment:
    """The environment to render forms for ``request`` (its application's, when it has one).

    The application's environment is extended, not changed: an overlay (built once per
    environment) searches the project's folders first and this package's templates last.
    """
    engine = getattr(getattr(request, "app", None), "templates", None)
    base: Environment | None = getattr(engine, "environment", None)
    if base is None:
        return _standalone()
    overlay = _overlays.get(base)
    if overlay is None:
        loaders = [base.loader] if base.loader is not None else []
        overlay = base.overlay(loader=ChoiceLoader([*loaders, FileSystemLoader(FORM_TEMPLATES)]))
        if overlay.autoescape is not True:  # pragma: no cover - the engine forces it on
            raise ImproperlyConfigured("Form templates must render with autoescaping on.")
        _overlays[base] = overlay
    return overlay


def render_template(request: Any, template_name: str, context: dict[str, Any]) -> Markup:
    """Render ``template_name`` with ``request`` in the context; the result is markup."""
    template = environment_for(request).get_template(template_name)
    html = template.render({**context, "request": request})
    # Autoescaping is on (forced above and by the engine): the template escaped every value.
    return Markup(html)  # noqa: S704  # nosec B704
