"""Class-based views: method dispatch, and the two generic views every site needs.

Function views need nothing from here: any ``view(request, **params) -> Response`` works.
A class-based view is turned into such a function once, by :meth:`View.as_view`; a new
instance handles each request, so instances may keep per-request state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from bastion.http.exceptions import MethodNotAllowed
from bastion.http.request import Request
from bastion.http.response import RedirectResponse, Response
from bastion.templating.response import TemplateResponse
from bastion.viewoptions import get_view_options, set_view_option

__all__ = ["RedirectView", "TemplateView", "View"]

_HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


class View:
    """Dispatch a request to the method named after its HTTP method (``get``, ``post``...).

    A method the class does not define answers 405 with an ``Allow`` header; ``head`` falls
    back to ``get``; ``options`` answers with ``Allow``.
    """

    http_method_names: ClassVar[tuple[str, ...]] = _HTTP_METHODS

    def __init__(self, **initkwargs: Any) -> None:
        for key, value in initkwargs.items():
            setattr(self, key, value)

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., Response]:
        """Return a function view that builds a fresh instance per request.

        Raises:
            TypeError: an initkwarg is not an attribute of the class (a typo).
        """
        for key in initkwargs:
            if key in cls.http_method_names or not hasattr(cls, key):
                raise TypeError(
                    f"{cls.__name__}.as_view() got {key!r}, which is not an attribute of the "
                    "class. Only existing attributes can be set this way."
                )

        def view(request: Request, **params: Any) -> Response:
            return cls(**initkwargs).dispatch(request, **params)

        view.__name__ = cls.__name__
        view.__qualname__ = cls.__qualname__
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.view_class = cls  # type: ignore[attr-defined]
        for name, value in get_view_options(cls).items():  # decorators applied to the class
            set_view_option(view, name, value)
        return view

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The HTTP methods this view answers, upper-cased."""
        names = {m for m in cls.http_method_names if hasattr(cls, m)}
        if "get" in names:
            names.add("head")
        names.add("options")
        return sorted(name.upper() for name in names if name in cls.http_method_names)

    def dispatch(self, request: Request, **params: Any) -> Response:
        """Call the handler method for ``request.method``.

        Raises:
            MethodNotAllowed: the class has no handler for the method.
        """
        name = request.method.lower()
        handler = getattr(self, name, None) if name in self.http_method_names else None
        if handler is None and name == "head":
            handler = getattr(self, "get", None)
        if handler is None:
            if name == "options" and "options" in self.http_method_names:
                return self.options(request, **params)
            raise MethodNotAllowed(self.allowed_methods())
        response: Response = handler(request, **params)
        return response

    def options(self, request: Request, **params: Any) -> Response:
        """Answer ``OPTIONS`` with the ``Allow`` header and no body."""
        return Response(b"", 204, {"Allow": ", ".join(self.allowed_methods())})


class TemplateView(View):
    """Render ``template_name`` with :meth:`get_context` on GET."""

    template_name: ClassVar[str | None] = None
    extra_context: Mapping[str, Any] | None = None

    def get_context(self, request: Request, **params: Any) -> dict[str, Any]:
        """The template context: the path parameters, then ``extra_context``."""
        context: dict[str, Any] = dict(params)
        if self.extra_context:
            context.update(self.extra_context)
        return context

    def get_template_names(self) -> list[str]:
        """The templates to try, first found wins.

        Raises:
            TypeError: the subclass did not set ``template_name``.
        """
        if not self.template_name:
            raise TypeError(f"{type(self).__name__} needs a template_name.")
        return [self.template_name]

    def get(self, request: Request, **params: Any) -> Response:
        """Render the template."""
        return TemplateResponse(
            request, self.get_template_names(), self.get_context(request, **params)
        )


class RedirectView(View):
    """Redirect to ``url`` (may use ``{param}`` placeholders) or to the route ``route_name``.

    ``permanent`` chooses 308 over 307, so the method is kept either way. ``query_string``
    keeps the request's query string. A target on another host is refused unless it is
    listed in ``ALLOWED_REDIRECT_HOSTS``.
    """

    url: str | None = None
    route_name: str | None = None
    permanent: bool = False
    query_string: bool = False

    def get_redirect_url(self, request: Request, **params: Any) -> str | None:
        """The target, or None to answer 410 Gone."""
        if self.url is not None:
            target = self.url.format(**params)
        elif self.route_name is not None:
            target = request.app.url_for(request, self.route_name, **params)
        else:
            return None
        if self.query_string and request.query_string:
            target = f"{target}?{request.query_string.decode('latin-1')}"
        return target

    def get(self, request: Request, **params: Any) -> Response:
        """Redirect, or 410 when there is no target."""
        target = self.get_redirect_url(request, **params)
        if target is None:
            return Response(b"", 410)
        return RedirectResponse(target, 308 if self.permanent else 307)

    head = get
    post = get
    put = get
    patch = get
    delete = get
