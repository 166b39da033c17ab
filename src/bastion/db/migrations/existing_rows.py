"""New NOT NULL columns on tables that already have rows: fill those rows, or refuse.

``ALTER TABLE ... ADD COLUMN ... NOT NULL`` needs a value for every row already in the table.
Bastion's models give defaults in Python (the ORM fills them on insert), never as server
defaults, so Alembic's plain ``add_column`` fails on PostgreSQL, MariaDB and SQLite as soon
as the table has a row. :func:`fill_existing_rows` rewrites the upgrade of
``makemigrations``: a new NOT NULL column whose field has a constant default is added with
that default as its *server default*, which the database writes into the rows already
there, and a second step drops the server default again, so that the schema is the one the
models describe (and ``bastion check`` stays quiet).

The literal is the value as the field itself stores it on each database (through its
``db_converter``: UTC without an offset on MariaDB, ISO text on SQLite, hex for a UUID outside
PostgreSQL), so the rows filled by the migration and those the ORM writes later look alike.
Strings stay Python strings in the migration: SQLAlchemy quotes them when it writes the DDL,
for each database (MariaDB's backslashes included), so a default such as ``it's \\ here``
cannot break the SQL.

A date or time column that ``save()`` fills (``auto_now``, ``auto_now_add``) and that has no
constant default means "when the row was written"; for the rows already there, the honest
answer is when the migration runs. Such a column is added nullable, set in every row to the
time the migration runs (:func:`.timestamps.migration_now`, bound as a parameter in the
form the field stores on the database at hand), and made NOT NULL in the second step.

Any other column that cannot be filled that way is refused with a :class:`MigrationError`
before any file is written: no default, a default computed per row (``uuid.uuid4``,
``timezone.now``, a lambda), a default with no SQL literal, or a unique column (one value
for every row breaks uniqueness from the second row on). Filling such a column would mean
calling the function once per row inside the migration, and the migration would then import
project code by its dotted path forever, store the values without the field's conversions
(a migration must not import the models, which describe the latest schema), and update a
large table row by row. Whoever knows the table writes that better: the error says how
(a literal default, ``null=True``, or three migrations with a data migration in between).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import math
import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, TypeGuard

import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import renderers
from alembic.operations import ops

from bastion.db.migrations.errors import MigrationError
from bastion.db.migrations.timestamps import (
    DIALECT_NAMES,
    TimeKind,
    set_on_save,
    stores_time_as_usual,
)
from bastion.db.models.fields.base import NOT_PROVIDED, Field
from bastion.db.models.fields.structured import JSONField
from bastion.db.models.fields.temporal import DateField, DateTimeField
from bastion.db.models.registry import ModelRegistry
from bastion.exceptions import ValidationError

__all__ = ["ColumnKey", "PortableDefault", "fill_existing_rows", "model_fields"]

ColumnKey = tuple[str, str]
"""``(table, column)``."""

VENDORS = tuple(DIALECT_NAMES)
"""The databases a migration must run on, by the vendor names fields convert values for."""

CONSTANT_FACTORIES: tuple[type, ...] = (dict, list, tuple, str, int, float, bool, decimal.Decimal)
"""Callable defaults that return the same empty value on every call (``default=dict``): their
value is as good as a literal, so they are not refused as functions computed per row."""

FILL_NOTE = (
    "# Rows already in the table get the default above; then the server default goes,\n"
    "# as the models have none (Bastion applies model defaults in Python)."
)

NOW_NOTE = (
    "# Rows already in the table get the time this migration runs, as auto_now and\n"
    "# auto_now_add would have set it when they were written; then the columns become NOT NULL."
)

NOW_IMPORT = "from bastion.db.migrations import migration_now"


class _Unfillable(Exception):
    """Why one column cannot be filled from a literal (the text completes the error)."""


class PortableDefault(sa.DefaultClause):
    """A server default that exists only as migration source, one literal per database.

    It is rendered into the migration (``render_ops`` asks for :attr:`source`) and never
    compiled here, so its clause is a placeholder.

    Args:
        source: Python that evaluates, inside a migration, to each database's default.
    """

    def __init__(self, source: str) -> None:
        super().__init__(sa.null())
        self.source = source


class _FillNote(ops.MigrateOperation):
    """A comment in the migration saying why a server default is added and then dropped."""


@renderers.dispatch_for(_FillNote)
def _render_note(_context: AutogenContext, _op: _FillNote) -> list[str]:
    """The note's lines (Alembic indents each line it is given, not the lines of one)."""
    return FILL_NOTE.splitlines()


