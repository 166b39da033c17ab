"""Query expressions: ``Q`` conditions, ``F`` references, values and aggregates.

Expressions hold names, never SQL. The compiler resolves each name against the model
(raising :class:`FieldError` for anything else) and turns values into bound parameters;
there is no way to splice caller text into a statement.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

from bastion.db.exceptions import FieldError

__all__ = [
    "Aggregate",
    "Avg",
    "CombinedExpression",
    "Count",
    "Expression",
    "F",
    "Max",
    "Min",
    "OrderBy",
    "Q",
    "Sum",
    "Value",
]


class Expression(ABC):
    """Base of every expression: arithmetic builds :class:`CombinedExpression`."""

    contains_aggregate = False

    @abstractmethod
    def key(self) -> tuple[Any, ...]:
        """The shape of the expression, without values: the SQL cache key part."""

    def refs(self) -> Iterator[str]:
        """Every field path the expression names (for validation and joins)."""
        return iter(())

    def _combine(self, other: Any, op: str, reverse: bool) -> CombinedExpression:
        other_expr = other if isinstance(other, Expression) else Value(other)
        if reverse:
            return CombinedExpression(other_expr, op, self)
        return CombinedExpression(self, op, other_expr)

    def __add__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "+", False)

    def __radd__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "+", True)

    def __sub__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "-", False)

    def __rsub__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "-", True)

    def __mul__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "*", False)

    def __rmul__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "*", True)

    def __truediv__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "/", False)

    def __rtruediv__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "/", True)

    def __mod__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "%", False)

    def asc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, descending=False, nulls_first=nulls_first, nulls_last=nulls_last)

    def desc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, descending=True, nulls_first=nulls_first, nulls_last=nulls_last)


class F(Expression):
    """A reference to a field (or an annotation) by name, ``F("author__name")``."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise FieldError("F() takes a field name.")
        self.name = name

    def __repr__(self) -> str:
        return f"F({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, F) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("F", self.name))

    def key(self) -> tuple[Any, ...]:
        return ("F", self.name)

    def refs(self) -> Iterator[str]:
        yield self.name


