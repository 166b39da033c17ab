"""From a :class:`Query` to SQL: resolve names, build a SQLAlchemy statement, cache its text.

SQLAlchemy Core compiles; Bastion caches. The statement for a query *shape* is built and
compiled once per database vendor; later queries of the same shape only collect their
values (:meth:`Query.leaves`) and run the cached text on the driver's cursor. Every value
is a bound parameter named ``bv<leaf>_<n>``: the leaf numbering is what ties a value in a
new query to its placeholder in the cached SQL.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from bastion.db.exceptions import FieldError
from bastion.db.models.expressions import (
    Aggregate,
    CombinedExpression,
    Count,
    Expression,
    F,
    OrderBy,
    Q,
    Value,
)
from bastion.db.models.fields.base import Field
from bastion.db.models.fields.scalars import IntegerField
from bastion.db.models.lookups import (
    LOOKUPS,
    TRANSFORMS,
    apply_transform,
    build_has_key,
    build_json_lookup,
    build_lookup,
)
from bastion.db.models.query import Query

if TYPE_CHECKING:
    from bastion.db.models.base import Model

__all__ = ["BuildContext", "Compiled", "compile_query", "lookup_parts"]

Prep = Callable[[Any], list[Any]]
_CACHE_SIZE = 2048


@dataclass
class Compiled:
    """Cached SQL for one query shape on one vendor."""

    sql: str
    plan: list[list[Prep]]
    positional: tuple[str, ...] | None
    defaults: dict[str, Any]
    columns: list[Any] = field(default_factory=list)
    reader: Any = None

    def params(self, leaves: Sequence[Any]) -> Any:
        """The driver parameters for a query whose leaves are ``leaves``."""
        values: dict[str, Any] = dict(self.defaults) if self.defaults else {}
        for index, fns in enumerate(self.plan):
            if not fns:
                continue
            raw = leaves[index]
            n = 0
            for fn in fns:
                for item in fn(raw):
                    values[f"bv{index}_{n}"] = item
                    n += 1
        if self.positional is not None:
            return tuple(values[name] for name in self.positional)
        return values


class _LRU:
    """A bounded, thread-safe map from (vendor, mode, shape) to :class:`Compiled`.

    Bounded because shapes include names a caller chose (JSON keys): an attacker must not
    be able to grow it without limit.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Any, Compiled] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Compiled | None:
        try:
            return self._data[key]
        except (KeyError, TypeError):
            return None

    def put(self, key: Any, value: Compiled) -> None:
        try:
            hash(key)
        except TypeError:
            return
        with self._lock:
            self._data[key] = value
            if len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


sql_cache = _LRU(_CACHE_SIZE)


# -- resolving names -----------------------------------------------------------------------


@dataclass
class Resolved:
    """A name resolved to a column expression and the field it holds."""

    expression: sa.ColumnElement[Any]
    field: Field[Any] | None
    model: type[Model]
    remaining: list[str]
    multi: bool = False


def lookup_parts(name: str) -> list[str]:
    """Split ``author__name__icontains``; an empty part (``a____b``) is an error."""
    parts = name.split("__")
    if not all(parts):
        raise FieldError(f"Invalid field name {name!r}.")
    return parts