class _FillWithNow(ops.MigrateOperation):
    """Set new ``auto_now``/``auto_now_add`` columns, in every row, to the migration's time.

    Args:
        table: the table.
        columns: each column with the kind of field it belongs to.
        schema: the table's schema.
    """

    def __init__(self, table: str, columns: list[tuple[str, TimeKind]], schema: str | None) -> None:
        self.table = table
        self.columns = columns
        self.schema = schema
        self.takes_time = False
        """Whether this step reads the clock (the first such step of a migration does)."""


@renderers.dispatch_for(_FillWithNow)
def _render_fill_with_now(context: AutogenContext, op: _FillWithNow) -> list[str]:
    """An ``UPDATE`` of the whole table with the time bound as parameters.

    Built with ``sa.table()`` so that SQLAlchemy quotes the names for each database.
    """
    context.imports.add(NOW_IMPORT)
    lines = NOW_NOTE.splitlines()
    if op.takes_time:
        lines.append("now = migration_now(op.get_context().dialect.name)")
    columns = "".join(f", sa.column({name!r})" for name, _kind in op.columns)
    schema = f", schema={op.schema!r}" if op.schema is not None else ""
    values = ", ".join(f"{name!r}: now.{kind}" for name, kind in op.columns)
    return [
        *lines,
        "op.execute(",
        f"    sa.table({op.table!r}{columns}{schema})",
        "    .update()",
        f"    .values({{{values}}})",
        ")",
        "",
    ]


def model_fields(registry: ModelRegistry, app_label: str) -> dict[ColumnKey, Field[Any]]:
    """Each column of an app's models, with the field that declares it.

    The tables that autogenerate compares are plain SQLAlchemy tables, which do not carry
    the fields' Python defaults; this is how :func:`fill_existing_rows` finds them.

    Args:
        registry: where the app's models are.
        app_label: the app.

    Returns:
        ``(table, column)`` → field, for every concrete field of the app's models.
    """
    return {
        (model._meta.db_table, field.column): field
        for model in registry.models(app_label)
        for field in model._meta.fields
    }


def fill_existing_rows(
    upgrade: ops.UpgradeOps, fields: Mapping[ColumnKey, Field[Any]]
) -> ops.UpgradeOps:
    """``upgrade`` with the rows already in a table filled in for its new NOT NULL columns.

    Args:
        upgrade: an app's autogenerated upgrade (left unchanged).
        fields: the model field of each column, for its default and conversions; a column
            without one (a plain ``sa.Table``) uses its ``sa.Column(default=...)``.

    Returns:
        New operations: each such column added with a server default, followed by a step
        dropping those server defaults.

    Raises:
        MigrationError: some new NOT NULL columns cannot be filled from a literal; the
            message names each with the reason, and what to do instead.
    """
    problems: list[str] = []
    result: list[ops.MigrateOperation] = []
    for op in upgrade.ops:
        if isinstance(op, ops.ModifyTableOps):
            result.extend(_fill_table(op, fields, problems))
        else:
            result.append(op)
    if problems:
        raise MigrationError(_refusal(problems))
    # One reading of the clock for the whole migration: every table gets the same time.
    first = next((op for op in result if isinstance(op, _FillWithNow)), None)
    if first is not None:
        first.takes_time = True
    return ops.UpgradeOps(ops=result)