class Value(Expression):
    """A constant, always sent as a bound parameter."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Value({self.value!r})"

    def key(self) -> tuple[Any, ...]:
        return ("V", type(self.value).__name__)


_OPS = frozenset({"+", "-", "*", "/", "%"})


class CombinedExpression(Expression):
    """``lhs <op> rhs`` for the arithmetic operators."""

    def __init__(self, lhs: Expression, op: str, rhs: Expression) -> None:
        if op not in _OPS:
            raise FieldError(f"Unsupported operator {op!r}.")
        self.lhs, self.op, self.rhs = lhs, op, rhs
        self.contains_aggregate = lhs.contains_aggregate or rhs.contains_aggregate

    def __repr__(self) -> str:
        return f"({self.lhs!r} {self.op} {self.rhs!r})"

    def key(self) -> tuple[Any, ...]:
        return ("C", self.lhs.key(), self.op, self.rhs.key())

    def refs(self) -> Iterator[str]:
        yield from self.lhs.refs()
        yield from self.rhs.refs()


class OrderBy(Expression):
    """An ordering term: an expression, ascending or descending, NULLs placed."""

    def __init__(
        self,
        expression: Expression,
        *,
        descending: bool = False,
        nulls_first: bool = False,
        nulls_last: bool = False,
    ) -> None:
        if nulls_first and nulls_last:
            raise ValueError("nulls_first and nulls_last are mutually exclusive.")
        self.expression = expression
        self.descending = descending
        self.nulls_first = nulls_first
        self.nulls_last = nulls_last

    def key(self) -> tuple[Any, ...]:
        return ("O", self.expression.key(), self.descending, self.nulls_first, self.nulls_last)

    def refs(self) -> Iterator[str]:
        return self.expression.refs()


class Aggregate(Expression):
    """An aggregate over a column or expression, optionally only over rows matching ``filter``."""

    function = ""
    contains_aggregate = True

    def __init__(
        self, expression: str | Expression, *, distinct: bool = False, filter: Q | None = None
    ) -> None:
        self.expression = F(expression) if isinstance(expression, str) else expression
        self.distinct = distinct
        self.filter = filter

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.expression!r})"

    def key(self) -> tuple[Any, ...]:
        filter_key = self.filter.key() if self.filter is not None else None
        return (self.function, self.expression.key(), self.distinct, filter_key)

    def refs(self) -> Iterator[str]:
        yield from self.expression.refs()
        if self.filter is not None:
            yield from self.filter.refs()

    def default_alias(self) -> str:
        """``<field>__<function>``, the name ``aggregate(Count("id"))`` gives its result."""
        if not isinstance(self.expression, F):
            raise FieldError("An aggregate of an expression needs an alias (aggregate(x=...)).")
        return f"{self.expression.name}__{self.function.lower()}"


class Count(Aggregate):
    """The number of non-NULL values (``Count("*")`` counts rows)."""

    function = "COUNT"

    def __init__(
        self, expression: str | Expression, *, distinct: bool = False, filter: Q | None = None
    ) -> None:
        if expression == "*":
            expression = Value("*")
        super().__init__(expression, distinct=distinct, filter=filter)


class Sum(Aggregate):
    function = "SUM"


class Avg(Aggregate):
    function = "AVG"


class Min(Aggregate):
    function = "MIN"


class Max(Aggregate):
    function = "MAX"


class Q:
    """Conditions combined with ``&``, ``|`` and ``~``: ``Q(a=1) | ~Q(b__gt=2)``.

    Only field conditions go in: ``Q(**{"_connector": ...})`` and other private names are
    refused, so a dict from a request cannot change how the conditions combine.
    """

    AND = "AND"
    OR = "OR"

    def __init__(self, *args: Q | tuple[str, Any], **kwargs: Any) -> None:
        for name in kwargs:
            if name.startswith("_"):
                raise FieldError(
                    f"Cannot use {name!r} as a condition: names starting with '_' are not "
                    "field lookups."
                )
        self.children: list[Q | tuple[str, Any]] = [*args, *sorted(kwargs.items())]
        for child in self.children:
            if not isinstance(child, Q) and not (
                isinstance(child, tuple) and len(child) == 2 and isinstance(child[0], str)
            ):
                raise TypeError(f"Q() takes Q objects and keyword conditions, not {child!r}.")
        self.connector = self.AND
        self.negated = False

    @classmethod
    def _node(cls, connector: str, negated: bool, children: list[Q | tuple[str, Any]]) -> Q:
        node = cls()
        node.connector = connector
        node.negated = negated
        node.children = children
        return node

    def _combine(self, other: Q, connector: str) -> Q:
        if not isinstance(other, Q):
            raise TypeError(f"Cannot combine Q with {type(other).__name__}.")
        if not other.children:
            return self._copy()
        if not self.children:
            return other._copy()
        return Q._node(connector, False, [self, other])

    def _copy(self) -> Q:
        return Q._node(self.connector, self.negated, list(self.children))

    def __and__(self, other: Q) -> Q:
        return self._combine(other, self.AND)

    def __or__(self, other: Q) -> Q:
        return self._combine(other, self.OR)

    def __invert__(self) -> Q:
        return Q._node(self.AND, True, [self])

    def __repr__(self) -> str:
        inner = f" {self.connector} ".join(repr(c) for c in self.children)
        return f"<Q: {'NOT ' if self.negated else ''}({inner})>"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Q)
            and other.connector == self.connector
            and other.negated == self.negated
            and other.children == self.children
        )

    __hash__ = None  # type: ignore[assignment]

    def key(self) -> tuple[Any, ...]:
        return (
            self.connector,
            self.negated,
            tuple(
                c.key() if isinstance(c, Q) else (c[0], _value_shape(c[1])) for c in self.children
            ),
        )

    def refs(self) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, Q):
                yield from child.refs()
            else:
                yield child[0]
                if isinstance(child[1], Expression):
                    yield from child[1].refs()


def _value_shape(value: Any) -> Any:
    if isinstance(value, Expression):
        return value.key()
    if isinstance(value, (list, tuple, set, frozenset)):
        return ("seq", tuple(type(item).__name__ for item in value))
    if value is None or isinstance(value, bool):
        return value
    return type(value).__name__