class BuildContext:
    """One statement being built: its joins, its bound-parameter plan, its vendor."""

    def __init__(
        self, model: type[Model], dialect: Dialect, parent: BuildContext | None = None
    ) -> None:
        self.model = model
        self.dialect = dialect
        self.vendor = dialect.name
        self.table: sa.FromClause = model._meta.table
        self.plan: list[list[Prep]] = parent.plan if parent is not None else []
        self.values: dict[str, Any] = parent.values if parent is not None else {}
        self._alias_counter: list[int] = parent._alias_counter if parent is not None else [0]
        self._stack: list[tuple[int, Any, list[int]]] = []
        self.joins: dict[Any, sa.FromClause] = {}
        self.from_clause: sa.FromClause = self.table
        self.annotations: dict[str, sa.ColumnElement[Any]] = {}
        self.annotation_exprs: dict[str, Expression] = {}
        self.literal_values = False
        self.uses_subquery = False

    # -- values ------------------------------------------------------------------------------

    @contextmanager
    def leaf(self, raw: Any) -> Iterator[None]:
        """Number a leaf value; ``slot()`` calls inside bind parameters computed from it."""
        index = len(self.plan)
        self.plan.append([])
        self._stack.append((index, raw, [0]))
        try:
            yield
        finally:
            self._stack.pop()

    def slot(self, fn: Prep) -> list[sa.BindParameter[Any]]:
        """Bound parameters for ``fn(leaf value)`` (and remember ``fn`` for later queries)."""
        index, raw, counter = self._stack[-1]
        self.plan[index].append(fn)
        binds: list[sa.BindParameter[Any]] = []
        for value in fn(raw):
            name = f"bv{index}_{counter[0]}"
            counter[0] += 1
            self.values[name] = value
            if self.literal_values:
                binds.append(sa.bindparam(name, value=value))
            else:
                binds.append(sa.bindparam(name, value=None, type_=sa.types.NullType()))
        return binds

    def new_alias(self, table: sa.FromClause) -> sa.FromClause:
        self._alias_counter[0] += 1
        return table.alias(f"T{self._alias_counter[0]}")

    # -- names -------------------------------------------------------------------------------

    def resolve(self, name: str, generation: int = 0, *, lookups: bool = True) -> Resolved:
        """Resolve a ``__`` path to a column, joining tables along the way.

        Raises:
            FieldError: a part is not a field, relation, annotation or (at the end) lookup.
        """
        parts = lookup_parts(name)
        if parts[0] in self.annotations:
            expr = self.annotation_exprs[parts[0]]
            return Resolved(
                self.annotations[parts[0]], _output_field(self, expr), self.model, parts[1:]
            )
        model = self.model
        table = self.from_table_for(())
        path: tuple[Any, ...] = ()
        multi = False
        i = 0
        while True:
            part = parts[i]
            meta = model._meta
            f = meta.get_field_or_none(part)
            if f is None:
                if i == 0:
                    raise FieldError(
                        f"Cannot resolve {part!r} into a field of {model.__name__}. "
                        f"Choices are: {', '.join(meta.query_names())}."
                    )
                raise FieldError(f"{model.__name__} has no field {part!r} (in {name!r}).")
            rest = parts[i + 1 :]
            if not getattr(f, "is_relation", False):
                return Resolved(table.c[f.column], f, model, rest, multi)
            if rest and rest[0] not in LOOKUPS and f.related_model._meta.get_field_or_none(rest[0]):
                # A field of the related model follows: join and keep walking, except for
                # the target's primary key through a forward key (the local column has it).
                target_meta = f.related_model._meta
                if (
                    getattr(f, "many_to_one", False)
                    and target_meta.resolve_pk_name(rest[0]) == target_meta.pk.name
                    and (len(rest) == 1 or rest[1] in LOOKUPS or rest[1] in TRANSFORMS)
                ):
                    return Resolved(table.c[f.column], target_meta.pk, model, rest[1:], multi)
                path = (*path, f.join_key)
                table, edge_multi = self.join(path, f, table, generation)
                multi = multi or edge_multi
                model = f.related_model
                i += 1
                continue
            # The relation itself is compared: a forward key by its column, anything else
            # by the related primary key through a join.
            if getattr(f, "many_to_one", False):
                return Resolved(table.c[f.column], f.target_field, model, rest, multi)
            path = (*path, f.join_key)
            table, edge_multi = self.join(path, f, table, generation)
            target_pk = f.related_model._meta.pk
            return Resolved(table.c[target_pk.column], target_pk, f.related_model, rest, True)

    def from_table_for(self, path: tuple[Any, ...]) -> sa.FromClause:
        return self.table if not path else self.joins[path]

    def join(
        self, path: tuple[Any, ...], f: Any, parent: sa.FromClause, generation: int
    ) -> tuple[sa.FromClause, bool]:
        """LEFT OUTER JOIN the relation ``f`` from ``parent``; reuse single-valued joins.

        A multi-valued relation (reverse key, many-to-many) gets a join per ``filter()``
        call, as in Django: ``filter(tags__name="a").filter(tags__name="b")`` means two
        tags, not one tag with two names.
        """
        multi = bool(getattr(f, "multiple", False) or getattr(f, "many_to_many", False))
        key = (path, generation) if multi else path
        existing = self.joins.get(key)
        if existing is not None:
            self.joins[path] = existing
            return existing, multi
        for left_col, right_table, right_col in f.join_steps():
            alias = self.new_alias(right_table)
            self.from_clause = self.from_clause.outerjoin(
                alias, parent.c[left_col] == alias.c[right_col]
            )
            parent = alias
        self.joins[key] = parent
        self.joins[path] = parent
        return parent, multi

    # -- expressions -------------------------------------------------------------------------

    def maybe_expression(self, value: Any) -> sa.ColumnElement[Any] | None:
        if isinstance(value, Expression):
            return self.expr(value)
        return None

    def maybe_subquery(self, value: Any) -> sa.Select[Any] | None:
        query = getattr(value, "query", None)
        if not isinstance(query, Query):
            return None
        self.uses_subquery = True
        sub = BuildContext(query.model, self.dialect, parent=self)
        if query.fields is None:
            query = query.clone()
            query.fields = ("pk",)
        if len(query.fields) != 1:
            raise FieldError("A queryset used as a value must select one column (values_list).")
        stmt, _reader = build_select(query, sub, nested=True)
        return cast("sa.Select[Any]", stmt)

    def expr(self, expression: Expression, generation: int = 0) -> sa.ColumnElement[Any]:
        """An expression as SQL (values become leaves, names resolved)."""
        if isinstance(expression, F):
            resolved = self.resolve(expression.name, generation)
            if resolved.remaining:
                raise FieldError(f"F({expression.name!r}) must name a field, not a lookup.")
            return resolved.expression
        if isinstance(expression, Value):
            with self.leaf(expression.value):
                if isinstance(expression.value, str) and expression.value == "*":
                    return sa.literal_column("*")
                vendor = self.vendor
                (bound,) = self.slot(lambda v: [_constant(v, vendor)])
                return bound
        if isinstance(expression, CombinedExpression):
            lhs = self.expr(expression.lhs, generation)
            rhs = self.expr(expression.rhs, generation)
            return _OPERATORS[expression.op](lhs, rhs)
        if isinstance(expression, Aggregate):
            return self.aggregate(expression, generation)
        if isinstance(expression, OrderBy):
            inner = self.expr(expression.expression, generation)
            # On MariaDB this is a (nulls flag, column) pair; ORDER BY callers unpack it.
            return cast("sa.ColumnElement[Any]", _order(inner, expression, self.vendor))
        raise FieldError(f"Unsupported expression {expression!r}.")

    def aggregate(self, agg: Aggregate, generation: int = 0) -> sa.ColumnElement[Any]:
        if isinstance(agg.expression, Value) and agg.expression.value == "*":
            with self.leaf("*"):
                pass
            if agg.filter is not None:
                condition = self.q(agg.filter, generation)
                return sa.func.count(sa.case((condition, 1)))
            return sa.func.count()
        inner = self.expr(agg.expression, generation)
        if agg.filter is not None:
            condition = self.q(agg.filter, generation)
            inner = sa.case((condition, inner))
        if agg.distinct:
            inner = sa.distinct(inner)
        function = getattr(sa.func, agg.function.lower())
        return function(inner)  # type: ignore[no-any-return]

    # -- conditions --------------------------------------------------------------------------

    def q(self, q: Q, generation: int = 0) -> sa.ColumnElement[bool]:
        """A Q tree as a condition (negations of multi-valued paths become subqueries)."""
        if q.negated:
            return self.negated_q(q, generation)
        parts: list[sa.ColumnElement[bool]] = []
        for child in q.children:
            if isinstance(child, Q):
                parts.append(self.q(child, generation))
            else:
                parts.append(self.condition(child[0], child[1], generation))
        if not parts:
            return sa.true()  # Q() with nothing in it matches every row
        return sa.and_(*parts) if q.connector == Q.AND else sa.or_(*parts)

    def negated_q(self, q: Q, generation: int) -> sa.ColumnElement[bool]:
        """NOT ``q``: rows for which ``q`` is false *or unknown* (NULL), as in Django.

        When ``q`` follows relations, the test runs in a subquery: "has no tag named x"
        must not be answered row by row over a join (any other tag would pass).
        """
        sub = BuildContext(self.model, self.dialect, parent=self)
        sub.annotations = self.annotations
        sub.annotation_exprs = self.annotation_exprs
        inner = Q._node(q.connector, False, q.children)
        condition = sub.q(inner, generation)
        if not sub.joins:
            return sa.not_(sa.func.coalesce(condition, sa.false()))
        self.uses_subquery = True
        pk = self.model._meta.pk.column
        matching = sa.select(sub.table.c[pk]).select_from(sub.from_clause).where(condition)
        return self.table.c[pk].not_in(matching)

    def condition(self, name: str, value: Any, generation: int) -> sa.ColumnElement[bool]:
        with self.leaf(value):
            resolved = self.resolve(name, generation)
            lhs, field_, rest = resolved.expression, resolved.field, resolved.remaining
            from bastion.db.models.fields.structured import JSONField

            if isinstance(field_, JSONField) and rest:
                if rest == ["has_key"]:
                    return build_has_key(self, lhs, value)
                lookup = rest[-1] if rest[-1] in LOOKUPS and len(rest) > 0 else "exact"
                keys = rest[:-1] if rest[-1] in LOOKUPS else rest
                if not keys:
                    return self._plain(lhs, field_, lookup, value)
                return build_json_lookup(self, lhs, keys, lookup, value, field_.dumps)
            while rest and rest[0] in TRANSFORMS:
                lhs = apply_transform(self, lhs, field_, rest[0])
                field_ = _transform_field(rest[0], field_)
                rest = rest[1:]
            if len(rest) > 1:
                raise FieldError(f"Unsupported lookup {'__'.join(rest)!r} in {name!r}.")
            lookup = rest[0] if rest else "exact"
            if lookup not in LOOKUPS or lookup == "has_key":
                raise FieldError(
                    f"Unsupported lookup {lookup!r} in {name!r}; use one of "
                    f"{', '.join(sorted(LOOKUPS - {'has_key'}))}."
                )
            return self._plain(lhs, field_, lookup, value)

    def _plain(
        self, lhs: sa.ColumnElement[Any], field_: Field[Any] | None, lookup: str, value: Any
    ) -> sa.ColumnElement[bool]:
        prep = _preparer(field_, self.vendor, lookup)
        return build_lookup(self, lhs, field_, lookup, value, prep)


