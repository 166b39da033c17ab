"""The state of a QuerySet: conditions, ordering, slicing, selection — names, not SQL.

A :class:`Query` is immutable in practice: every QuerySet method clones it and changes the
copy. Its :meth:`Query.shape` is the key of the SQL cache: two queries with the same shape
compile to the same SQL text and differ only in the values bound to it, which
:meth:`Query.leaves` lists in the order the compiler numbered them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bastion.db.models.expressions import (
    Aggregate,
    CombinedExpression,
    Expression,
    OrderBy,
    Q,
    Value,
)

if TYPE_CHECKING:
    from bastion.db.models.base import Model

__all__ = ["Query", "expression_leaves", "q_leaves"]


class Query:
    """What to select from which model, under which conditions, in which order."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.where: tuple[tuple[Q, int], ...] = ()
        self.generation = 0
        self.annotations: dict[str, Expression] = {}
        self.order_by: tuple[str | OrderBy, ...] | None = None
        self.default_ordering = True
        self.distinct = False
        self.low = 0
        self.high: int | None = None
        self.select_related: tuple[str, ...] | bool = ()
        self.fields: tuple[str, ...] | None = None
        self.values_mode: str | None = None
        self.pending_aggregates: dict[str, Any] = {}
        self.group_by_fields = False
        self.deferred: frozenset[str] = frozenset()
        self.only: frozenset[str] | None = None
        self.for_update: tuple[bool, bool, tuple[str, ...]] | None = None
        self.empty = False

    def clone(self) -> Query:
        clone = copy.copy(self)
        clone.annotations = dict(self.annotations)
        return clone

    # -- building --------------------------------------------------------------------------

    def add_q(self, q: Q) -> None:
        """AND ``q`` in; each call is its own generation (for multi-valued joins)."""
        self.generation += 1
        if q.children:
            self.where = (*self.where, (q, self.generation))

    def set_limits(self, low: int | None, high: int | None) -> None:
        """Narrow the current window ``[low, high)`` (slices of slices compose)."""
        if high is not None:
            self.high = (
                min(self.high, self.low + high) if self.high is not None else self.low + high
            )
        if low is not None:
            self.low = self.low + low
            if self.high is not None:
                self.high = max(self.high, self.low)

    @property
    def is_sliced(self) -> bool:
        return bool(self.low) or self.high is not None

    @property
    def has_aggregate_annotations(self) -> bool:
        return any(expr.contains_aggregate for expr in self.annotations.values())

    # -- the SQL cache key and its values --------------------------------------------------

    def shape(self) -> tuple[Any, ...]:
        """Everything that changes the SQL text, and nothing that only changes values."""
        return (
            self.model,
            tuple((q.key(), gen) for q, gen in self.where),
            tuple((alias, expr.key()) for alias, expr in self.annotations.items()),
            tuple(o if isinstance(o, str) else o.key() for o in self.order_by)
            if self.order_by is not None
            else None,
            self.default_ordering,
            self.distinct,
            self.low,
            self.high,
            self.select_related,
            self.fields,
            self.values_mode,
            self.group_by_fields,
            self.deferred,
            self.only,
            self.for_update,
        )

    def leaves(self) -> list[Any]:
        """The values of the query, in the order the compiler numbers its leaves."""
        out: list[Any] = []
        for expr in self.annotations.values():
            expression_leaves(expr, out)
        for q, _gen in self.where:
            q_leaves(q, out)
        for term in self.order_by or ():
            if isinstance(term, Expression):
                expression_leaves(term, out)
        return out


def q_leaves(q: Q, out: list[Any]) -> None:
    """Append the leaf values of ``q`` (and of expressions and subqueries in it) to ``out``."""
    for child in q.children:
        if isinstance(child, Q):
            q_leaves(child, out)
            continue
        value = child[1]
        out.append(value)
        if isinstance(value, Expression):
            expression_leaves(value, out)
        else:
            query = getattr(value, "query", None)
            if isinstance(query, Query):
                out.extend(query.leaves())


def expression_leaves(expr: Expression, out: list[Any]) -> None:
    """Append the constants of an expression tree, depth first, left to right."""
    if isinstance(expr, Value):
        out.append(expr.value)
    elif isinstance(expr, CombinedExpression):
        expression_leaves(expr.lhs, out)
        expression_leaves(expr.rhs, out)
    elif isinstance(expr, OrderBy):
        expression_leaves(expr.expression, out)
    elif isinstance(expr, Aggregate):
        expression_leaves(expr.expression, out)
        if expr.filter is not None:
            q_leaves(expr.filter, out)


def iter_refs(query: Query) -> Iterator[str]:
    """Every name the query mentions (for error messages)."""
    for q, _gen in query.where:
        yield from q.refs()
