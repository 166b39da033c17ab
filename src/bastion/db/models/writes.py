"""INSERT and UPDATE: ``save()``, ``QuerySet.update()``, ``bulk_create()``, ``bulk_update()``.

Statements are compiled by SQLAlchemy once per model, column set and vendor, then run on
the driver's cursor like every other query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import sqlalchemy as sa

from bastion.db.engine import databases
from bastion.db.exceptions import FieldError
from bastion.db.models import signals
from bastion.db.models.expressions import Expression
from bastion.db.transaction import atomic

if TYPE_CHECKING:
    from bastion.db.connection import Connection
    from bastion.db.models.base import Model
    from bastion.db.models.compiler import BuildContext
    from bastion.db.models.fields.base import Field
    from bastion.db.models.queryset import QuerySet
    from bastion.db.models.relations import ForeignKey

__all__ = ["bulk_insert", "bulk_update_rows", "save_instance", "update_rows"]

M = TypeVar("M", bound="Model")

_statements: dict[Any, tuple[str, tuple[str, ...] | None]] = {}
_lock = threading.Lock()
BATCH = 500


def _compile(
    key: Any, build: Any, dialect: Any, column_keys: list[str] | None = None
) -> tuple[str, tuple[str, ...] | None]:
    cached = _statements.get(key)
    if cached is not None:
        return cached
    compiled = build().compile(dialect=dialect, column_keys=column_keys)
    positional = tuple(compiled.positiontup) if compiled.positional else None
    result = (compiled.string, positional)
    with _lock:
        _statements[key] = result
    return result


def _params(values: dict[str, Any], positional: tuple[str, ...] | None) -> Any:
    if positional is None:
        return values
    return tuple(values[name] for name in positional)


def _db_value(f: Field[Any], value: Any, vendor: str) -> Any:
    value = f.get_prep_value(value)
    if value is None:
        return None
    converter = f.db_converter(vendor)
    return converter(value) if converter is not None else value


def _returns(conn: Connection) -> bool:
    conn.dbapi  # noqa: B018 - the first connection tells SQLAlchemy the server version
    return (bool(conn.dialect.insert_returning) and conn.vendor != "mysql") or (
        conn.vendor == "mysql" and bool(getattr(conn.dialect, "is_mariadb", False))
    )


def _insert(model: type[Model], objs: Sequence[Model], conn: Connection) -> None:
    """INSERT rows, reading back generated primary keys."""
    meta = model._meta
    pk = meta.pk
    auto = type(pk).__name__.endswith("AutoField")
    fields = [f for f in meta.fields if not (auto and f is pk and objs[0].pk is None)]
    vendor = conn.vendor
    returning = auto and objs[0].pk is None
    use_returning = returning and _returns(conn)
    table = meta.table
    names = [f.column for f in fields]
    for start in range(0, len(objs), BATCH):
        batch = objs[start : start + BATCH]
        n = len(batch)

        def build(n: int = n) -> Any:
            rows: list[dict[str, sa.BindParameter[Any]]] = [
                {c: sa.bindparam(f"r{i}_{j}") for j, c in enumerate(names)} for i in range(n)
            ]
            # No column to send (a model of nothing but its generated key): DEFAULT VALUES,
            # or MariaDB's () VALUES (), one row per statement (see below).
            stmt = table.insert().values(rows) if names else table.insert()
            if use_returning:
                stmt = stmt.returning(table.c[pk.column])
            return stmt

        if n > 1 and (not names or (returning and not use_returning)):
            for obj in batch:
                _insert(model, [obj], conn)
            continue
        key = ("insert", model, tuple(names), n, vendor, use_returning)
        # column_keys=[]: an INSERT of no columns, not one of every column as a parameter.
        sql, positional = _compile(key, build, conn.dialect, None if names else [])
        values: dict[str, Any] = {}
        for i, obj in enumerate(batch):
            for j, f in enumerate(fields):
                values[f"r{i}_{j}"] = _db_value(f, getattr(obj, f.attname), vendor)
        cursor = conn.execute(sql, _params(values, positional))
        try:
            if use_returning:
                ids = [row[0] for row in cursor.fetchall()]
                convert = pk.result_converter(vendor)
                for obj, new_id in zip(batch, ids, strict=True):
                    obj.__dict__[pk.attname] = convert(new_id) if convert else new_id
            elif returning:
                batch[0].__dict__[pk.attname] = cursor.lastrowid
        finally:
            cursor.close()
        for obj in batch:
            obj._state.adding = False
            obj._state.db = conn.alias


def _update(obj: Model, fields: Sequence[Field[Any]], conn: Connection) -> int:
    meta = obj._meta
    table = meta.table
    names = [f.column for f in fields]

    def build() -> Any:
        stmt = table.update().where(table.c[meta.pk.column] == sa.bindparam("pk_value"))
        return stmt.values({c: sa.bindparam(f"u{j}") for j, c in enumerate(names)})

    key = ("update", type(obj), tuple(names), conn.vendor)
    sql, positional = _compile(key, build, conn.dialect)
    values = {
        f"u{j}": _db_value(f, getattr(obj, f.attname), conn.vendor) for j, f in enumerate(fields)
    }
    values["pk_value"] = _db_value(meta.pk, obj.pk, conn.vendor)
    cursor = conn.execute(sql, _params(values, positional))
    try:
        count = int(cursor.rowcount)
    finally:
        cursor.close()
    return count


def _pk_exists(obj: Model, conn: Connection) -> bool:
    return bool(type(obj)._base_manager.using(conn.alias).filter(pk=obj.pk).exists())


def save_instance(
    obj: Model,
    *,
    force_insert: bool,
    force_update: bool,
    using: str | None,
    update_fields: Iterable[str] | None,
) -> None:
    """The body of ``Model.save()``: pre_save, INSERT or UPDATE, post_save, in one block."""
    model = type(obj)
    meta = model._meta
    if force_insert and (force_update or update_fields):
        raise ValueError("Cannot force both insert and updating in model saving.")
    if (force_update or update_fields is not None) and obj.pk is None:
        raise ValueError("Cannot force an update in save() with no primary key.")
    alias = using or obj._state.db or databases().db_for_write(model, instance=obj)
    for f in meta.fields:
        if getattr(f, "many_to_one", False) and f.name in obj._state.fields_cache:
            related = obj._state.fields_cache[f.name]
            if related is not None and related.pk is None:
                raise ValueError(
                    f"save() prohibited to prevent data loss due to unsaved related object "
                    f"{f.name!r}."
                )
            if related is not None and obj.__dict__.get(f.attname) is None:
                fk = cast("ForeignKey", f)  # many_to_one, checked above
                obj.__dict__[f.attname] = getattr(related, fk.target_field.attname)
    selected: list[Field[Any]] | None = None
    if update_fields is not None:
        names = list(update_fields)
        if not names:
            return
        selected = _writable_fields(model, names, "save(update_fields=...)")
    conn = databases().connection(alias)
    with atomic(alias, savepoint=False):
        signals.pre_save.send(
            sender=model, instance=obj, raw=False, using=alias, update_fields=update_fields
        )
        adding = obj._state.adding
        for f in meta.fields:
            pre_save = getattr(f, "pre_save", None)
            if pre_save is not None:
                value = pre_save(adding or force_insert)
                if value is not None and (selected is None or f in selected):
                    obj.__dict__[f.attname] = value
        created = False
        if force_insert or (obj.pk is None):
            _insert(model, [obj], conn)
            created = True
        else:
            fields = selected or [f for f in meta.fields if not f.primary_key]
            fields = [f for f in fields if f.attname in obj.__dict__]
            updated = _update(obj, fields, conn) if fields else int(_pk_exists(obj, conn))
            if not updated:
                if force_update or update_fields is not None:
                    raise model.DoesNotExist(
                        "save() with force_update or update_fields did not affect any rows."
                    )
                _insert(model, [obj], conn)
                created = True
        obj._state.adding = False
        obj._state.db = alias
        signals.post_save.send(
            sender=model,
            instance=obj,
            created=created,
            raw=False,
            using=alias,
            update_fields=update_fields,
        )


def update_rows(qs: QuerySet[Any], values: dict[str, Any]) -> int:
    """UPDATE the rows of ``qs`` (values bound, F() expressions over the row's own fields)."""
    from bastion.db.models.query import expression_leaves

    model = qs.model
    meta = model._meta
    if not values:
        raise TypeError("update() needs at least one field to set.")
    fields: list[tuple[Field[Any], Any]] = []
    for name, value in values.items():
        f = meta.get_field_or_none(name)
        if f is None or not getattr(f, "concrete", False):
            raise FieldError(f"Cannot update {model.__name__}.{name}: no such concrete field.")
        if f.primary_key:
            raise FieldError("Cannot update the primary key with update().")
        fields.append((f, value))
    if qs.query.empty:
        return 0
    head_leaves: list[Any] = []
    for _f, value in fields:
        if isinstance(value, Expression):
            expression_leaves(value, head_leaves)
        else:
            head_leaves.append(value)
    value_shape = tuple((f.name, v.key() if isinstance(v, Expression) else None) for f, v in fields)

    def assignments(ctx: BuildContext) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for f, value in fields:
            if isinstance(value, Expression):
                if value.contains_aggregate:
                    raise FieldError("Aggregates are not allowed in update().")
                result[f.column] = ctx.expr(value)
            else:
                prep = _value_prep(f, ctx.vendor)

                def leaf_values(v: Any, prep: Callable[[Any], Any] = prep) -> list[Any]:
                    return [prep(v)]

                with ctx.leaf(value):
                    (bound,) = ctx.slot(leaf_values)
                result[f.column] = bound
        if ctx.joins:
            raise FieldError("update() values can only refer to the model's own fields.")
        return result

    table = meta.table
    return _filtered_write(
        qs,
        ("update", value_shape),
        head_leaves,
        assignments,
        lambda head, conditions: table.update().values(head).where(*conditions),
    )


def delete_rows(qs: QuerySet[Any]) -> int:
    """DELETE the rows of ``qs`` in one statement (when nothing cascades or listens)."""
    if qs.query.empty:
        return 0
    table = qs.model._meta.table
    return _filtered_write(
        qs,
        ("delete",),
        [],
        lambda ctx: None,
        lambda _h, conditions: table.delete().where(*conditions),
    )


def _filtered_write(
    qs: QuerySet[Any],
    kind: tuple[Any, ...],
    head_leaves: list[Any],
    build_head: Callable[[BuildContext], Any],
    make: Callable[[Any, list[Any]], Any],
) -> int:
    """Run an UPDATE or DELETE restricted to the rows of ``qs``; return the rows affected.

    A plain filter becomes the statement's WHERE. One that joins, groups or uses a subquery
    selects the primary keys in a derived table first: MariaDB refuses a statement that
    reads the table it changes in a plain subquery.
    """
    from bastion.db.models.compiler import BuildContext, Compiled, sql_cache
    from bastion.db.models.select import _prepare, build_select

    model = qs.model
    conn = databases().connection(qs._write_db())
    query = qs.query.clone()
    query.order_by = ()
    query.default_ordering = False
    key = (conn.vendor, kind, query.shape())
    compiled = sql_cache.get(key)
    if compiled is None:
        ctx = BuildContext(model, conn.dialect)
        head = build_head(ctx)
        head_count = len(ctx.plan)
        sub_query = query.clone()
        sub_query.fields = ("pk",)
        sub_query.values_mode = "flat"
        inner_ctx = BuildContext(model, conn.dialect, parent=ctx)
        where, having = _prepare(sub_query, inner_ctx)
        if inner_ctx.joins or having or query.annotations or inner_ctx.uses_subquery:
            del ctx.plan[head_count:]
            inner_ctx = BuildContext(model, conn.dialect, parent=ctx)
            inner, _reader = build_select(sub_query, inner_ctx, nested=True)
            derived = inner.subquery("pks")
            pk_col = model._meta.table.c[model._meta.pk.column]
            where = [pk_col.in_(sa.select(derived.c[0]))]
        stmt = make(head, where)
        sql = stmt.compile(dialect=conn.dialect)
        positional = tuple(sql.positiontup) if sql.positional and sql.positiontup else None
        defaults = {
            n: b.value
            for n, b in sql.binds.items()
            if not n.startswith("bv") and b.value is not None
        }
        compiled = Compiled(sql.string, ctx.plan, positional, defaults)
        sql_cache.put(key, compiled)
    cursor = conn.execute(compiled.sql, compiled.params([*head_leaves, *query.leaves()]))
    try:
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _writable_fields(model: type[Model], names: Sequence[str], caller: str) -> list[Field[Any]]:
    """The concrete, non-primary-key fields ``names`` (what an UPDATE may set)."""
    fields = []
    for name in names:
        f = model._meta.get_field_or_none(name)
        if f is None or not getattr(f, "concrete", False) or f.primary_key:
            raise ValueError(f"{caller} cannot update {model.__name__}.{name}.")
        fields.append(f)
    return fields


def _value_prep(f: Field[Any], vendor: str) -> Callable[[Any], Any]:
    def prep(value: Any) -> Any:
        return _db_value(f, value, vendor)

    return prep


def bulk_insert(model: type[M], objs: list[M], alias: str, batch_size: int | None) -> list[M]:
    """INSERT many objects (no signals, no save())."""
    if not objs:
        return objs
    for obj in objs:
        if not isinstance(obj, model):
            raise TypeError(f"bulk_create() takes {model.__name__} instances only.")
        for f in model._meta.fields:
            pre_save = getattr(f, "pre_save", None)
            if pre_save is not None:
                value = pre_save(True)
                if value is not None:
                    obj.__dict__[f.attname] = value
    conn = databases().connection(alias)
    size = max(1, min(batch_size or BATCH, BATCH))
    with atomic(alias, savepoint=False):
        with_pk = [o for o in objs if o.pk is not None]
        without_pk = [o for o in objs if o.pk is None]
        for group in (with_pk, without_pk):
            for start in range(0, len(group), size):
                _insert(model, group[start : start + size], conn)
    return objs


def bulk_update_rows(model: type[Model], objs: list[Model], names: list[str], alias: str) -> int:
    """UPDATE ``names`` of each object, all in one transaction."""
    if not names:
        raise ValueError("bulk_update() needs field names.")
    fields = _writable_fields(model, names, "bulk_update()")
    conn = databases().connection(alias)
    total = 0
    with atomic(alias, savepoint=False):
        for obj in objs:
            if obj.pk is None:
                raise ValueError("All bulk_update() objects must have a primary key.")
            total += _update(obj, fields, conn)
    return total
