"""The shared machinery: the permission hook, template names, querysets, success URLs."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from viewtests_models import Note

from bastion import path
from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.http.response import RedirectResponse, Response
from bastion.views import DeleteView, DetailView, FormView, GenericView, ListView, UpdateView
from bastion.views.generic import ModelMixin, format_url


class StaffOnly:
    def has_permission(self, request: Request) -> bool:
        return request.headers.get("x-staff") == "yes"


class StaffList(StaffOnly, ListView):
    model = Note


class StaffDetail(StaffOnly, DetailView):
    model = Note


class StaffUpdate(StaffOnly, UpdateView):
    model = Note
    fields = ("title",)
    success_url = "/"


class StaffDelete(StaffOnly, DeleteView):
    model = Note
    success_url = "/"


class StaffForm(StaffOnly, FormView):
    template_name = "x.html"


class ToLogin(StaffOnly, ListView):
    model = Note

    def permission_denied(self, request: Request) -> Response:
        return RedirectResponse("/login/", 303)


@pytest.fixture
def site(make_site: Any) -> Any:
    site = make_site(
        [
            path("list/", StaffList.as_view()),
            path("detail/<int:pk>/", StaffDetail.as_view()),
            path("update/<int:pk>/", StaffUpdate.as_view()),
            path("delete/<int:pk>/", StaffDelete.as_view()),
            path("form/", StaffForm.as_view()),
            path("login-first/", ToLogin.as_view()),
        ],
        {"viewtests/note_list.html": "list", "viewtests/note_detail.html": "detail"},
    )
    site.note = site.notes("One")[0]
    return site


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "OPTIONS"])
@pytest.mark.parametrize(
    "url", ["/list/", "/detail/{pk}/", "/update/{pk}/", "/delete/{pk}/", "/form/"]
)
def test_has_permission_answers_403_before_anything_else(site: Any, url: str, method: str) -> None:
    """Refused before the method, the object or the form is looked at: even 405 is hidden."""
    response = site.client.request(method, url.format(pk=site.note.pk))
    assert response.status_code == 403
    missing = site.client.request(method, url.format(pk=999999))
    assert missing.status_code == 403
    assert site.query(lambda: Note.objects.get(pk=site.note.pk).title) == "One"


def test_permission_granted(site: Any) -> None:
    staff = {"X-Staff": "yes"}
    assert site.client.get("/list/", headers=staff).text == "list"
    assert site.client.get(f"/detail/{site.note.pk}/", headers=staff).text == "detail"


def test_permission_denied_can_be_customised(site: Any) -> None:
    response = site.client.get("/login-first/")
    assert (response.status_code, response.headers["Location"]) == (303, "/login/")


def test_template_name_is_required_without_a_model() -> None:
    with pytest.raises(ImproperlyConfigured, match="template_name"):
        GenericView().get_template_names()
    assert ListView(queryset=Note.objects.all()).get_template_names() == [
        "viewtests/note_list.html"
    ]
    assert DetailView(template_name="a.html").get_template_names() == ["a.html"]


def test_a_queryset_or_model_is_required() -> None:
    with pytest.raises(ImproperlyConfigured, match="model, a queryset"):
        ModelMixin().get_queryset(None)  # type: ignore[arg-type]


def test_format_url_encodes_values(site: Any) -> None:
    note = site.note
    assert format_url("/notes/{pk}/", note) == f"/notes/{note.pk}/"
    note.title = "//evil.example/?x=1#y"
    assert format_url("/t/{title}/", note) == "/t/%2F%2Fevil.example%2F%3Fx%3D1%23y/"
    assert format_url("/u/{user}/", user="a b") == "/u/a%20b/"
    with pytest.raises(ImproperlyConfigured, match="placeholder"):
        format_url("/x/{nope}/", note)


class Extra(ListView):
    queryset = Note.objects.filter(owner="ann")
    template_name = "extra.html"
    extra_context: ClassVar[dict[str, str]] = {"heading": "<Notes>"}


def test_extra_context_and_model_from_queryset(make_site: Any) -> None:
    site = make_site(
        [path("extra/", Extra.as_view())],
        {"extra.html": "{{ heading }}:{% for n in page %}{{ n.title }}{% endfor %}"},
    )
    site.notes("A", "B")
    assert site.client.get("/extra/").text == "&lt;Notes&gt;:AB"
    assert Extra().get_model(None) is Note  # type: ignore[arg-type]