def _preparer(field_: Field[Any] | None, vendor: str, lookup: str) -> Callable[[Any], Any]:
    """Python value → driver value for comparisons against ``field_``."""
    if field_ is None:
        return _plain_value
    if lookup in ("contains", "icontains", "startswith", "istartswith", "endswith", "iendswith",
                  "iexact", "regex", "iregex"):  # fmt: skip
        return _plain_value
    converter = field_.db_converter(vendor)
    get_prep = field_.get_prep_value

    def prep(value: Any) -> Any:
        pk = _pk_of(value)
        value = get_prep(pk)
        if value is None or converter is None:
            return value
        return converter(value)

    return prep


def _constant(value: Any, vendor: str) -> Any:
    """A constant in an expression, stored the way its column type stores it."""
    if isinstance(value, dt.timedelta) and vendor != "postgresql":
        return value // dt.timedelta(microseconds=1)  # DurationField is microseconds there
    return _pk_of(value)


def _pk_of(value: Any) -> Any:
    meta = getattr(value, "_meta", None)
    if meta is not None and hasattr(value, "_state"):
        return value.pk
    return value


def _plain_value(value: Any) -> Any:
    return _pk_of(value)


def _transform_field(name: str, field_: Field[Any] | None) -> Field[Any] | None:
    if name == "date":
        from bastion.db.models.fields.temporal import DateField

        date_field = DateField()
        date_field.name = date_field.attname = date_field.column = "date"
        return date_field
    int_field = IntegerField()
    int_field.name = int_field.attname = int_field.column = name
    return int_field


