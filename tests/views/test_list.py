"""ListView end to end: pages, bounds on the page size, and 404 for pages that do not exist."""

from __future__ import annotations

from typing import Any

import pytest
from viewtests_models import Note

from bastion import path
from bastion.http.request import Request
from bastion.views import ListView
from bastion.views.list import Page, parse_positive_int

LIST = (
    "{% for n in object_list %}[{{ n.title }}]{% endfor %}"
    " page={{ page.number }}/{{ page.num_pages }} count={{ page.count }}"
    " next={{ page.has_next }} prev={{ page.has_previous }} same={{ note_list == object_list }}"
)


class Notes(ListView):
    model = Note
    ordering = ("title",)
    paginate_by = 2


class Everyone(ListView):
    queryset = Note.objects.filter(owner="ann")
    max_paginate_by = 3
    per_page_param = "per_page"
    template_name = "plain.html"


class Ordered(ListView):
    queryset = Note.objects.order_by("-title")
    template_name = "plain.html"


class Mine(ListView):
    model = Note
    paginate_by = 10
    context_object_name = "notes"
    template_name = "mine.html"

    def get_queryset(self, request: Request) -> Any:
        return super().get_queryset(request).filter(owner=request.headers.get("x-user", ""))


@pytest.fixture
def site(make_site: Any) -> Any:
    site = make_site(
        [
            path("notes/", Notes.as_view()),
            path("all/", Everyone.as_view()),
            path("mine/", Mine.as_view()),
            path("big/", Notes.as_view(paginate_by=10_000)),
            path("ordered/", Ordered.as_view()),
        ],
        {
            "viewtests/note_list.html": LIST,
            "plain.html": "{% for n in object_list %}[{{ n.title }}]{% endfor %}",
            "mine.html": "{% for n in notes %}[{{ n.title }}]{% endfor %}",
        },
    )
    site.notes("E", "C", "A", "D", "B")
    site.notes("Z", owner="bob")
    return site


def test_first_page_by_default_with_model_template(site: Any) -> None:
    response = site.client.get("/notes/")
    assert response.status_code == 200
    assert response.template_name == ["viewtests/note_list.html"]
    assert response.text == "[A][B] page=1/3 count=6 next=True prev=False same=True"
    page = response.context["page"]
    assert isinstance(page, Page)
    assert (page.next_page_number, page.previous_page_number, len(page)) == (2, None, 2)


def test_middle_and_last_pages(site: Any) -> None:
    assert site.client.get("/notes/?page=2").text.startswith("[C][D] page=2/3")
    last = site.client.get("/notes/", query={"page": "3"})
    assert last.text == "[E][Z] page=3/3 count=6 next=False prev=True same=True"


@pytest.mark.parametrize(
    "page", ["0", "-1", "4", "abc", "1.5", "", " 1", "٣", "1e3", "99999999999999999999999"]
)
def test_a_page_that_is_not_a_positive_integer_or_past_the_end_is_404(site: Any, page: str) -> None:
    assert site.client.get("/notes/", query={"page": page}).status_code == 404


def test_page_size_is_capped_by_max_paginate_by(site: Any) -> None:
    response = site.client.get("/big/")
    assert response.context["page"].per_page == 100
    assert len(response.context["object_list"]) == 6


def test_per_page_from_the_client_is_clamped(site: Any) -> None:
    # Default: max_paginate_by (3) when paginate_by is unset.
    assert site.client.get("/all/").text == "[E][C][A]"
    assert site.client.get("/all/?per_page=2").text == "[E][C]"
    assert site.client.get("/all/?per_page=1000000").text == "[E][C][A]"
    assert site.client.get("/all/?per_page=0").text == "[E][C][A]"
    assert site.client.get("/all/?per_page=x").text == "[E][C][A]"
    assert site.client.get("/all/?per_page=2&page=3").text == "[B]"


def test_per_page_is_ignored_unless_enabled(site: Any) -> None:
    assert site.client.get("/notes/?per_page=50").context["page"].per_page == 2


def test_rows_are_ordered_by_primary_key_without_an_ordering(site: Any) -> None:
    assert site.client.get("/all/?page=2").text == "[D][B]"


def test_get_queryset_narrows_the_list(site: Any) -> None:
    assert site.client.get("/mine/", headers={"X-User": "bob"}).text == "[Z]"
    assert site.client.get("/mine/").text == ""


def test_an_empty_list_has_one_page(make_site: Any) -> None:
    site = make_site([path("notes/", Notes.as_view())], {"viewtests/note_list.html": LIST})
    assert site.client.get("/notes/").text == " page=1/1 count=0 next=False prev=False same=True"
    assert site.client.get("/notes/?page=2").status_code == 404


def test_only_get_is_answered(site: Any) -> None:
    response = site.client.post("/notes/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_a_bad_max_paginate_by_is_a_configuration_error(make_site: Any) -> None:
    from bastion.exceptions import ImproperlyConfigured

    site = make_site([path("n/", Notes.as_view(max_paginate_by=0))], {})
    with pytest.raises(ImproperlyConfigured, match="max_paginate_by"):
        site.client.get("/n/")


def test_parse_positive_int() -> None:
    assert parse_positive_int("7") == 7
    assert parse_positive_int(None) is None
    assert parse_positive_int("0") is None
    assert parse_positive_int("\uff11") is None  # fullwidth digit one


def test_the_queryset_ordering_is_kept(site: Any) -> None:
    assert site.client.get("/ordered/").text == "[Z][E][D][C][B][A]"
