"""Lookups (``__icontains``, ``__gt``...) and transforms (``__year``, JSON keys) as SQL.

Each lookup turns a column expression and a value into a condition. Values only ever reach
the statement through ``ctx.slot()``, which makes bound parameters; the lookup names come
from a fixed table, so an unknown name is a :class:`FieldError`, never SQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from bastion.db.exceptions import FieldError
from bastion.db.models.fields.base import Field

if TYPE_CHECKING:
    from bastion.db.models.compiler import BuildContext

__all__ = ["LOOKUPS", "TRANSFORMS", "build_json_lookup", "build_lookup", "like_escape"]

LOOKUPS = frozenset(
    {
        "exact", "iexact", "contains", "icontains", "startswith", "istartswith", "endswith",
        "iendswith", "in", "gt", "gte", "lt", "lte", "range", "isnull", "regex", "iregex",
        "has_key",
    }
)  # fmt: skip
TRANSFORMS = frozenset({"date", "year", "month", "day", "hour", "minute", "second"})

Prep = Callable[[Any], list[Any]]


def like_escape(text: str) -> str:
    """Escape LIKE wildcards so a user's ``%`` or ``_`` matches itself (escape char ``!``)."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


_PATTERNS = {
    "contains": "%{}%",
    "icontains": "%{}%",
    "startswith": "{}%",
    "istartswith": "{}%",
    "endswith": "%{}",
    "iendswith": "%{}",
}


def build_lookup(
    ctx: BuildContext,
    lhs: sa.ColumnElement[Any],
    field: Field[Any] | None,
    lookup: str,
    value: Any,
    prep: Callable[[Any], Any],
) -> sa.ColumnElement[bool]:
    """The condition ``lhs <lookup> value`` for a plain (non-JSON-key) left-hand side.

    ``prep`` turns one Python value into the value to bind (field conversion included).
    """
    vendor = ctx.vendor
    if lookup == "isnull":
        if not isinstance(value, bool):
            raise FieldError("The isnull lookup takes True or False.")
        return lhs.is_(None) if value else lhs.is_not(None)
    if lookup == "exact" and value is None:
        return lhs.is_(None)
    if lookup == "in":
        return _in(ctx, lhs, value, prep)
    if lookup == "range":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise FieldError("The range lookup takes a pair (low, high).")
        low, high = ctx.slot(lambda v: [prep(v[0]), prep(v[1])])
        return lhs.between(low, high)
    if lookup in _PATTERNS:
        pattern = _PATTERNS[lookup]
        insensitive = lookup.startswith("i")
        rhs = _rhs(ctx, value, lambda v: pattern.format(like_escape(str(prep(v)))), like=pattern)
        if insensitive:
            return sa.func.lower(lhs).like(sa.func.lower(rhs), escape="!")
        return _case_sensitive(lhs, vendor).like(rhs, escape="!")
    if lookup in ("regex", "iregex"):
        if lookup == "iregex" and vendor == "sqlite":
            # SQLite's REGEXP is Python's re: an inline flag is the portable way.
            (rhs,) = ctx.slot(lambda v: ["(?i)" + str(v)])
            return lhs.regexp_match(rhs)
        (rhs,) = ctx.slot(lambda v: [str(v)])
        if lookup == "iregex":
            return lhs.regexp_match(rhs, flags="i")
        return _case_sensitive(lhs, vendor).regexp_match(rhs)
    if lookup == "iexact":
        rhs = _rhs(ctx, value, lambda v: like_escape(str(prep(v))))
        return sa.func.lower(lhs).like(sa.func.lower(rhs), escape="!")
    rhs = _rhs(ctx, value, prep)
    operators = {
        "exact": "__eq__",
        "gt": "__gt__",
        "gte": "__ge__",
        "lt": "__lt__",
        "lte": "__le__",
    }
    if lookup not in operators:
        raise FieldError(f"Unsupported lookup {lookup!r} for this field.")
    return getattr(lhs, operators[lookup])(rhs)  # type: ignore[no-any-return]


def _rhs(ctx: BuildContext, value: Any, prep: Callable[[Any], Any], like: str | None = None) -> Any:
    """The right-hand side: an expression (``F("x")``) or one bound value."""
    expression = ctx.maybe_expression(value)
    if expression is not None:
        if like is not None:
            # A pattern around another column: escape its wildcards in SQL.
            escaped = sa.func.replace(
                sa.func.replace(sa.func.replace(expression, "!", "!!"), "%", "!%"), "_", "!_"
            )
            head, _, tail = like.partition("{}")
            parts = [
                p
                for p in (head and sa.literal(head), escaped, tail and sa.literal(tail))
                if p is not None and p != ""
            ]
            return sa.func.concat(*parts)
        return expression
    (bound,) = ctx.slot(lambda v: [prep(v)])
    return bound


def _in(
    ctx: BuildContext, lhs: sa.ColumnElement[Any], value: Any, prep: Callable[[Any], Any]
) -> sa.ColumnElement[bool]:
    subquery = ctx.maybe_subquery(value)
    if subquery is not None:
        return lhs.in_(subquery)
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)):
        raise FieldError("The in lookup takes a list, tuple or set of values, or a queryset.")
    items = list(value)
    if not items:
        return sa.false()
    binds = ctx.slot(lambda v: [prep(item) for item in v])
    return lhs.in_(binds)


def _case_sensitive(lhs: sa.ColumnElement[Any], vendor: str) -> sa.ColumnElement[Any]:
    # MariaDB's default collation ignores case; Django's case-sensitive lookups are binary.
    return lhs.collate("utf8mb4_bin") if vendor == "mysql" else lhs


