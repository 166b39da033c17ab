"""annotate() and aggregate() with Count/Sum/Avg/Min/Max, distinct and filter=Q."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import dbtests_models as m
import pytest

from bastion.db import FieldError
from bastion.db.models import Avg, Count, F, Max, Min, Q, Sum


@pytest.fixture
def stats(db: Any) -> None:
    ann = m.Author.objects.create(name="Ann", email="ann@example.com")
    bob = m.Author.objects.create(name="Bob", email="bob@example.com")
    m.Author.objects.create(name="Cid", email="cid@example.com")
    t1, t2 = m.Tag.objects.create(name="t1"), m.Tag.objects.create(name="t2")
    for author, views, price, status in (
        (ann, 10, "1.50", m.Status.LIVE),
        (ann, 20, "2.50", m.Status.DRAFT),
        (bob, 30, "3.00", m.Status.LIVE),
    ):
        art = m.Article.objects.create(
            author=author, title=f"{author.name}{views}", views=views, price=price, status=status
        )
        art.tags.add(t1, t2)


def test_aggregate_functions(stats: None) -> None:
    got = m.Article.objects.aggregate(
        n=Count("id"), total=Sum("views"), avg=Avg("views"), lo=Min("price"), hi=Max("price")
    )
    assert got["n"] == 3
    assert got["total"] == 60
    assert float(got["avg"]) == 20.0
    assert Decimal(got["lo"]) == Decimal("1.50")
    assert Decimal(got["hi"]) == Decimal("3.00")


def test_aggregate_default_alias_filter_and_empty(stats: None) -> None:
    assert m.Article.objects.aggregate(Count("id")) == {"id__count": 3}
    live = m.Article.objects.aggregate(n=Count("id", filter=Q(status=m.Status.LIVE)))
    assert live == {"n": 2}
    assert m.Article.objects.filter(views__gt=15).aggregate(s=Sum("views")) == {"s": 50}
    assert m.Article.objects.none().aggregate(n=Count("id"), s=Sum("views")) == {
        "n": 0,
        "s": None,
    }
    assert m.Article.objects.filter(views__gt=999).aggregate(s=Sum("views")) == {"s": None}


def test_count_distinct(stats: None) -> None:
    assert m.Article.objects.aggregate(n=Count("author", distinct=True)) == {"n": 2}
    assert m.Article.objects.filter(tags__name__in=["t1", "t2"]).aggregate(
        n=Count("id", distinct=True), rows=Count("id")
    ) == {"n": 3, "rows": 6}


def test_annotate_count_and_filter_on_it(stats: None) -> None:
    rows = m.Author.objects.annotate(n=Count("articles")).order_by("name")
    assert [(a.name, a.n) for a in rows] == [("Ann", 2), ("Bob", 1), ("Cid", 0)]
    busy = m.Author.objects.annotate(n=Count("articles")).filter(n__gt=1)
    assert [a.name for a in busy] == ["Ann"]
    ordered = m.Author.objects.annotate(n=Count("articles")).order_by("-n", "name")
    assert [a.name for a in ordered] == ["Ann", "Bob", "Cid"]


def test_annotate_with_filter_q_and_values(stats: None) -> None:
    rows = (
        m.Author.objects.annotate(
            live=Count("articles", filter=Q(articles__status=m.Status.LIVE)),
            total=Sum("articles__views"),
        )
        .order_by("name")
        .values_list("name", "live", "total")
    )
    assert list(rows) == [("Ann", 1, 30), ("Bob", 1, 30), ("Cid", 0, None)]


def test_annotate_expression(stats: None) -> None:
    rows = m.Article.objects.annotate(double=F("views") * 2).order_by("views")
    assert [a.double for a in rows] == [20, 40, 60]


def test_values_then_annotate_groups(stats: None) -> None:
    rows = (
        m.Article.objects.values("status")
        .annotate(n=Count("id"), v=Sum("views"))
        .order_by("status")
    )
    assert list(rows) == [
        {"status": "draft", "n": 1, "v": 20},
        {"status": "live", "n": 2, "v": 40},
    ]


def test_alias_checks(stats: None) -> None:
    with pytest.raises(FieldError):
        m.Author.objects.annotate(name=Count("articles"))
    with pytest.raises(FieldError):
        m.Author.objects.aggregate(**{"a b": Count("id")})
    with pytest.raises(TypeError):
        m.Author.objects.aggregate()


def test_values_list_of_only_an_aggregate_groups_per_row(
    stats: None, request: pytest.FixtureRequest
) -> None:
    rows = (
        m.Author.objects.annotate(s=Sum("articles__views"))
        .order_by("name")
        .values_list("s", flat=True)
    )
    assert list(rows) == [30, 30, None]


def test_avg_of_integers_is_a_float_everywhere(stats: None, request: pytest.FixtureRequest) -> None:
    got = m.Article.objects.aggregate(avg=Avg("views"))["avg"]
    assert isinstance(got, float)
    assert got == 20.0
