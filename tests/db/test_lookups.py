"""Every lookup and transform, on every database, with values always bound."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dbtests_models as m
import pytest

from bastion.db import FieldError


@pytest.fixture
def titles(db: Any) -> Any:
    a = m.Author.objects.create(name="A", email="a@example.com")
    for title in ("Hello World", "hello there", "100% sure", "a_b", "Other", "x'y"):
        m.Article.objects.create(author=a, title=title)

    def run(**kwargs: Any) -> list[str]:
        return sorted(m.Article.objects.filter(**kwargs).values_list("title", flat=True))

    return run


def test_exact_and_iexact(titles: Any) -> None:
    assert titles(title="Hello World") == ["Hello World"]
    assert titles(title__iexact="HELLO WORLD") == ["Hello World"]
    assert titles(title__iexact="hello%") == []
    assert titles(title="x'y") == ["x'y"]


def test_contains_and_icontains(titles: Any) -> None:
    assert titles(title__contains="ello") == ["Hello World", "hello there"]
    assert titles(title__contains="World") == ["Hello World"]
    assert titles(title__icontains="HELLO") == ["Hello World", "hello there"]


def test_case_sensitive_pattern_lookups(titles: Any, request: pytest.FixtureRequest) -> None:
    assert titles(title__contains="Hello") == ["Hello World"]
    assert titles(title__startswith="hello") == ["hello there"]
    assert titles(title__endswith="world") == []


def test_contains_escapes_wildcards(titles: Any) -> None:
    assert titles(title__contains="%") == ["100% sure"]
    assert titles(title__contains="_") == ["a_b"]
    assert titles(title__icontains="0%") == ["100% sure"]
    assert titles(title__startswith="a_") == ["a_b"]
    assert titles(title__contains="!") == []


def test_starts_and_ends(titles: Any) -> None:
    assert titles(title__startswith="Oth") == ["Other"]
    assert titles(title__istartswith="hello") == ["Hello World", "hello there"]
    assert titles(title__endswith="World") == ["Hello World"]
    assert titles(title__iendswith="WORLD") == ["Hello World"]


def test_in(titles: Any) -> None:
    assert titles(title__in=["Other", "a_b", "missing"]) == ["Other", "a_b"]
    assert titles(title__in=[]) == []
    with pytest.raises(FieldError):
        titles(title__in="Other")


def test_in_subquery(db: Any) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    m.Author.objects.create(name="B", email="b@example.com")
    m.Article.objects.create(author=a, title="t")
    writers = m.Author.objects.filter(pk__in=m.Article.objects.values("author_id"))
    assert [x.name for x in writers] == ["A"]


def test_comparisons_and_range(db: Any) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    for views in (1, 5, 10):
        m.Article.objects.create(author=a, title=str(views), views=views)

    def views(**kwargs: Any) -> list[int]:
        return sorted(m.Article.objects.filter(**kwargs).values_list("views", flat=True))

    assert views(views__gt=5) == [10]
    assert views(views__gte=5) == [5, 10]
    assert views(views__lt=5) == [1]
    assert views(views__lte=5) == [1, 5]
    assert views(views__range=(2, 10)) == [5, 10]
    with pytest.raises(FieldError):
        views(views__range=5)


def test_isnull(db: Any) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    m.Article.objects.create(author=a, title="n")
    m.Article.objects.create(author=a, title="d", published=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    assert [x.title for x in m.Article.objects.filter(published__isnull=True)] == ["n"]
    assert [x.title for x in m.Article.objects.filter(published__isnull=False)] == ["d"]
    assert [x.title for x in m.Article.objects.filter(published=None)] == ["n"]
    with pytest.raises(FieldError):
        list(m.Article.objects.filter(published__isnull="yes"))


def test_regex(titles: Any) -> None:
    assert titles(title__regex=r"^[Hh]ello") == ["Hello World", "hello there"]
    assert titles(title__regex=r"^hello") == ["hello there"]
    assert titles(title__regex=r"^\d+%") == ["100% sure"]


def test_iregex(titles: Any, request: pytest.FixtureRequest) -> None:
    assert titles(title__iregex=r"^HELLO") == ["Hello World", "hello there"]


def test_date_transforms(db: Any) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    m.Article.objects.create(
        author=a, title="may", published=dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.UTC)
    )
    m.Article.objects.create(
        author=a, title="dec", published=dt.datetime(2023, 12, 31, 1, tzinfo=dt.UTC)
    )
    plus2 = dt.timezone(dt.timedelta(hours=2))
    m.Article.objects.create(
        author=a, title="utc-june", published=dt.datetime(2024, 6, 1, 1, tzinfo=plus2)
    )

    def got(**kwargs: Any) -> list[str]:
        return sorted(m.Article.objects.filter(**kwargs).values_list("title", flat=True))

    assert got(published__year=2024) == ["may", "utc-june"]
    assert got(published__year__gte=2024) == ["may", "utc-june"]
    assert got(published__month=12) == ["dec"]
    assert got(published__month=5) == ["may", "utc-june"]  # 2024-05-31 23:00 UTC
    assert got(published__day=31) == ["dec", "utc-june"]
    assert got(published__date=dt.date(2024, 5, 1)) == ["may"]
    assert got(published__date__gt=dt.date(2024, 1, 1)) == ["may", "utc-june"]
    with pytest.raises(FieldError):
        got(title__year=2024)


def test_date_field_transforms(db: Any) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    m.Article.objects.create(author=a, title="d", day=dt.date(2020, 2, 29))
    assert m.Article.objects.filter(day__year=2020, day__month=2, day__day=29).count() == 1


def test_unknown_lookup_is_field_error(titles: Any) -> None:
    with pytest.raises(FieldError):
        titles(title__like="x")


@pytest.fixture
def docs(db: Any) -> Any:
    a = m.Author.objects.create(name="A", email="a@example.com")
    data = {
        "one": {"k": 1, "tags": ["a", "b"], "nested": {"deep": "x"}, "flag": True},
        "two": {"k": 5, "s": "abc", "nested": {"deep": "y"}, "none": None},
        "three": {"k": "text", "list": [1, 2, {"z": 3}]},
        "empty": {},
    }
    for title, doc in data.items():
        m.Article.objects.create(author=a, title=title, data=doc)

    def run(**kwargs: Any) -> list[str]:
        return sorted(m.Article.objects.filter(**kwargs).values_list("title", flat=True))

    return run


def test_json_exact_and_nested(docs: Any) -> None:
    assert docs(data__k=1) == ["one"]
    assert docs(data__flag=True) == ["one"]
    assert docs(data__tags=["a", "b"]) == ["one"]
    assert docs(data__nested={"deep": "x"}) == ["one"]
    assert docs(data__list__2__z=3) == ["three"]
    assert docs(data={}) == ["empty"]


def test_json_string_values(docs: Any, request: pytest.FixtureRequest) -> None:
    assert docs(data__k="text") == ["three"]
    assert docs(data__nested__deep="y") == ["two"]
    assert docs(data__tags__0="a") == ["one"]
    assert docs(data__nested__deep__in=["x", "y"]) == ["one", "two"]


def test_json_comparison_and_text(docs: Any) -> None:
    assert docs(data__k__gt=2, data__k__lt=100) == ["two"]
    assert docs(data__s__startswith="ab") == ["two"]
    assert docs(data__s__contains="b") == ["two"]
    assert docs(data__k__in=[1, 5]) == ["one", "two"]


def test_json_isnull(docs: Any) -> None:
    assert docs(data__nested__isnull=False) == ["one", "two"]
    assert docs(data__nested__isnull=True) == ["empty", "three"]


def test_json_null_value(docs: Any, request: pytest.FixtureRequest) -> None:
    assert docs(data__none=None) == ["two"]


def test_json_has_key(docs: Any, request: pytest.FixtureRequest) -> None:
    assert docs(data__has_key="s") == ["two"]
    assert docs(data__has_key="none") == ["two"]
    assert docs(data__has_key="missing") == []