def _output_field(ctx: BuildContext, expr: Expression) -> Field[Any] | None:
    """The field an annotation's values behave like (for converting and comparing)."""
    from bastion.db.models.fields.scalars import FloatField

    if isinstance(expr, Count):
        return IntegerField()
    if isinstance(expr, Aggregate):
        inner = _output_field(ctx, expr.expression)
        if expr.function == "AVG" and type(inner).__name__ != "DecimalField":
            return FloatField()
        if expr.function == "SUM" and isinstance(inner, IntegerField):
            return _WholeNumber()
        return inner
    if isinstance(expr, F):
        resolved = ctx.resolve(expr.name)
        return resolved.field
    if isinstance(expr, CombinedExpression):
        return _output_field(ctx, expr.lhs) or _output_field(ctx, expr.rhs)
    return None


class _WholeNumber(IntegerField):
    """The result of SUM over integers: MariaDB returns it as a Decimal."""

    def result_converter(self, vendor: str) -> Callable[[Any], Any] | None:
        return int


_OPERATORS: dict[str, Callable[[Any, Any], sa.ColumnElement[Any]]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": lambda a, b: a % b,
}


def _order(column: Any, term: OrderBy, vendor: str) -> Any:
    ordered = column.desc() if term.descending else column.asc()
    if term.nulls_first or term.nulls_last:
        if vendor == "mysql":
            # MariaDB has no NULLS FIRST/LAST: sort on "is null" first.
            flag = column.is_(None)
            return (flag.desc() if term.nulls_first else flag.asc(), ordered)
        ordered = ordered.nulls_first() if term.nulls_first else ordered.nulls_last()
    return ordered


