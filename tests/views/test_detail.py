"""DetailView end to end: lookup by pk or slug, and 404 for everything it may not show."""

from __future__ import annotations

from typing import Any

import pytest
from viewtests_models import Note

from bastion import path
from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.views import DetailView


class NoteDetail(DetailView):
    model = Note


class OwnNote(DetailView):
    model = Note
    template_name = "own.html"
    context_object_name = "mine"

    def get_queryset(self, request: Request) -> Any:
        return super().get_queryset(request).filter(owner=request.headers.get("x-user", ""))


@pytest.fixture
def site(make_site: Any) -> Any:
    site = make_site(
        [
            path("n/<int:pk>/", NoteDetail.as_view()),
            path("s/<slug:slug>/", NoteDetail.as_view()),
            path("raw/<str:pk>/", NoteDetail.as_view()),
            path("own/<int:pk>/", OwnNote.as_view()),
            path("none/", NoteDetail.as_view()),
        ],
        {
            "viewtests/note_detail.html": "{{ object.title }}|{{ note.slug }}",
            "own.html": "{{ mine.title }}",
        },
    )
    site.ann, site.bob = site.notes("Ann's <note>")[0], site.notes("Bob", owner="bob")[0]
    return site


def test_by_pk_and_by_slug(site: Any) -> None:
    response = site.client.get(f"/n/{site.ann.pk}/")
    assert response.status_code == 200
    assert response.text == "Ann&#39;s &lt;note&gt;|ann&#39;s-&lt;note&gt;"
    assert response.template_name == ["viewtests/note_detail.html"]
    assert response.context["object"].pk == site.ann.pk
    assert site.client.get("/s/bob/").text == "Bob|bob"


def test_missing_object_is_404(site: Any) -> None:
    assert site.client.get("/n/999999/").status_code == 404
    assert site.client.get("/s/nobody/").status_code == 404


@pytest.mark.parametrize("pk", ["abc", "1.5", "%00", "1%20OR%201=1"])
def test_a_value_the_key_cannot_hold_is_404(site: Any, pk: str) -> None:
    assert site.client.get(f"/raw/{pk}/").status_code == 404


def test_objects_outside_get_queryset_are_404_not_403(site: Any) -> None:
    """Another user's id answers exactly like an id that does not exist: ids cannot be probed."""
    own = site.client.get(f"/own/{site.bob.pk}/", headers={"X-User": "bob"})
    assert (own.status_code, own.text) == (200, "Bob")
    other = site.client.get(f"/own/{site.ann.pk}/", headers={"X-User": "bob"})
    missing = site.client.get("/own/999999/", headers={"X-User": "bob"})
    assert other.status_code == missing.status_code == 404
    assert other.text == missing.text


def test_a_route_without_pk_or_slug_is_a_configuration_error(site: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="'pk' or 'slug'"):
        site.client.get("/none/")
