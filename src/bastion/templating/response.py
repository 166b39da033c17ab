"""``TemplateResponse`` and ``render()``: a view's usual way to answer with a page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bastion.exceptions import ImproperlyConfigured
from bastion.http.response import HTMLResponse

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.templating.engine import TemplateEngine

__all__ = ["TemplateResponse", "render"]


class TemplateResponse(HTMLResponse):
    """An HTML page rendered from a template with the application's engine.

    The template is rendered when the response is built, with ``request`` added to the
    context, so errors surface in the view that caused them. The template's name and the
    context stay on the response for tests: ``response.context["form"]``.

    Args:
        request: the current request; its application's engine renders the page.
        template_name: a template name, or several: the first one found is used.
        context: the template's variables.
        status: the status code.
        headers: extra headers.
        content_type: overrides ``text/html; charset=utf-8`` (``text/plain`` for a
            ``.txt`` template, for example; it is escaped all the same).

    Raises:
        ImproperlyConfigured: the request belongs to no application.
        TemplateNotFound: no such template.
    """

    def __init__(
        self,
        request: Request,
        template_name: str | Sequence[str],
        context: Mapping[str, Any] | None = None,
        *,
        status: int = 200,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        content_type: str | None = None,
    ) -> None:
        variables = {**context, "request": request} if context else {"request": request}
        self.template_name = template_name
        """The template name(s) given, for tests."""
        self.context: dict[str, Any] = variables
        """The variables the template saw (``request`` included), for tests."""
        content = _engine(request).render(template_name, variables)
        super().__init__(content, status, headers, content_type)


def render(
    request: Request,
    template_name: str | Sequence[str],
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    content_type: str | None = None,
) -> TemplateResponse:
    """Render ``template_name`` with ``context`` into a response (Django's ``render``).

    Example::

        def article(request, slug):
            return render(request, "blog/article.html", {"article": find(slug)})

    Returns:
        A :class:`TemplateResponse`; tests can read its ``context`` and ``template_name``.
    """
    return TemplateResponse(
        request, template_name, context, status=status, headers=headers, content_type=content_type
    )


def _engine(request: Request) -> TemplateEngine:
    engine: TemplateEngine | None = getattr(request.app, "templates", None)
    if engine is None:
        raise ImproperlyConfigured(
            "This request belongs to no Bastion application (request.app is not set), so no "
            "template engine can render. Build requests through the application or "
            "bastion's test client."
        )
    return engine