# -- statements ----------------------------------------------------------------------------

from bastion.db.models.select import build_select  # noqa: E402  (select builds on the above)


def compile_query(query: Query, dialect: Dialect, mode: str, extra: Any = None) -> Compiled:
    """The cached :class:`Compiled` for ``query`` in ``mode`` (built on first use)."""
    key = (dialect.name, mode, query.shape(), extra)
    cached = sql_cache.get(key)
    if cached is not None:
        return cached
    from bastion.db.models.select import build_statement

    ctx = BuildContext(query.model, dialect)
    stmt, reader = build_statement(query, ctx, mode, extra)
    compiled = stmt.compile(dialect=dialect)
    positional = (
        tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    )
    defaults = {
        name: bind.value
        for name, bind in compiled.binds.items()
        if not name.startswith("bv") and bind.value is not None
    }
    result = Compiled(compiled.string, ctx.plan, positional, defaults, reader=reader)
    sql_cache.put(key, result)
    return result


def check_expression(model: type[Model], check: Q) -> sa.ColumnElement[bool]:
    """A CheckConstraint's Q as SQL with literal values (for the table's DDL).

    Built without a dialect: column names only, no joins (a check sees one row).
    """
    from sqlalchemy.dialects import sqlite

    ctx = BuildContext(model, sqlite.dialect())
    ctx.literal_values = True
    condition = ctx.q(check)
    if ctx.joins:
        raise FieldError("A CheckConstraint can only use the model's own fields.")
    return condition
