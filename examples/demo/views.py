"""The demo's views: a function view, a form, a class-based view, notes kept in a database
(generic list, create and edit views, with a file attachment served as a download, each note
private to its owner unless shared) and a 404 page.

The notes pages need a logged-in user (``bastion.auth``'s pages under ``/accounts/``). Who may
do what to a note is an object permission: the writer is granted view/change/delete on
create, the share page grants view (and optionally change) to another user, and every page
looks notes up through ``for_user``, so someone else's note answers 404 exactly like a
missing one.
"""

from typing import Any

from bastion import NotFound, Request, Response, TemplateView, render
from bastion.auth import for_user, grant, login_required
from bastion.auth.middleware import unwrap_user
from bastion.auth.models import User
from bastion.db import atomic
from bastion.db.models import QuerySet
from bastion.files import serve
from bastion.views import CreateView, FormView, ListView, UpdateView
from examples.demo.forms import NoteForm, ShareForm
from examples.demo.notes.models import Note

MAX_NAME_LENGTH = 100
OWNER_ACTIONS = ("view", "change", "delete")
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


def notes_for(request: Request, action: str) -> QuerySet[Note]:
    """The notes ``request.user`` may ``action`` ("view", "change"): one query, grants included.

    Owners hold view/change/delete grants on their notes (given by ``NoteCreate``), so their
    own notes come through the same filter as the ones shared with them.
    """
    return for_user(Note.objects.all(), request.user, action)


@login_required
class NoteList(ListView):
    """The notes the user may read, newest first (the model's ordering), ``NOTES_PER_PAGE`` a
    page (``?page=2``).

    ListView checks the page number (a positive integer, not past the last page: else 404),
    so a crafted URL cannot ask the database for a huge OFFSET.
    """

    model = Note
    paginate_by = NOTES_PER_PAGE
    template_name = "notes.html"
    context_object_name = "notes"

    def get_queryset(self, request: Request) -> QuerySet[Any]:
        """Only the notes granted to the user (their own and the ones shared with them)."""
        return notes_for(request, "view")


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


@login_required
class NoteCreate(NoteFormPage, CreateView):
    """A form for a new note, owned by the user who writes it."""

    def form_valid(self, request: Request, form: Any, **params: Any) -> Response:
        """Save the note as the user's, with their grants, in one transaction.

        The owner comes from the session, never from the form (``owner`` is not editable),
        so nobody can file a note under someone else's name.
        """
        owner = unwrap_user(request.user)
        form.instance.owner = owner
        with atomic():
            response = super().form_valid(request, form, **params)
            for action in OWNER_ACTIONS:
                grant(f"notes.{action}_note", owner, self.object, by=owner, request=request)
        return response


@login_required
class NoteUpdate(NoteFormPage, UpdateView):
    """The same form, filled with note ``pk``: 404 when there is none *or* when the user may
    not change it, so ids of other people's notes cannot be probed."""

    def get_queryset(self, request: Request) -> QuerySet[Any]:
        """The notes the user may change (their own, and those shared with "can edit")."""
        return notes_for(request, "change")


@login_required
class NoteShare(FormView):
    """``/notes/<pk>/share/``: the owner lets another user read (or also edit) note ``pk``.

    Only the owner reaches it: anyone else, even with a "change" grant, gets 404. An unknown
    address is a field error ("No user has this address"). That does tell a logged-in user
    whether an address has an account; the demo accepts it, because sharing needs that answer
    to be useful and only signed-up users see the page (a public site would instead send an
    invitation by mail and say the same thing in both cases).
    """

    form_class = ShareForm
    template_name = "note_share.html"

    def get_note(self, request: Request, pk: int) -> Note:
        """The user's own note ``pk``, else 404."""
        note = Note.objects.filter(pk=pk, owner=unwrap_user(request.user)).first()
        if note is None:
            raise NotFound(f"No note {pk}.")
        return note

    def get_context(self, request: Request, **context: Any) -> dict[str, Any]:
        """Add the note being shared."""
        context = super().get_context(request, **context)
        context["note"] = self.get_note(request, context["pk"])
        return context

    def post(self, request: Request, **params: Any) -> Response:
        """Check the note is the user's before looking at the form."""
        self.get_note(request, params["pk"])
        return super().post(request, **params)

    def form_valid(self, request: Request, form: Any, **params: Any) -> Response:
        """Grant view (and change, when asked) on the note to the user with that address."""
        note = self.get_note(request, params["pk"])
        owner = unwrap_user(request.user)
        email = User.objects.normalize_email(form.cleaned_data["email"])
        reader = User.objects.filter(email=email, is_active=True).first()
        if reader is None:
            form.add_error("email", "No user has this address.")
            return self.form_invalid(request, form, **params)
        if reader.pk == owner.pk:
            form.add_error("email", "This note is already yours.")
            return self.form_invalid(request, form, **params)
        actions = ("view", "change") if form.cleaned_data["can_edit"] else ("view",)
        with atomic():
            for action in actions:
                grant(f"notes.{action}_note", reader, note, by=owner, request=request)
        return super().form_valid(request, form, **params)

    def get_success_url(self, request: Request, **params: Any) -> str:
        """Back to the list, by route name."""
        return request.app.reverse("note_list")


@login_required
def note_attachment(request: Request, pk: int) -> Response:
    """Note ``pk``'s file, as a download named after the client's original file name.

    The storage name comes from the row, never from the URL; ``serve()`` sends it as an
    attachment with ``nosniff`` and a sandbox CSP (sent beside the site's policy; the browser
    enforces both), so even a file a browser would render runs no script.
    Only a user who may view the note gets it; for anyone else it does not exist (404).
    """
    note = notes_for(request, "view").filter(pk=pk).first()
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
