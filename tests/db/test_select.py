"""SELECT building: select_related walks, exists/aggregate over sliced or distinct querysets."""

from __future__ import annotations

from typing import Any

import dbtests_models as m
import pytest

from bastion.db import FieldError
from bastion.db.models import Avg, Count, F, Max, Min, Sum


def _vendor() -> str:
    from bastion.db import databases

    name = databases().vendor()
    return "mariadb" if name == "mysql" else name


@pytest.fixture
def data(db: Any) -> dict[str, Any]:
    boss = m.Author.objects.create(name="Boss", email="boss@example.com")
    ann = m.Author.objects.create(name="Ann", email="ann@example.com", mentor=boss)
    bob = m.Author.objects.create(name="Bob", email="bob@example.com")
    articles = [
        m.Article.objects.create(author=author, title=f"{author.name}{i}", views=views)
        for i, (author, views) in enumerate([(ann, 10), (ann, 20), (bob, 30), (boss, 40)])
    ]
    group = m.Group.objects.create(name="g")
    m.Membership.objects.create(group=group, author=ann)
    return {"boss": boss, "ann": ann, "bob": bob, "articles": articles, "group": group}


def test_select_related_without_arguments_follows_required_keys(
    data: dict[str, Any], queries: Any
) -> None:
    before = len(queries)
    [membership] = m.Membership.objects.select_related()
    assert membership.group.name == "g"
    assert membership.author.name == "Ann"
    assert len(queries) == before + 1
    # Nullable keys are not followed by a bare select_related(): mentor costs a query.
    assert membership.author.mentor.name == "Boss"
    assert len(queries) == before + 2


def test_select_related_nested_with_a_null_link(data: dict[str, Any], queries: Any) -> None:
    before = len(queries)
    rows = list(m.Article.objects.select_related("author__mentor").order_by("views"))
    assert len(queries) == before + 1
    assert [a.author.mentor.name if a.author.mentor else None for a in rows] == [
        "Boss",
        "Boss",
        None,
        None,
    ]
    assert len(queries) == before + 1


def test_select_related_refuses_other_paths(data: dict[str, Any]) -> None:
    with pytest.raises(FieldError, match="Invalid select_related path 'tags'"):
        list(m.Article.objects.select_related("tags"))
    with pytest.raises(FieldError, match="Invalid select_related path 'title'"):
        list(m.Article.objects.select_related("title"))
    with pytest.raises(FieldError, match="'author__nope'"):
        list(m.Article.objects.select_related("author__nope"))


def test_order_by_and_values_refuse_non_paths(data: dict[str, Any]) -> None:
    with pytest.raises(FieldError):
        list(m.Article.objects.order_by("author__name__nope"))
    with pytest.raises(FieldError):
        list(m.Article.objects.values("author__name__nope"))
    with pytest.raises(FieldError):
        list(m.Article.objects.order_by("nope"))


def test_order_by_annotation_and_related_field(data: dict[str, Any]) -> None:
    names = list(
        m.Author.objects.annotate(n=Count("articles"))
        .order_by("-n", "name")
        .values_list("name", "n")
    )
    assert names == [("Ann", 2), ("Bob", 1), ("Boss", 1)]
    titles = list(
        m.Article.objects.order_by("-author__name", "views").values_list("title", flat=True)
    )
    assert titles == ["Boss3", "Bob2", "Ann0", "Ann1"]


def test_exists_on_sliced_and_distinct(data: dict[str, Any]) -> None:
    qs = m.Article.objects.order_by("views")
    assert qs[:1].exists()
    assert qs[3:].exists()
    assert not qs[4:].exists()
    assert m.Article.objects.filter(author__name="Ann").distinct().exists()
    assert not m.Article.objects.filter(author__name="Zed").distinct().exists()
    having = m.Author.objects.annotate(n=Count("articles")).filter(n__gt=1)
    assert having.exists()
    assert not m.Author.objects.annotate(n=Count("articles")).filter(n__gt=2).exists()


def test_aggregate_over_a_slice(data: dict[str, Any]) -> None:
    # views are 10, 20 (Ann), 30 (Bob), 40 (Boss); the default order is by primary key.
    first_two = m.Article.objects.order_by("pk")[:2]
    result = first_two.aggregate(low=Min("views"), n=Count("*"), top=Max("views"))
    assert result == {"low": 10, "n": 2, "top": 20}
    assert first_two.aggregate(Max("views")) == {"views__max": 20}
    assert m.Article.objects.order_by("pk")[3:].aggregate(n=Count("id")) == {"n": 1}


def test_aggregate_over_an_ordered_slice_keeps_the_order(data: dict[str, Any]) -> None:
    top = m.Article.objects.order_by("-views")[:2]
    assert list(top.values_list("views", flat=True)) == [40, 30]
    assert top.aggregate(total=Sum("views"), low=Min("views")) == {"total": 70, "low": 30}


def test_sum_type_is_the_same_with_or_without_a_subquery(
    data: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    plain = m.Article.objects.aggregate(total=Sum("views"))["total"]
    distinct = m.Article.objects.distinct().aggregate(total=Sum("views"))["total"]
    sliced = m.Article.objects.order_by("pk")[:4].aggregate(total=Sum("views"))["total"]
    assert plain == distinct == sliced == 100
    assert type(plain) is int
    assert type(distinct) is int
    assert type(sliced) is int


def test_aggregate_over_distinct_rows(data: dict[str, Any]) -> None:
    qs = m.Author.objects.filter(articles__views__gte=10).distinct()
    assert qs.count() == 3
    assert qs.aggregate(n=Count("id"), top=Max("id")) == {
        "n": 3,
        "top": max(a.pk for a in (data["boss"], data["ann"], data["bob"])),
    }
    assert qs.aggregate(n=Count("id", distinct=True))["n"] == 3


def test_aggregate_over_aggregate_annotations(data: dict[str, Any]) -> None:
    qs = m.Author.objects.annotate(n=Count("articles"))
    result = qs.aggregate(most=Max("n"), mean=Avg("n"))
    assert result["most"] == 2
    assert float(result["mean"]) == pytest.approx(4 / 3, rel=1e-3)
    with pytest.raises(FieldError, match="field names only"):
        qs.aggregate(x=Sum(F("n") + 1))


def test_values_with_related_and_converters(data: dict[str, Any]) -> None:
    rows = list(
        m.Article.objects.filter(views__lt=25)
        .order_by("views")
        .values("title", "author__name", "price")
    )
    assert [(r["title"], r["author__name"], str(r["price"])) for r in rows] == [
        ("Ann0", "Ann", "0.00"),
        ("Ann1", "Ann", "0.00"),
    ]
