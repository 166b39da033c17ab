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

A column that cannot be filled that way is refused with a :class:`MigrationError` before
any file is written: no default, a default computed per row (``uuid.uuid4``,
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
from bastion.db.models.fields.base import NOT_PROVIDED, Field
from bastion.db.models.fields.structured import JSONField
from bastion.db.models.registry import ModelRegistry
from bastion.exceptions import ValidationError

__all__ = ["ColumnKey", "PortableDefault", "fill_existing_rows", "model_fields"]

ColumnKey = tuple[str, str]
"""``(table, column)``."""

VENDORS = ("postgresql", "mysql", "sqlite")
"""The databases a migration must run on, by the vendor names fields convert values for."""

DIALECT_NAMES = {
    "postgresql": ("postgresql",),
    "mysql": ("mysql", "mariadb"),
    "sqlite": ("sqlite",),
}
"""SQLAlchemy's dialect names of each vendor (MariaDB URLs may use either name)."""

CONSTANT_FACTORIES: tuple[type, ...] = (dict, list, tuple, str, int, float, bool, decimal.Decimal)
"""Callable defaults that return the same empty value on every call (``default=dict``): their
value is as good as a literal, so they are not refused as functions computed per row."""

FILL_NOTE = (
    "# Rows already in the table get the default above; then the server default goes,\n"
    "# as the models have none (Bastion applies model defaults in Python)."
)


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
    return ops.UpgradeOps(ops=result)


def _fill_table(
    table_ops: ops.ModifyTableOps, fields: Mapping[ColumnKey, Field[Any]], problems: list[str]
) -> list[ops.MigrateOperation]:
    """One table's operations, then (if it needed any) the step dropping the server defaults.

    Two batches, not one: on SQLite a batch that must rebuild the table copies the old
    rows into the final shape, which would already lack the default that fills them.
    """
    table = table_ops.table_name
    kept: list[ops.MigrateOperation] = []
    drops: list[ops.MigrateOperation] = []
    for op in table_ops.ops:
        if not _needs_value(op):
            kept.append(op)
            continue
        column = op.column
        try:
            source = _default_source(column, fields.get((table, column.name)))
        except _Unfillable as exc:
            problems.append(f"{table}.{column.name} ({exc})")
            kept.append(op)
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
    filled: list[ops.MigrateOperation] = [ops.ModifyTableOps(table, kept, schema=table_ops.schema)]
    if drops:
        filled.append(ops.ModifyTableOps(table, [_FillNote(), *drops], schema=table_ops.schema))
    return filled


def _needs_value(op: ops.MigrateOperation) -> TypeGuard[ops.AddColumnOp]:
    """Adding a NOT NULL column that the database has no value for in existing rows."""
    return (
        isinstance(op, ops.AddColumnOp)
        and not op.column.nullable
        and op.column.server_default is None
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
    if default is NOT_PROVIDED and _set_on_save(field):
        raise _Unfillable("no default: auto_now/auto_now_add only set it when a row is saved")
    if default is NOT_PROVIDED or default is None:
        raise _Unfillable("no default")
    if default in CONSTANT_FACTORIES:
        return default()
    if callable(default):
        name = getattr(default, "__qualname__", None) or repr(default)
        raise _Unfillable(f"default {name} is a function, computed for each row")
    if isinstance(default, sa.ClauseElement):
        raise _Unfillable("default is a SQL expression")
    return default


def _set_on_save(field: Field[Any] | None) -> bool:
    """A date or time field that ``save()`` fills (``auto_now``, ``auto_now_add``)."""
    return any(getattr(field, flag, False) for flag in ("auto_now", "auto_now_add"))


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