def apply_transform(
    ctx: BuildContext, lhs: sa.ColumnElement[Any], field: Field[Any] | None, name: str
) -> sa.ColumnElement[Any]:
    """``__date``, ``__year``... on a date or datetime column (UTC)."""
    from bastion.db.models.fields.temporal import DateField, DateTimeField, TimeField

    if not isinstance(field, (DateField, DateTimeField, TimeField)):
        raise FieldError(f"The {name!r} transform applies to date and time fields only.")
    if name == "date":
        if ctx.vendor == "sqlite":
            return sa.func.date(lhs)
        return sa.cast(lhs, sa.Date)
    return sa.cast(sa.extract(name, lhs), sa.Integer)


# -- JSON key paths ------------------------------------------------------------------------


def json_path(keys: Sequence[str]) -> str:
    """``$."a"."b"[0]``: the JSON path of MariaDB and SQLite, every key quoted as JSON."""
    parts = ["$"]
    for key in keys:
        if key.isdigit():
            parts.append(f"[{int(key)}]")
        else:
            parts.append("." + json.dumps(key))
    return "".join(parts)


def build_json_lookup(
    ctx: BuildContext,
    column: sa.ColumnElement[Any],
    keys: Sequence[str],
    lookup: str,
    value: Any,
    dumps: Callable[[Any], str],
) -> sa.ColumnElement[bool]:
    """A lookup on a key path inside a JSON column; the path is a bound parameter."""
    vendor = ctx.vendor
    keys = list(keys)
    as_json: sa.ColumnElement[Any]
    as_text: sa.ColumnElement[Any]
    if vendor == "postgresql":
        (path,) = ctx.slot(lambda _v: [keys])
        text_array = sa.cast(path, postgresql.ARRAY(sa.Text()))
        as_json = column.op("#>", return_type=postgresql.JSONB())(text_array)
        as_text = column.op("#>>", return_type=sa.Text())(text_array)
    else:
        (path,) = ctx.slot(lambda _v: [json_path(keys)])
        as_json = sa.func.json_extract(column, path)
        as_text = sa.func.json_unquote(as_json) if vendor == "mysql" else as_json
    if lookup == "has_key":
        raise FieldError("has_key applies to the JSON field itself: data__has_key='k'.")
    if lookup == "isnull":
        if not isinstance(value, bool):
            raise FieldError("The isnull lookup takes True or False.")
        return as_json.is_(None) if value else as_json.is_not(None)
    if lookup == "exact" and value is None:
        # JSON null at the key (not a missing key).
        if vendor == "sqlite":
            return sa.func.json_type(column, path) == sa.literal_column("'null'")
        if vendor == "mysql":
            return sa.func.json_type(as_json) == sa.literal_column("'NULL'")
        return _json_equal(ctx, as_json, None, dumps, _same)
    if lookup == "exact":
        return _json_equal(ctx, as_json, value, dumps, _same)
    if lookup == "in":
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set)):
            raise FieldError("The in lookup takes a list, tuple or set of values.")
        picks = [_index(i) for i in range(len(value))]
        items = list(value)
        return sa.or_(
            sa.false(),
            *[_json_equal(ctx, as_json, items[i], dumps, picks[i]) for i in range(len(items))],
        )
    scalar = as_json if vendor == "postgresql" and lookup in ("gt", "gte", "lt", "lte") else as_text
    if vendor == "postgresql" and scalar is as_json:
        (bound,) = ctx.slot(lambda v: [_jsonb(v, dumps)])
        ops = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__"}
        return getattr(scalar, ops[lookup])(bound)  # type: ignore[no-any-return]
    return build_lookup(ctx, scalar, None, lookup, value, lambda v: v)


def _jsonb(value: Any, dumps: Callable[[Any], str]) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value, dumps=dumps)


def _same(value: Any) -> Any:
    return value


def _index(i: int) -> Callable[[Any], Any]:
    return lambda values: list(values)[i]


def _json_equal(
    ctx: BuildContext,
    as_json: sa.ColumnElement[Any],
    value: Any,
    dumps: Callable[[Any], str],
    pick: Callable[[Any], Any],
) -> sa.ColumnElement[bool]:
    """``as_json`` equals the JSON of ``pick(leaf value)``."""
    if ctx.vendor == "postgresql":
        (bound,) = ctx.slot(lambda v: [_jsonb(pick(v), dumps)])
        return as_json == bound
    if ctx.vendor == "mysql" and isinstance(value, str):
        # MariaDB compares JSON strings as text including their quotes: unquote both.
        (text,) = ctx.slot(lambda v: [pick(v)])
        return sa.and_(
            sa.func.json_type(as_json) == sa.literal_column("'STRING'"),
            sa.func.json_unquote(as_json) == text,
        )
    (bound,) = ctx.slot(lambda v: [dumps(pick(v))])
    if ctx.vendor == "sqlite" and isinstance(value, (dict, list)):
        return sa.func.json(as_json) == sa.func.json(bound)
    return as_json == sa.func.json_extract(bound, sa.literal_column("'$'"))


def build_has_key(
    ctx: BuildContext, column: sa.ColumnElement[Any], key: Any
) -> sa.ColumnElement[bool]:
    """``data__has_key="k"``: the top-level key exists (even with a null value)."""
    if not isinstance(key, str):
        raise FieldError("has_key takes a key name (a string).")
    if ctx.vendor == "postgresql":
        (bound,) = ctx.slot(lambda v: [v])
        return column.op("?", return_type=sa.Boolean())(sa.cast(bound, sa.Text()))
    (bound,) = ctx.slot(lambda v: [json_path([v])])
    if ctx.vendor == "mysql":
        return sa.func.json_contains_path(column, sa.literal_column("'one'"), bound) == 1
    return sa.func.json_type(column, bound).is_not(None)
