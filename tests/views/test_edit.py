"""FormView, CreateView, UpdateView and DeleteView end to end, through the test client.

Posts go through the CSRF layer (the client sends ``Sec-Fetch-Site: same-origin``, as a
browser does on its own site); a valid post answers 303, an invalid one 400 with the form.
"""

from __future__ import annotations

import html
import re
from typing import Any, ClassVar

import pytest
from viewtests_models import Note

from bastion import forms, path
from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.testing import Client
from bastion.views import CreateView, DeleteView, FormView, UpdateView

FORM = '<form method="post">{{ form.render(request) }}<button>Save</button></form>'


class ContactForm(forms.Form):
    name = forms.CharField(max_length=10)
    email = forms.EmailField()


class Contact(FormView):
    form_class = ContactForm
    template_name = "contact.html"
    success_url = "/thanks/{who}/"
    initial: ClassVar[dict[str, Any]] = {"name": "Ann"}
    sent: ClassVar[list[dict[str, Any]]] = []

    def form_valid(self, request: Request, form: Any, **params: Any) -> Response:
        self.sent.append(form.cleaned_data)
        return super().form_valid(request, form, **params)


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields: ClassVar[list[str]] = ["title", "slug"]


class NoteCreate(CreateView):
    model = Note
    fields = ("title", "slug", "body")
    success_url = "/notes/{pk}/"


class NoteCreateWithForm(CreateView):
    model = Note
    form_class = NoteForm
    template_name = "contact.html"
    success_url = "/notes/{slug}/"


class OwnNoteUpdate(UpdateView):
    model = Note
    fields = ("title", "body")
    success_url = "/notes/{pk}/"

    def get_queryset(self, request: Request) -> Any:
        return super().get_queryset(request).filter(owner=request.headers.get("x-user", ""))


class OwnNoteDelete(DeleteView):
    model = Note
    success_url = "/notes/?deleted={title}"

    def get_queryset(self, request: Request) -> Any:
        return super().get_queryset(request).filter(owner=request.headers.get("x-user", ""))


class NoteDeleteCustom(DeleteView):
    queryset = Note.objects.all()
    template_name = "sure.html"
    success_url = "/notes/"


@pytest.fixture
def site(make_site: Any) -> Any:
    Contact.sent.clear()
    site = make_site(
        [
            path("contact/<str:who>/", Contact.as_view()),
            path("notes/new/", NoteCreate.as_view()),
            path("notes/new2/", NoteCreateWithForm.as_view()),
            path("notes/<int:pk>/edit/", OwnNoteUpdate.as_view()),
            path("notes/<int:pk>/delete/", OwnNoteDelete.as_view()),
            path("notes/<int:pk>/sure/", NoteDeleteCustom.as_view()),
        ],
        {
            "contact.html": FORM,
            "viewtests/note_form.html": (
                "{% if object %}{{ object.title }}|{{ note.slug }}|{% endif %}" + FORM
            ),
            "sure.html": "Really delete {{ note }}? {{ csrf_input() }}",
        },
    )
    site.ann, site.bob = site.notes("Ann")[0], site.notes("Bob", owner="bob")[0]
    return site


def get_note(site: Any, **lookup: Any) -> Any:
    return site.query(lambda: Note.objects.get(**lookup))


# -- FormView -----------------------------------------------------------------------------


def test_form_view_get_renders_the_form_with_initial_values(site: Any) -> None:
    response = site.client.get("/contact/ann/")
    assert response.status_code == 200
    assert isinstance(response.context["form"], ContactForm)
    assert response.context["who"] == "ann"
    assert 'name="name"' in response.text
    assert 'value="Ann"' in response.text