def _fill_table(
    table_ops: ops.ModifyTableOps, fields: Mapping[ColumnKey, Field[Any]], problems: list[str]
) -> list[ops.MigrateOperation]:
    """One table's operations, then (if it needed any) the steps that fill and finish them.

    The columns filled from a default get it as a server default, dropped in a second batch;
    those filled with the time are added nullable, set by an ``UPDATE`` between the two
    batches, and made NOT NULL in the second. Two batches, not one: on SQLite a batch that
    must rebuild the table copies the old rows into the final shape, which would already
    lack the default that fills them (or be NOT NULL before they have a value).
    """
    table = table_ops.table_name
    kept: list[ops.MigrateOperation] = []
    drops: list[ops.MigrateOperation] = []
    timed: list[tuple[str, TimeKind]] = []
    not_null: list[ops.MigrateOperation] = []
    for op in table_ops.ops:
        if not _needs_value(op):
            kept.append(op)
            continue
        column = op.column
        field = fields.get((table, column.name))
        try:
            kind = _time_of_migration(column, field)
            # A timestamp is filled with the time, which needs no server default.
            source = _default_source(column, field) if kind is None else ""
        except _Unfillable as exc:
            problems.append(f"{table}.{column.name} ({exc})")
            kept.append(op)
            continue
        if kind is not None:
            kept.append(ops.AddColumnOp(table, _nullable(column), schema=op.schema))
            timed.append((column.name, kind))
            not_null.append(_not_null(table, column, op.schema))
            continue
        kept.append(ops.AddColumnOp(table, _with_server_default(column, source), schema=op.schema))
        drops.append(
            ops.AlterColumnOp(
                table,
                column.name,
                schema=op.schema,
                existing_type=column.type,
                existing_nullable=False,
                modify_server_default=None,
            )
        )
    schema = table_ops.schema
    filled: list[ops.MigrateOperation] = [ops.ModifyTableOps(table, kept, schema=schema)]
    finish: list[ops.MigrateOperation] = [_FillNote(), *drops] if drops else []
    if timed:
        filled.append(_FillWithNow(table, timed, schema))
        finish.extend(not_null)
    if finish:
        filled.append(ops.ModifyTableOps(table, finish, schema=schema))
    return filled


def _needs_value(op: ops.MigrateOperation) -> TypeGuard[ops.AddColumnOp]:
    """Adding a NOT NULL column that the database has no value for in existing rows."""
    return (
        isinstance(op, ops.AddColumnOp)
        and not op.column.nullable
        and op.column.server_default is None
    )


def _nullable(column: sa.Column[Any]) -> sa.Column[Any]:
    """A copy of ``column`` (the models' own stays NOT NULL) that allows NULL for now."""
    copy = column._copy()
    copy.nullable = True
    return copy


def _not_null(table: str, column: sa.Column[Any], schema: str | None) -> ops.AlterColumnOp:
    """The step making ``column`` NOT NULL once its rows have a value, as the models have it."""
    return ops.AlterColumnOp(
        table,
        column.name,
        schema=schema,
        existing_type=column.type,
        existing_nullable=True,
        modify_nullable=False,
    )


def _with_server_default(column: sa.Column[Any], source: str) -> sa.Column[Any]:
    """A copy of ``column`` (the models' own stays as it is) carrying the server default."""
    copy = column._copy()
    copy.server_default = PortableDefault(source)
    return copy


def _default_source(column: sa.Column[Any], field: Field[Any] | None) -> str:
    """The migration source of the column's server default (one literal per database).

    Raises:
        _Unfillable: there is no constant default, or no SQL literal for it.
    """
    value = _constant_default(column, field)
    if column.unique:
        raise _Unfillable("unique: one default for every row would repeat a value")
    by_vendor = {vendor: _literal(_stored(value, column, field, vendor)) for vendor in VENDORS}
    return _per_database(by_vendor)


def _constant_default(column: sa.Column[Any], field: Field[Any] | None) -> Any:
    """The field's (or the plain column's) default when it is the same for every row.

    Raises:
        _Unfillable: no default, None, or one that a function computes per row.
    """
    if field is not None:
        default = field.default
    elif isinstance(column.default, sa.ColumnDefault):
        # SQLAlchemy wraps a callable to pass it a context; __wrapped__ is the one given.
        default = getattr(column.default.arg, "__wrapped__", column.default.arg)
    else:
        default = NOT_PROVIDED
    if default is NOT_PROVIDED or default is None:
        raise _Unfillable("no default")
    if default in CONSTANT_FACTORIES:
        return default()
    if callable(default):
        name = getattr(default, "__qualname__", None) or repr(default)
        hint = ""
        if isinstance(field, (DateField, DateTimeField)):
            hint = "; for when a row was written, auto_now_add=True fills with the migration's time"
        raise _Unfillable(f"default {name} is a function, computed for each row{hint}")
    if isinstance(default, sa.ClauseElement):
        raise _Unfillable("default is a SQL expression")
    return default


