"""The demo's views: a function view, a form, a class-based view and a 404 page."""

from typing import Any

from bastion import Request, Response, TemplateView, render

MAX_NAME_LENGTH = 100
NOT_FOUND = 404


def home(request: Request) -> Response:
    """The front page: a short tour with links to each feature."""
    return render(request, "home.html")


def greet(request: Request) -> Response:
    """A form that posts back to itself and greets the name sent.

    The name reaches the page through the template, which escapes it, so ``<script>`` shows
    up as text. The form carries ``csrf_input()``, ready for the CSRF layer.
    """
    name = ""
    if request.method == "POST":
        name = request.form.get("name", "").strip()[:MAX_NAME_LENGTH]
    return render(request, "greet.html", {"name": name})


class AboutView(TemplateView):
    """A class-based view: ``get`` comes from TemplateView; other methods answer 405."""

    template_name = "about.html"

    def get_context(self, request: Request, **params: Any) -> dict[str, Any]:
        """Add the list of features shown on the page."""
        context = super().get_context(request, **params)
        context["features"] = [
            "Autoescaping that cannot be switched off",
            "Host header validation",
            "Request size limits",
            "Content-hashed static files",
        ]
        return context


def error_page(request: Request, status: int, title: str, detail: str) -> Response | None:
    """The project's 404 page, in the site's layout.

    Other statuses, and the JSON API, keep Bastion's built-in error responses (returning None
    asks for them).
    """
    if status != NOT_FOUND or request.path.startswith("/api/"):
        return None
    return render(request, "404.html", {"detail": detail}, status=404)
