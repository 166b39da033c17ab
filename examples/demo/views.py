"""The demo's views: a function view, a form, a class-based view, notes kept in a database
(generic list, create and edit views, with a file attachment served as a download) and a 404
page."""

from typing import Any

from bastion import NotFound, Request, Response, TemplateView, render
from bastion.files import UPLOAD_CSP, serve
from bastion.security.headers import csp_override
from bastion.views import CreateView, ListView, UpdateView
from examples.demo.forms import NoteForm
from examples.demo.notes.models import Note

MAX_NAME_LENGTH = 100
NOT_FOUND = 404
NOTES_PER_PAGE = 10


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


class NoteList(ListView):
    """The notes, newest first (the model's ordering), ``NOTES_PER_PAGE`` a page (``?page=2``).

    ListView checks the page number (a positive integer, not past the last page: else 404),
    so a crafted URL cannot ask the database for a huge OFFSET.
    """

    model = Note
    paginate_by = NOTES_PER_PAGE
    template_name = "notes.html"
    context_object_name = "notes"


class NoteFormPage:
    """What the create and edit pages share: the form, the template, the way back.

    An invalid post shows the page again with status 400, each field's errors beside it and
    the values typed kept (the form's rendering does both); a valid one saves and answers
    303 to the list.
    """

    model = Note
    form_class = NoteForm
    template_name = "note_form.html"

    def get_success_url(self, request: Request, **params: Any) -> str:
        """Back to the list, by route name."""
        return request.app.reverse("note_list")


class NoteCreate(NoteFormPage, CreateView):
    """A form for a new note."""


class NoteUpdate(NoteFormPage, UpdateView):
    """The same form, filled with note ``pk`` (404 when there is none)."""


@csp_override(UPLOAD_CSP)
def note_attachment(request: Request, pk: int) -> Response:
    """Note ``pk``'s file, as a download named after the client's original file name.

    The storage name comes from the row, never from the URL; ``serve()`` sends it as an
    attachment with ``nosniff`` and a sandbox CSP (which ``csp_override`` keeps from being
    replaced by the site's policy), so even a file a browser would render runs no script.
    """
    note = Note.objects.filter(pk=pk).first()
    if note is None or not note.attachment:
        raise NotFound(f"Note {pk} has no attachment.")
    storage = Note._meta.get_field("attachment").storage
    return serve(request, storage, note.attachment, download_name=note.attachment_name or None)


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
