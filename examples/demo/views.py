"""The demo's views: a function view, a form, a class-based view, notes kept in a database
(list, create, edit) and a 404 page."""

from typing import Any

from bastion import NotFound, RedirectResponse, Request, Response, TemplateView, render
from bastion.exceptions import ValidationError
from examples.demo.notes.models import Note

MAX_NAME_LENGTH = 100
NOT_FOUND = 404
NOTES_PER_PAGE = 10
MAX_PAGE = 1000


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


def note_list(request: Request) -> Response:
    """The notes, newest first, ``NOTES_PER_PAGE`` a page (``?page=2``).

    The page number is checked (a positive int up to ``MAX_PAGE``), so a crafted URL cannot
    ask the database for a huge OFFSET; one extra row is fetched to know if a next page exists.
    """
    raw = request.query.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise NotFound(f"No page {raw[:20]!r} of notes.")
    page = int(raw)
    start = (page - 1) * NOTES_PER_PAGE
    notes = list(Note.objects.all()[start : start + NOTES_PER_PAGE + 1])
    context = {
        "notes": notes[:NOTES_PER_PAGE],
        "page": page,
        "has_next": len(notes) > NOTES_PER_PAGE and page < MAX_PAGE,
    }
    return render(request, "notes.html", context)


def note_create(request: Request) -> Response:
    """A form for a new note; a valid post saves it and goes back to the list."""
    return _note_form(request, Note())


def note_edit(request: Request, pk: int) -> Response:
    """The same form, filled with note ``pk``."""
    note = Note.objects.filter(pk=pk).first()
    if note is None:
        raise NotFound(f"No note {pk}.")
    return _note_form(request, note)


def _note_form(request: Request, note: Note) -> Response:
    """Show the form; on POST, validate with ``full_clean()`` and save or show the errors.

    The model's own rules (a required title of at most 200 characters) are the validation:
    ``full_clean()`` reports every field's problems at once, shown beside each field, with
    status 400 so that a failed post is never mistaken for a success.
    """
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        note.title = request.form.get("title", "").strip()
        note.body = request.form.get("body", "").strip()
        try:
            note.full_clean()
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            note.save()
            return RedirectResponse(request.app.reverse("note_list"), status=303)
    context = {"note": note, "errors": errors, "editing": note.pk is not None}
    return render(request, "note_form.html", context, status=400 if errors else 200)


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
