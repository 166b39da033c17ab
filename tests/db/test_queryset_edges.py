"""QuerySet refusals and edge cases: indexing, arguments, repr, iterator, reverse()."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dbtests_models as m
import pytest

from bastion.db import FieldError
from bastion.db.models import Count, F, OrderBy, Sum


@pytest.fixture
def tags(db: Any) -> list[Any]:
    return m.Tag.objects.bulk_create([m.Tag(name=f"t{i:02}") for i in range(25)])


def test_repr_truncates(tags: list[Any]) -> None:
    text = repr(m.Tag.objects.order_by("name"))
    assert text.startswith("<QuerySet [<Tag: Tag object (")
    assert text.endswith(", ...(remaining elements truncated)...]>")
    assert text.count("<Tag:") == 20
    short = m.Tag.objects.order_by("name")[:2]
    list(short)
    assert repr(short).count("<Tag:") == 2
    assert repr(m.Tag.objects.none()) == "<QuerySet []>"


def test_indexing_refusals(tags: list[Any]) -> None:
    qs = m.Tag.objects.order_by("name")
    with pytest.raises(TypeError, match="not bool"):
        qs[True]
    with pytest.raises(TypeError, match="not str"):
        qs["a"]  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="Negative indexing"):
        qs[-1]
    with pytest.raises(ValueError, match="Negative indexing"):
        qs[-2:]
    with pytest.raises(TypeError, match="slice bounds must be integers"):
        qs[1.5:]  # type: ignore[misc]
    with pytest.raises(TypeError, match="slice bounds must be integers"):
        qs[:True]
    with pytest.raises(IndexError):
        qs[99]


def test_indexing_a_loaded_queryset_uses_the_cache(tags: list[Any], queries: Any) -> None:
    qs = m.Tag.objects.order_by("name")
    assert len(qs) == 25
    assert bool(qs)
    before = len(queries)
    assert qs[3].name == "t03"
    assert [t.name for t in qs[23:]] == ["t23", "t24"]
    assert qs.count() == 25
    assert qs.exists()
    assert len(queries) == before
    assert not m.Tag.objects.filter(name="zz")


def test_order_by_refusals_and_random(tags: list[Any]) -> None:
    with pytest.raises(FieldError, match="Invalid order_by argument 3"):
        m.Tag.objects.order_by(3)  # type: ignore[arg-type]
    with pytest.raises(FieldError):
        m.Tag.objects.order_by(F("nope").desc())
    with pytest.raises(FieldError):
        m.Tag.objects.order_by(F("nope"))
    shuffled = [t.name for t in m.Tag.objects.order_by("?")]
    assert sorted(shuffled) == [t.name for t in tags]
    by_f = [t.name for t in m.Tag.objects.order_by(F("name"))[:2]]
    assert by_f == ["t00", "t01"]
    assert [t.name for t in m.Tag.objects.order_by(F("name").desc()).reverse()[:1]] == ["t00"]


def test_invalid_field_names(tags: list[Any]) -> None:
    with pytest.raises(FieldError, match="Invalid field name ''"):
        m.Tag.objects.values("")
    m.Article.objects.values("data__key__deeper")  # a key path inside a JSON document
    with pytest.raises(FieldError):
        m.Article.objects.values("title__key")


def test_annotate_refusals(tags: list[Any]) -> None:
    qs = m.Tag.objects.annotate(n=Count("articles"))
    with pytest.raises(FieldError, match="already defined"):
        qs.annotate(n=Count("id"))
    with pytest.raises(FieldError, match="must be an expression"):
        m.Tag.objects.annotate(n=3)
    with pytest.raises(FieldError, match="Invalid alias"):
        m.Tag.objects.annotate(a__b=Count("id"))
    with pytest.raises(FieldError):
        m.Tag.objects.annotate(name=Count("id"))  # clashes with a field
    with pytest.raises(FieldError):
        m.Tag.objects.annotate(n=Count("nope"))


def test_aggregate_refusals(tags: list[Any]) -> None:
    with pytest.raises(TypeError, match="'x' is not an aggregate expression"):
        m.Tag.objects.aggregate(x=F("id"))
    with pytest.raises(FieldError):
        m.Tag.objects.aggregate(x=Sum("nope"))
    assert m.Tag.objects.none().aggregate(n=Count("id"))["n"] in (0, None)


def test_values_list_refusals(tags: list[Any]) -> None:
    with pytest.raises(TypeError, match="flat and named"):
        m.Tag.objects.values_list("name", flat=True, named=True)
    with pytest.raises(TypeError):
        m.Tag.objects.values_list("id", "name", flat=True)


def test_select_for_update_arguments(tags: list[Any]) -> None:
    with pytest.raises(ValueError, match="nowait and skip_locked"):
        m.Tag.objects.select_for_update(nowait=True, skip_locked=True)
    with pytest.raises(FieldError):
        m.Article.objects.select_for_update(of=("nope",))
    m.Article.objects.select_for_update(of=("self", "author"))


def test_iterator(tags: list[Any], queries: Any) -> None:
    with pytest.raises(ValueError, match="chunk_size must be positive"):
        list(m.Tag.objects.iterator(chunk_size=0))
    assert list(m.Tag.objects.none().iterator()) == []
    names = [t.name for t in m.Tag.objects.order_by("name").iterator(chunk_size=7)]
    assert names == [t.name for t in tags]


def test_iterator_with_prefetch(db: Any, queries: Any) -> None:
    author = m.Author.objects.create(name="A", email="a@example.com")
    for i in range(3):
        m.Article.objects.create(author=author, title=f"a{i}")
    before = len(queries)
    loaded = list(m.Author.objects.prefetch_related("articles").iterator(chunk_size=2))
    assert [len(a.articles.all()) for a in loaded] == [3]
    assert len(queries) == before + 2


def test_delete_refusals(tags: list[Any]) -> None:
    with pytest.raises(TypeError, match="slice"):
        m.Tag.objects.all()[:2].delete()
    with pytest.raises(TypeError, match="values"):
        m.Tag.objects.values("name").delete()
    assert m.Tag.objects.count() == 25


def test_in_bulk_needs_a_unique_field(tags: list[Any]) -> None:
    with pytest.raises(ValueError, match="must be unique"):
        m.Article.objects.in_bulk(field_name="title")
    by_name = m.Tag.objects.in_bulk(["t01", "t02"], field_name="name")
    assert sorted(by_name) == ["t01", "t02"]


@pytest.fixture
def dated(db: Any) -> None:
    author = m.Author.objects.create(name="A", email="a@example.com")
    for i, day in enumerate([dt.date(2024, 1, 2), None, dt.date(2024, 1, 1)]):
        m.Article.objects.create(author=author, title=f"t{i}", day=day)


def _titles(qs: Any) -> list[str]:
    return [a.title for a in qs]


def test_reverse_flips_null_placement(dated: None) -> None:
    for term in (F("day").asc(nulls_first=True), F("day").asc(nulls_last=True)):
        qs = m.Article.objects.order_by(term)
        assert _titles(qs.reverse()) == _titles(qs)[::-1]


def test_reverse_of_plain_order_by_terms(dated: None) -> None:
    qs = m.Article.objects.order_by(OrderBy(F("title")))
    assert _titles(qs) == ["t0", "t1", "t2"]
    assert _titles(qs.reverse()) == ["t2", "t1", "t0"]
    assert _titles(m.Article.objects.order_by("-title").reverse()) == ["t0", "t1", "t2"]
    assert qs.last().title == "t2"