def _time_of_migration(column: sa.Column[Any], field: Field[Any] | None) -> TimeKind | None:
    """The kind of field whose rows get the migration's time, or None for any other column.

    That is an ``auto_now``/``auto_now_add`` field without a constant default (one given
    wins, as for any field): its value means "when the row was written".

    Raises:
        _Unfillable: the column is unique, or the field stores times in a way of its own.
    """
    kind = set_on_save(field)
    if kind is None or field is None:
        return None
    default = field.default
    if default is not NOT_PROVIDED and default is not None and not callable(default):
        return None
    if column.unique:
        raise _Unfillable("unique: one time for every row would repeat a value")
    if not stores_time_as_usual(field, kind):
        name = type(field).__name__
        raise _Unfillable(f"auto_now/auto_now_add on {name}, which stores times its own way")
    return kind


def _stored(value: Any, column: sa.Column[Any], field: Field[Any] | None, vendor: str) -> Any:
    """``value`` as the field hands it to ``vendor``'s driver (what the ORM would store).

    Raises:
        _Unfillable: the field rejects its own default.
    """
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(field, JSONField):
        return field.dumps(value)
    if field is None:
        if isinstance(column.type, sa.JSON):
            return json.dumps(value, separators=(",", ":"), allow_nan=False)
        return value
    try:
        prepared = field.get_prep_value(value)
    except ValidationError as exc:
        raise _Unfillable(f"default {value!r} is not valid: {'; '.join(exc.messages)}") from None
    convert = field.db_converter(vendor)
    return convert(prepared) if convert is not None else prepared


def _literal(value: Any) -> str:
    """Python source of a server default writing ``value`` (a driver value) as SQL.

    Strings stay strings, which SQLAlchemy quotes for the database at hand; numbers are SQL
    text (``sa.text("0")``); booleans are ``sa.true()``/``sa.false()``, which each database
    spells its own way (``false`` on PostgreSQL, ``0`` on SQLite).

    Raises:
        _Unfillable: no literal for this kind of value (bytes, a non-finite number...).
    """
    if isinstance(value, bool):
        return "sa.true()" if value else "sa.false()"
    if isinstance(value, int):
        return f"sa.text({str(value)!r})"
    if isinstance(value, float) and math.isfinite(value):
        return f"sa.text({repr(value)!r})"
    if isinstance(value, decimal.Decimal) and value.is_finite():
        return f"sa.text({format(value, 'f')!r})"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dt.datetime):
        return repr(value.isoformat(sep=" "))
    if isinstance(value, (dt.date, dt.time)):
        return repr(value.isoformat())
    if isinstance(value, dt.timedelta):  # PostgreSQL's interval
        return repr(f"{value // dt.timedelta(microseconds=1)} microseconds")
    if isinstance(value, uuid.UUID):
        return repr(str(value))
    raise _Unfillable(f"no SQL literal for a default of type {type(value).__name__}")


def _per_database(by_vendor: Mapping[str, str]) -> str:
    """One expression choosing each database's literal when the databases differ.

    The literal most databases share is the fallback, the others are chosen by the
    dialect's name at migration time (``op.get_context()`` works offline too, for
    ``sqlmigrate``).
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for vendor, source in by_vendor.items():
        groups[source].append(vendor)
    if len(groups) == 1:
        return next(iter(groups))
    fallback = max(groups, key=lambda source: len(groups[source]))
    expression = fallback
    for source, vendors in reversed(groups.items()):
        if source == fallback:
            continue
        names = tuple(name for vendor in vendors for name in DIALECT_NAMES[vendor])
        test = f"== {names[0]!r}" if len(names) == 1 else f"in {names!r}"
        expression = f"{source} if op.get_context().dialect.name {test} else {expression}"
    return f"({expression})"


def _refusal(problems: list[str]) -> str:
    """The error for columns that cannot be filled: which, why, and the three ways out."""
    listed = "; ".join(problems)
    return (
        f"Cannot add these NOT NULL columns to tables that may already have rows: {listed}. "
        "The migration would fail on a table with rows, so none was written. For each "
        "column, either give the field a constant default (default=0, default='draft') "
        "that the rows already there can take; or make it null=True; or add it in three "
        "migrations: with null=True first, then a data migration that fills the rows "
        "(`bastion makemigrations APP --empty`), then without null=True. See "
        "docs/migrations.md, 'New columns on tables with rows'."
    )
