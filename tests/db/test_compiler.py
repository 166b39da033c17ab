"""The compiler: its statement cache, name resolution refusals and subquery values."""

from __future__ import annotations

from typing import Any

import dbtests_models as m
import pytest

from bastion.db import FieldError, models
from bastion.db.models import Count, F, Q
from bastion.db.models.compiler import _LRU, Compiled
from bastion.db.models.expressions import Expression


class _Opaque(Expression):
    """An expression the compiler has no rule for."""

    def key(self) -> tuple[Any, ...]:
        return ("opaque",)


def _compiled(sql: str) -> Compiled:
    return Compiled(sql, [], None, {})


def test_lru_cache_is_bounded_and_ignores_unhashable_keys() -> None:
    cache = _LRU(2)
    a, b, c = _compiled("a"), _compiled("b"), _compiled("c")
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") is a  # a read does not refresh: the oldest write goes first
    cache.put("c", c)
    assert cache.get("a") is None
    assert cache.get("b") is b
    assert cache.get("c") is c
    cache.put(["unhashable"], a)
    assert cache.get(["unhashable"]) is None
    assert cache.get("missing") is None
    cache.clear()
    assert cache.get("b") is None


@pytest.fixture
def data(db: Any) -> dict[str, Any]:
    ann = m.Author.objects.create(name="Ann", email="ann@example.com")
    bob = m.Author.objects.create(name="Bob", email="bob@example.com")
    for author, views in ((ann, 1), (ann, 5), (bob, 7)):
        m.Article.objects.create(author=author, title=f"{author.name}{views}", views=views)
    return {"ann": ann, "bob": bob}


def test_name_refusals(data: dict[str, Any]) -> None:
    with pytest.raises(FieldError, match="Invalid field name 'name____x'"):
        list(m.Author.objects.filter(name____x=1))
    with pytest.raises(FieldError, match="Unsupported lookup 'foo__bar'"):
        list(m.Author.objects.filter(name__foo__bar=1))
    with pytest.raises(FieldError, match="Unsupported lookup 'has_key'"):
        list(m.Author.objects.filter(name__has_key="x"))
    with pytest.raises(FieldError, match="Unsupported lookup 'nope'"):
        list(m.Author.objects.filter(name__nope="x"))
    with pytest.raises(FieldError, match="must name a field, not a lookup"):
        list(m.Article.objects.filter(views=F("views__gt")))
    with pytest.raises(FieldError, match="Unsupported expression"):
        list(m.Article.objects.filter(views=_Opaque()))


def test_subquery_values(data: dict[str, Any]) -> None:
    authors = m.Author.objects.filter(name="Ann")
    titles = m.Article.objects.filter(author__in=authors).order_by("views")
    assert [a.title for a in titles] == ["Ann1", "Ann5"]
    by_id = m.Article.objects.filter(author_id__in=authors.values_list("id", flat=True))
    assert by_id.count() == 2
    with pytest.raises(FieldError, match="must select one column"):
        list(m.Article.objects.filter(author__in=authors.values_list("id", "name")))


def test_primary_key_through_a_forward_key_needs_no_join(
    data: dict[str, Any], queries: Any
) -> None:
    ann = data["ann"]
    assert m.Article.objects.filter(author__pk=ann.pk).count() == 2
    assert m.Article.objects.filter(author__id__in=[ann.pk]).count() == 2
    assert "JOIN" not in queries[-1].upper()
    assert m.Article.objects.filter(author__name="Ann").count() == 2
    assert "JOIN" in queries[-1].upper()


def test_count_star_with_a_filter(data: dict[str, Any]) -> None:
    result = m.Author.objects.annotate(
        n=Count("*"), big=Count("articles", filter=Q(articles__views=5))
    ).order_by("name")
    assert [(a.name, a.n, a.big) for a in result] == [("Ann", 2, 1), ("Bob", 1, 0)]
    assert m.Article.objects.aggregate(n=Count("*", filter=Q(views=7))) == {"n": 1}
    assert m.Article.objects.aggregate(n=Count("*")) == {"n": 3}


def test_aggregate_filter_with_lookups(data: dict[str, Any]) -> None:
    assert m.Article.objects.aggregate(n=Count("id", filter=Q(views__gt=3))) == {"n": 2}
    result = m.Author.objects.annotate(
        big=Count("articles", filter=Q(articles__title__icontains="5"))
    ).order_by("name")
    assert [(a.name, a.big) for a in result] == [("Ann", 1), ("Bob", 0)]


def test_check_constraint_on_a_related_field_is_refused() -> None:
    # The target is local: a half-built model pointing at the shared test models would be
    # left among their reverse relations (and their deletes would cascade into it).
    class Critic(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "compilertests"

    with pytest.raises(FieldError, match="only use the model's own fields"):

        class Review(models.Model):
            author = models.ForeignKey(Critic, on_delete=models.CASCADE)

            class Meta:
                app_label = "compilertests"
                constraints = [
                    models.CheckConstraint(check=Q(author__name="x"), name="review_author")
                ]
