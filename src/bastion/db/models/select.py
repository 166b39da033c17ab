"""Statements for each kind of query: rows, count, exists, aggregate, and their readers.

A reader turns a driver row into what the QuerySet yields (a model instance with its
``select_related`` objects, a dict, a tuple or one value), converting each column with its
field's converter for the vendor. It is built with the statement and cached with it.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from bastion.db.exceptions import FieldError
from bastion.db.models.expressions import Aggregate, Expression, F, OrderBy
from bastion.db.models.fields.base import Field
from bastion.db.models.query import Query

if TYPE_CHECKING:
    from bastion.db.models.base import Model
    from bastion.db.models.compiler import BuildContext
    from bastion.db.models.relations import ForeignKey

__all__ = ["build_select", "build_statement"]

Reader = Callable[[Any, str], Any]


def _converter(field_: Field[Any] | None, vendor: str) -> Callable[[Any], Any] | None:
    if field_ is None:
        return None
    return field_.result_converter(vendor)


def build_statement(query: Query, ctx: BuildContext, mode: str, extra: Any) -> tuple[Any, Any]:
    """The statement (and reader) of ``query`` for ``mode``."""
    if mode == "select":
        return build_select(query, ctx)
    if mode == "count":
        return _count(query, ctx), None
    if mode == "exists":
        return _exists(query, ctx), None
    if mode == "aggregate":
        return _aggregate(query, ctx, extra)
    if mode == "pks":
        q = query.clone()
        q.fields = ("pk",)
        q.order_by = ()
        return build_select(q, ctx)
    raise ValueError(f"unknown mode {mode!r}")


def _prepare(query: Query, ctx: BuildContext) -> tuple[list[Any], list[Any]]:
    """Annotations first (their leaves come first), then WHERE and HAVING conditions."""
    for alias, expr in query.annotations.items():
        ctx.annotation_exprs[alias] = expr
        ctx.annotations[alias] = ctx.expr(expr).label(alias)
    where: list[Any] = []
    having: list[Any] = []
    aggregates = {a for a, e in query.annotations.items() if e.contains_aggregate}
    for q, generation in query.where:
        condition = ctx.q(q, generation)
        names = {ref.split("__", 1)[0] for ref in q.refs()}
        (having if names & aggregates else where).append(condition)
    return where, having


def _annotation_ref(ctx: BuildContext, alias: str) -> Any:
    label = ctx.annotations[alias]
    return label.element if isinstance(label, sa.sql.elements.Label) else label


def _order_terms(query: Query, ctx: BuildContext) -> list[Any]:
    terms: tuple[Any, ...]
    if query.order_by is not None:
        terms = query.order_by
    elif query.default_ordering:
        terms = tuple(query.model._meta.ordering)
    else:
        terms = ()
    result: list[Any] = []
    for term in terms:
        if isinstance(term, OrderBy):
            # Typed loosely: on MariaDB an ordering term is a (nulls flag, column) pair.
            ordered: Any = ctx.expr(term)
            result.extend(ordered if isinstance(ordered, tuple) else (ordered,))
            continue
        if term == "?":
            result.append(sa.func.rand() if ctx.vendor == "mysql" else sa.func.random())
            continue
        descending = term.startswith("-")
        name = term[1:] if descending else term
        if name in ctx.annotations:
            column = _annotation_ref(ctx, name)
        else:
            resolved = ctx.resolve(name)
            if resolved.remaining:
                raise FieldError(f"Cannot order by {term!r}: {name!r} is not a field path.")
            column = resolved.expression
        result.append(column.desc() if descending else column.asc())
    return result


def _finish(stmt: Any, query: Query, ctx: BuildContext, where: list[Any], having: list[Any]) -> Any:
    stmt = stmt.select_from(ctx.from_clause)
    if where:
        stmt = stmt.where(*where)
    if having:
        stmt = stmt.having(*having)
    return stmt


def build_select(query: Query, ctx: BuildContext, *, nested: bool = False) -> tuple[Any, Any]:
    """SELECT the rows of ``query`` and return the statement and its reader."""
    where, having = _prepare(query, ctx)
    vendor = ctx.vendor
    columns: list[Any] = []
    converters: list[Callable[[Any], Any] | None] = []
    group_by_needed = query.has_aggregate_annotations
    if query.fields is not None or nested:
        names = list(query.fields or ())
        if not names:
            names = [f.attname for f in query.model._meta.concrete_fields]
            names += list(query.annotations)
        for name in names:
            if name in ctx.annotations:
                columns.append(ctx.annotations[name])
                converters.append(
                    _converter(_annotation_field(ctx, query.annotations[name]), vendor)
                )
                continue
            resolved = ctx.resolve(name)
            if resolved.remaining:
                raise FieldError(f"Cannot select {name!r}: it is not a field path.")
            columns.append(resolved.expression.label(_label(name)))
            converters.append(_converter(resolved.field, vendor))
        reader: Any = _values_reader(query, names, converters)
        group_columns = [c for c, n in zip(columns, names, strict=True) if n not in ctx.annotations
                         or not query.annotations[n].contains_aggregate]  # fmt: skip
        if not query.group_by_fields:
            # annotate() before values(): one row per object, as in Django.
            group_columns.insert(0, ctx.table.c[query.model._meta.pk.column])
    else:
        reader, columns, group_columns = _model_columns(query, ctx)
    # Ordering may join more tables: resolve it before the FROM clause is fixed.
    order = _order_terms(query, ctx)
    if query.distinct and order:
        # SELECT DISTINCT must select what it orders by (PostgreSQL insists); readers only
        # look at the leading columns, so these extra ones change nothing else.
        selected = {id(_unlabel(c)) for c in columns}
        for i, term in enumerate(order):
            element = getattr(term, "element", term)
            if id(element) not in selected:
                columns = [*columns, sa.sql.expression.ColumnElement.label(element, f"_order_{i}")]
    stmt = sa.select(*columns)
    stmt = _finish(stmt, query, ctx, where, having)
    if group_by_needed and group_columns:
        stmt = stmt.group_by(*[_unlabel(c) for c in group_columns])
    if query.distinct:
        stmt = stmt.distinct()
    if order:
        stmt = stmt.order_by(*order)
    if query.high is not None:
        stmt = stmt.limit(query.high - query.low)
    if query.low:
        if query.high is None and ctx.vendor in ("mysql", "sqlite"):
            stmt = stmt.limit(2**63 - 1 if ctx.vendor == "mysql" else -1)
        stmt = stmt.offset(query.low)
    if query.for_update is not None and ctx.vendor != "sqlite":
        nowait, skip_locked, of = query.for_update
        of_tables = [ctx.from_table_for(()) if o == "self" else ctx.joins[(o,)] for o in of] or None
        stmt = stmt.with_for_update(nowait=nowait, skip_locked=skip_locked, of=of_tables)
    return stmt, reader


def _unlabel(column: Any) -> Any:
    return column.element if isinstance(column, sa.sql.elements.Label) else column


def _label(name: str) -> str:
    return name


def _annotation_field(ctx: BuildContext, expr: Expression) -> Field[Any] | None:
    from bastion.db.models.compiler import _output_field

    return _output_field(ctx, expr)


def _values_reader(
    query: Query, names: list[str], converters: list[Callable[[Any], Any] | None]
) -> Reader:
    pairs = [(i, c) for i, c in enumerate(converters) if c is not None]

    width = len(names)

    def convert(row: Any) -> list[Any]:
        values = list(row[:width])
        for i, fn in pairs:
            if values[i] is not None:
                values[i] = fn(values[i])
        return values

    mode = query.values_mode
    if mode == "dict":
        return lambda row, _db: dict(zip(names, convert(row), strict=True))
    if mode == "flat":
        return lambda row, _db: convert(row)[0]
    if mode == "named":
        row_type = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        return lambda row, _db: row_type(*convert(row))
    return lambda row, _db: tuple(convert(row))


def _loaded_fields(model: type[Model], query: Query | None, prefix: str = "") -> list[Field[Any]]:
    fields = model._meta.concrete_fields
    if query is None or (query.only is None and not query.deferred):
        return list(fields)
    result = []
    for f in fields:
        full = prefix + f.name
        if f.primary_key:
            result.append(f)
        elif query.only is not None:
            if full in query.only or (f.attname != f.name and prefix + f.attname in query.only):
                result.append(f)
        elif full not in query.deferred:
            result.append(f)
    return result


def _related_paths(query: Query) -> list[str]:
    if query.select_related is True:
        paths: list[str] = []

        def walk(model: type[Model], prefix: str, depth: int) -> None:
            if depth > 4:
                return
            for f in model._meta.concrete_fields:
                if getattr(f, "many_to_one", False) and not f.null:
                    path = prefix + f.name
                    paths.append(path)
                    walk(cast("ForeignKey", f).related_model, path + "__", depth + 1)

        walk(query.model, "", 0)
        return paths
    paths = []
    for path in query.select_related or ():
        parts = path.split("__")
        for i in range(1, len(parts) + 1):
            sub = "__".join(parts[:i])
            if sub not in paths:
                paths.append(sub)
    return paths


def _model_columns(query: Query, ctx: BuildContext) -> tuple[Reader, list[Any], list[Any]]:
    """Columns of the model (and of its select_related models) and a reader of instances."""
    vendor = ctx.vendor
    model = query.model
    base_fields = _loaded_fields(model, query)
    columns: list[Any] = [ctx.table.c[f.column] for f in base_fields]
    base_conv = [(i, c) for i, f in enumerate(base_fields) if (c := f.result_converter(vendor))]
    base_names = [f.attname for f in base_fields]
    related: list[tuple[list[str], type[Model], int, list[str], list[Any]]] = []
    for path in _related_paths(query):
        parts = path.split("__")
        owner = model
        f: Any = None
        for part in parts:
            f = owner._meta.get_field_or_none(part)
            if f is None or not getattr(f, "many_to_one", False):
                raise FieldError(
                    f"Invalid select_related path {path!r}: select_related follows foreign "
                    "keys and one-to-one fields only (use prefetch_related for the others)."
                )
            owner = f.related_model
        table = _join_path(ctx, path)
        rel_fields = _loaded_fields(owner, None)
        start = len(columns)
        columns.extend(table.c[rf.column] for rf in rel_fields)
        conv = [(i, c) for i, rf in enumerate(rel_fields) if (c := rf.result_converter(vendor))]
        related.append((parts, owner, start, [rf.attname for rf in rel_fields], conv))
    group_columns = list(columns)
    annotation_names = list(query.annotations)
    ann_start = len(columns)
    ann_conv: list[tuple[int, Callable[[Any], Any] | None]] = []
    for i, alias in enumerate(annotation_names):
        columns.append(ctx.annotations[alias])
        ann_fn = _converter(_annotation_field(ctx, query.annotations[alias]), vendor)
        ann_conv.append((i, ann_fn))
        if not query.annotations[alias].contains_aggregate:
            group_columns.append(ctx.annotations[alias])
    n_base = len(base_fields)
    from_row = model._from_row

    def read(row: Any, db: str) -> Any:
        values = list(row[:n_base])
        for i, fn in base_conv:
            if values[i] is not None:
                values[i] = fn(values[i])
        obj = from_row(base_names, values, db)
        for parts, rel_model, start, names, conv in related:
            rel_values = list(row[start : start + len(names)])
            target = obj
            for part in parts[:-1]:
                target = target._state.fields_cache.get(part) if target is not None else None
            if target is None:
                continue
            if rel_values[0] is None:
                target._state.fields_cache[parts[-1]] = None
                continue
            for i, fn in conv:
                if rel_values[i] is not None:
                    rel_values[i] = fn(rel_values[i])
            target._state.fields_cache[parts[-1]] = rel_model._from_row(names, rel_values, db)
        for i, ann_read in ann_conv:
            value = row[ann_start + i]
            obj.__dict__[annotation_names[i]] = (
                ann_read(value) if ann_read and value is not None else value
            )
        return obj

    return read, columns, group_columns


def _join_path(ctx: BuildContext, path: str) -> sa.FromClause:
    model = ctx.model
    table = ctx.table
    walked: tuple[Any, ...] = ()
    for part in path.split("__"):
        f = model._meta.get_field_or_none(part)
        walked = (*walked, f.join_key)
        table, _multi = ctx.join(walked, f, table, 0)
        model = f.related_model
    return table


def _count(query: Query, ctx: BuildContext) -> Any:
    if query.distinct or query.is_sliced or query.has_aggregate_annotations or query.fields:
        inner_query = query.clone()
        inner_query.order_by = ()
        inner_query.default_ordering = False
        if inner_query.fields is None and not inner_query.distinct:
            inner_query.fields = ("pk", *list(query.annotations))
        inner, _reader = build_select(inner_query, ctx, nested=True)
        return sa.select(sa.func.count()).select_from(inner.subquery("sub"))
    where, having = _prepare(query, ctx)
    return _finish(sa.select(sa.func.count()), query, ctx, where, having)


def _exists(query: Query, ctx: BuildContext) -> Any:
    if query.is_sliced or query.distinct:
        inner_query = query.clone()
        inner_query.fields = ("pk",)
        inner, _reader = build_select(inner_query, ctx, nested=True)
        return sa.select(sa.literal_column("1")).select_from(inner.subquery("sub")).limit(1)
    where, having = _prepare(query, ctx)
    stmt = _finish(sa.select(sa.literal_column("1")), query, ctx, where, having)
    if having:
        stmt = stmt.group_by(ctx.table.c[query.model._meta.pk.column])
    return stmt.limit(1)


def _aggregate(query: Query, ctx: BuildContext, aggregates: Any) -> tuple[Any, Any]:
    """``aggregate(total=Sum("price"))``: one row of aggregates, as a dict."""
    names = [alias for alias, _key in aggregates]
    exprs: dict[str, Aggregate] = query.pending_aggregates
    if query.distinct or query.is_sliced or query.has_aggregate_annotations:
        inner_query = query.clone()
        if not query.is_sliced:  # a slice's rows depend on its order
            inner_query.order_by = ()
            inner_query.default_ordering = False
        refs: list[str] = []
        for agg in exprs.values():
            if agg.filter is not None:
                raise FieldError(
                    "aggregate(filter=...) over a sliced, distinct or annotated queryset is "
                    "not supported; filter the queryset itself instead."
                )
            for ref in agg.expression.refs():
                if ref not in refs and ref != "*":
                    refs.append(ref)
        inner_query.fields = ("pk", *[r for r in refs if r != "pk"])
        inner, _r = build_select(inner_query, ctx, nested=True)
        sub = inner.subquery("sub")
        columns = []
        for alias, agg in exprs.items():
            if not isinstance(agg.expression, F) and not (
                isinstance(agg.expression, Expression) and agg.function == "COUNT"
            ):
                raise FieldError("aggregate() over annotations takes field names only.")
            if isinstance(agg.expression, F):
                column = sub.c[agg.expression.name]
                inner_expr: Any = sa.distinct(column) if agg.distinct else column
                columns.append(getattr(sa.func, agg.function.lower())(inner_expr).label(alias))
            else:
                columns.append(sa.func.count().label(alias))
        stmt = sa.select(*columns).select_from(sub)
        converters: list[Any] = [
            _converter(_annotation_field(ctx, agg), ctx.vendor) for agg in exprs.values()
        ]
    else:
        where, having = _prepare(query, ctx)
        columns = []
        converters = []
        for alias, agg in exprs.items():
            columns.append(ctx.aggregate(agg).label(alias))
            converters.append(_converter(_annotation_field(ctx, agg), ctx.vendor))
        stmt = _finish(sa.select(*columns), query, ctx, where, having)

    def read(row: Any, _db: str) -> dict[str, Any]:
        result = {}
        for i, name in enumerate(names):
            value = row[i]
            fn = converters[i]
            result[name] = fn(value) if fn is not None and value is not None else value
        return result

    return stmt, read
