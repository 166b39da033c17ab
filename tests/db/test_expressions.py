"""Expressions: Q trees, F arithmetic, aggregates' keys, and NULL placement in ORDER BY."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dbtests_models as m
import pytest

from bastion.db import FieldError
from bastion.db.models import Avg, Count, F, Max, Min, Q, Sum
from bastion.db.models.expressions import CombinedExpression, Expression, OrderBy, Value

# -- Q ------------------------------------------------------------------------------------------


def test_q_children_are_sorted_and_compared() -> None:
    q = Q(b=2, a=1)
    assert q.children == [("a", 1), ("b", 2)]
    assert q == Q(a=1, b=2)
    assert q != Q(a=1)
    assert q != "Q"
    assert repr(q) == "<Q: (('a', 1) AND ('b', 2))>"
    assert Q(("a", 1)) == Q(a=1)
    with pytest.raises(TypeError):
        hash(q)


def test_q_combination() -> None:
    a, b = Q(a=1), Q(b=2)
    both = a & b
    either = a | b
    assert both.connector == "AND"
    assert both.children == [a, b]
    assert either.connector == "OR"
    assert either.children == [a, b]
    assert repr(either) == "<Q: (<Q: (('a', 1))> OR <Q: (('b', 2))>)>"
    negated = ~a
    assert negated.negated
    assert negated.children == [a]
    assert repr(negated) == "<Q: NOT (<Q: (('a', 1))>)>"
    assert negated != Q._node("AND", False, [a])
    # An empty Q is the identity: combining with it gives an equal copy, not the same object.
    assert (a & Q()) == a
    assert (a & Q()) is not a
    assert (Q() | b) == b
    assert (Q() | b) is not b
    with pytest.raises(TypeError, match="Cannot combine Q with dict"):
        a & {"b": 2}  # type: ignore[operator]


@pytest.mark.parametrize("name", ["_connector", "_negated", "__class__"])
def test_q_refuses_private_names(name: str) -> None:
    with pytest.raises(FieldError, match="starting with '_'"):
        Q(**{name: "OR"})


@pytest.mark.parametrize("child", ["a=1", ("a", 1, 2), (1, 2), ["a", 1], None])
def test_q_refuses_non_condition_children(child: Any) -> None:
    with pytest.raises(TypeError, match="Q\\(\\) takes"):
        Q(child)


def test_q_keys_and_refs() -> None:
    q = Q(name="x") | ~Q(views__gt=F("id") + 1, tags__in=[1, 2], day=None)
    assert q.key() == (Q(name="y") | ~Q(views__gt=F("id") + 5, tags__in=[3, 4], day=None)).key()
    assert list(q.refs()) == ["name", "day", "tags__in", "views__gt", "id"]
    # The key has the shape, not the values: same shape, same key.
    assert Q(a=1).key() == Q(a=2).key()
    assert Q(a=1).key() != Q(a="1").key()
    assert Q(a=[1, 2]).key() == Q(a=[3, 4]).key()
    assert Q(a=[1]).key() != Q(a=[1, 2]).key()
    assert Q(a=None).key() != Q(a=True).key()
    assert Q(a=F("b")).key() != Q(a=F("c")).key()
    assert (Q(a=1) | Q(b=1)).key() != (Q(a=1) & Q(b=1)).key()


# -- F and arithmetic ---------------------------------------------------------------------------


def test_f_identity() -> None:
    assert F("a") == F("a")
    assert F("a") != F("b")
    assert F("a") != "a"
    assert hash(F("a")) == hash(F("a"))
    assert len({F("a"), F("a"), F("b")}) == 2
    assert repr(F("author__name")) == "F('author__name')"
    assert F("a").key() == ("F", "a")
    assert list(F("x__y").refs()) == ["x__y"]
    for bad in ("", None, 1):
        with pytest.raises(FieldError, match="field name"):
            F(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (F("a") + 1, "(F('a') + Value(1))"),
        (1 + F("a"), "(Value(1) + F('a'))"),
        (F("a") - F("b"), "(F('a') - F('b'))"),
        (10 - F("a"), "(Value(10) - F('a'))"),
        (F("a") * 2, "(F('a') * Value(2))"),
        (2 * F("a"), "(Value(2) * F('a'))"),
        (F("a") / 2, "(F('a') / Value(2))"),
        (2 / F("a"), "(Value(2) / F('a'))"),
        (F("a") % 3, "(F('a') % Value(3))"),
        ((F("a") + 1) * F("b"), "((F('a') + Value(1)) * F('b'))"),
    ],
)
def test_arithmetic_repr(expr: CombinedExpression, text: str) -> None:
    assert isinstance(expr, CombinedExpression)
    assert repr(expr) == text


def test_combined_keys_refs_and_aggregates() -> None:
    expr = (F("a") + 1) * F("b")
    assert expr.key() == ("C", ("C", ("F", "a"), "+", ("V", "int")), "*", ("F", "b"))
    assert (F("a") + 2).key() == (F("a") + 1).key()
    assert (F("a") + 1).key() != (F("a") + "1").key()
    assert (F("a") + 1).key() != (1 + F("a")).key()
    assert list(expr.refs()) == ["a", "b"]
    assert not expr.contains_aggregate
    assert (Sum("a") + 1).contains_aggregate
    assert (1 + Count("a")).contains_aggregate
    with pytest.raises(FieldError, match="Unsupported operator"):
        CombinedExpression(F("a"), "**", Value(2))
    assert repr(Value("x")) == "Value('x')"
    assert list(Value(1).refs()) == []


def test_base_expression_is_abstract() -> None:
    with pytest.raises(TypeError, match="key"):
        Expression()  # type: ignore[abstract]


def test_aggregates() -> None:
    assert repr(Count("id")) == "Count(F('id'))"
    assert Count("id").default_alias() == "id__count"
    assert Sum("views").default_alias() == "views__sum"
    assert Avg("views").default_alias() == "views__avg"
    assert Min("views").default_alias() == "views__min"
    assert Max("views").default_alias() == "views__max"
    with pytest.raises(FieldError, match="needs an alias"):
        Sum(F("a") + F("b")).default_alias()
    assert Count("*").expression.key() == ("V", "str")
    filtered = Count("id", distinct=True, filter=Q(views__gt=1))
    assert filtered.key() == ("COUNT", ("F", "id"), True, Q(views__gt=1).key())
    assert filtered.key() != Count("id").key()
    assert list(filtered.refs()) == ["id", "views__gt"]


def test_order_by_terms() -> None:
    term = F("a").desc(nulls_last=True)
    assert isinstance(term, OrderBy)
    assert term.key() == ("O", ("F", "a"), True, False, True)
    assert F("a").asc().key() == ("O", ("F", "a"), False, False, False)
    assert list(term.refs()) == ["a"]
    with pytest.raises(ValueError, match="mutually exclusive"):
        F("a").asc(nulls_first=True, nulls_last=True)


# -- on the databases ---------------------------------------------------------------------------


@pytest.fixture
def dated(db: Any) -> list[Any]:
    author = m.Author.objects.create(name="A", email="a@example.com")
    days = [dt.date(2024, 1, 2), None, dt.date(2024, 1, 1)]
    return [
        m.Article.objects.create(author=author, title=f"t{i}", day=day, views=i * 10 + 5)
        for i, day in enumerate(days)
    ]


def _titles(qs: Any) -> list[str]:
    return [a.title for a in qs]


def test_nulls_first_and_last(dated: list[Any]) -> None:
    qs = m.Article.objects.all()
    assert _titles(qs.order_by(F("day").asc(nulls_first=True))) == ["t1", "t2", "t0"]
    assert _titles(qs.order_by(F("day").asc(nulls_last=True))) == ["t2", "t0", "t1"]
    assert _titles(qs.order_by(F("day").desc(nulls_first=True))) == ["t1", "t0", "t2"]
    assert _titles(qs.order_by(F("day").desc(nulls_last=True))) == ["t0", "t2", "t1"]


def test_arithmetic_on_the_database(dated: list[Any]) -> None:
    qs = m.Article.objects.order_by("title")
    # views are 5, 15, 25
    assert list(qs.annotate(x=F("views") * 2 - 1).values_list("x", flat=True)) == [9, 29, 49]
    assert list(qs.annotate(x=100 - F("views")).values_list("x", flat=True)) == [95, 85, 75]
    assert list(qs.annotate(x=F("views") % 10).values_list("x", flat=True)) == [5, 5, 5]
    assert _titles(qs.filter(views__gt=F("id") * 0 + 10)) == ["t1", "t2"]
    assert m.Article.objects.filter(views__lt=20).update(views=F("views") + 1) == 2
    assert sorted(m.Article.objects.values_list("views", flat=True)) == [6, 16, 25]