def test_form_view_validation_error_round_trip(site: Any) -> None:
    response = site.client.post(
        "/contact/ann/", data={"name": "<b>too long for ten</b>", "email": "not-an-email"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"name", "email"}
    # The submitted value is kept (escaped) and the errors are shown.
    assert html.escape("<b>too long for ten</b>") in response.text
    assert "<b>too long" not in response.text
    assert 'aria-invalid="true"' in response.text
    for message in form.errors["email"]:
        assert html.escape(message) in response.text
    assert Contact.sent == []


def test_form_view_valid_post_redirects_with_303(site: Any) -> None:
    response = site.client.post(
        "/contact/a b/", data={"name": "Bob", "email": "bob@example.com", "is_staff": "1"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/thanks/a%20b/"
    assert Contact.sent == [{"name": "Bob", "email": "bob@example.com"}]


def test_a_cross_site_post_is_refused_by_csrf(site: Any) -> None:
    response = site.client.post(
        "/contact/ann/",
        data={"name": "Bob", "email": "bob@example.com"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert Contact.sent == []


def test_form_view_answers_only_get_and_post(site: Any) -> None:
    assert site.client.put("/contact/ann/").status_code == 405
    assert site.client.delete("/contact/ann/").status_code == 405


# -- CreateView ---------------------------------------------------------------------------


def test_create_view_get_renders_an_empty_model_form(site: Any) -> None:
    response = site.client.get("/notes/new/")
    assert response.status_code == 200
    assert response.template_name == ["viewtests/note_form.html"]
    assert response.context["object"] is None
    assert 'name="title"' in response.text
    assert 'name="owner"' not in response.text


def test_create_view_saves_only_the_listed_fields_and_redirects(site: Any) -> None:
    response = site.client.post(
        "/notes/new/",
        data={"title": "New", "slug": "new", "body": "b", "is_staff": "1", "owner": "x", "id": "5"},
    )
    assert response.status_code == 303
    note = get_note(site, slug="new")
    assert response.headers["Location"] == f"/notes/{note.pk}/"
    assert (note.title, note.body, note.is_staff, note.owner) == ("New", "b", False, "")
    assert note.pk == site.bob.pk + 1  # "id=5" was ignored too


def test_create_view_validation_error_round_trip(site: Any) -> None:
    response = site.client.post("/notes/new/", data={"title": "x" * 101, "slug": "not a slug"})
    assert response.status_code == 400
    assert {"title", "slug"} <= set(response.context["form"].errors)
    assert 'name="title" value="' + "x" * 101 + '"' in response.text
    assert 'name="slug" value="not a slug"' in response.text
    assert "at most 100 characters" in response.text
    assert site.query(lambda: Note.objects.count()) == 2


def test_create_view_with_a_form_class(site: Any) -> None:
    response = site.client.post("/notes/new2/", data={"title": "T", "slug": "a-slug"})
    assert (response.status_code, response.headers["Location"]) == (303, "/notes/a-slug/")


def test_create_view_needs_fields_or_a_form_class(site: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="fields"):
        CreateView(model=Note).get_form_class(None)  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match="both"):
        CreateView(model=Note, fields=["title"], form_class=NoteForm).get_form_class(None)  # type: ignore[arg-type]


# -- UpdateView ---------------------------------------------------------------------------


def test_update_view_get_shows_the_object(site: Any) -> None:
    response = site.client.get(f"/notes/{site.ann.pk}/edit/", headers={"X-User": "ann"})
    assert response.status_code == 200
    assert response.text.startswith("Ann|ann|")
    assert 'value="Ann"' in response.text


def test_update_view_saves_and_redirects(site: Any) -> None:
    response = site.client.post(
        f"/notes/{site.ann.pk}/edit/",
        data={"title": "Renamed", "body": "new", "owner": "bob"},
        headers={"X-User": "ann"},
    )
    assert (response.status_code, response.headers["Location"]) == (303, f"/notes/{site.ann.pk}/")
    note = get_note(site, pk=site.ann.pk)
    assert (note.title, note.body, note.owner, note.slug) == ("Renamed", "new", "ann", "ann")


def test_update_view_validation_error_keeps_the_object(site: Any) -> None:
    response = site.client.post(
        f"/notes/{site.ann.pk}/edit/", data={"title": ""}, headers={"X-User": "ann"}
    )
    assert response.status_code == 400
    assert "title" in response.context["form"].errors
    assert response.context["object"].pk == site.ann.pk
    assert get_note(site, pk=site.ann.pk).title == "Ann"


def test_update_view_outside_get_queryset_is_404(site: Any) -> None:
    as_bob = {"X-User": "bob"}
    assert site.client.get(f"/notes/{site.ann.pk}/edit/", headers=as_bob).status_code == 404
    response = site.client.post(
        f"/notes/{site.ann.pk}/edit/", data={"title": "Hijacked"}, headers=as_bob
    )
    assert response.status_code == 404
    assert get_note(site, pk=site.ann.pk).title == "Ann"


# -- DeleteView ---------------------------------------------------------------------------


def test_delete_view_get_shows_the_default_confirmation_page(site: Any) -> None:
    response = site.client.get(f"/notes/{site.ann.pk}/delete/", headers={"X-User": "ann"})
    assert response.status_code == 200
    assert "Delete Ann?" in response.text
    assert '<form method="post">' in response.text
    assert response.context["object"].pk == site.ann.pk
    assert get_note(site, pk=site.ann.pk)


def test_the_default_confirmation_page_escapes_and_carries_csrf(site: Any) -> None:
    evil = site.notes("<script>x</script>")[0]
    response = site.client.get(f"/notes/{evil.pk}/delete/", headers={"X-User": "ann"})
    assert "<script>x" not in response.text
    assert "&lt;script&gt;x&lt;/script&gt;" in response.text
    assert 'name="csrf_token"' in response.text


def test_delete_view_get_uses_the_project_template(site: Any) -> None:
    response = site.client.get(f"/notes/{site.ann.pk}/sure/")
    assert response.text.startswith("Really delete Ann? ")
    assert response.template_name == ["sure.html"]


def test_delete_view_post_deletes_and_redirects(site: Any) -> None:
    response = site.client.post(f"/notes/{site.ann.pk}/delete/", headers={"X-User": "ann"})
    assert (response.status_code, response.headers["Location"]) == (303, "/notes/?deleted=Ann")
    assert not site.query(lambda: Note.objects.filter(pk=site.ann.pk).exists())


def test_delete_view_outside_get_queryset_is_404(site: Any) -> None:
    response = site.client.post(f"/notes/{site.ann.pk}/delete/", headers={"X-User": "bob"})
    assert response.status_code == 404
    assert site.query(lambda: Note.objects.filter(pk=site.ann.pk).exists())


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_delete_view_deletes_only_through_a_post(site: Any, method: str) -> None:
    url = f"/notes/{site.ann.pk}/delete/"
    response = site.client.request(method, url, headers={"X-User": "ann"})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert site.query(lambda: Note.objects.filter(pk=site.ann.pk).exists())


def test_a_cross_site_delete_post_is_refused(site: Any) -> None:
    response = site.client.post(
        f"/notes/{site.ann.pk}/delete/",
        headers={"X-User": "ann", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert site.query(lambda: Note.objects.filter(pk=site.ann.pk).exists())


class WithAbsoluteUrl(CreateView):
    model = Note
    fields = ("title", "slug")
    template_name = "contact.html"


class NoSuccessUrl(FormView):
    form_class = ContactForm
    template_name = "contact.html"


def test_without_success_url_the_object_url_is_used(make_site: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(Note, "get_absolute_url", lambda self: f"/n/{self.slug}/", raising=False)
    site = make_site([path("abs/", WithAbsoluteUrl.as_view())], {"contact.html": FORM})
    response = site.client.post("/abs/", data={"title": "T", "slug": "abs"})
    assert (response.status_code, response.headers["Location"]) == (303, "/n/abs/")


def test_missing_configuration_is_reported(site: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="form_class"):
        FormView(template_name="contact.html").get_form_class(None)  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match="success_url"):
        NoSuccessUrl().get_success_url(None)  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match="success_url"):
        DeleteView(model=Note).get_success_url(None)  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match="get_absolute_url"):
        WithAbsoluteUrl().get_success_url(None)  # type: ignore[arg-type]


def test_without_fetch_metadata_the_token_in_the_rendered_form_is_what_passes(site: Any) -> None:
    """An old browser: no Sec-Fetch-Site, so the post needs the form's own CSRF token."""
    old = Client(site.app, fetch_metadata=False)
    page = old.get("/contact/ann/").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    data = {"name": "Bob", "email": "bob@example.com"}
    assert old.post("/contact/ann/", data=data).status_code == 403
    response = old.post("/contact/ann/", data={**data, "csrf_token": match.group(1)})
    assert response.status_code == 303
    assert Contact.sent == [data]
