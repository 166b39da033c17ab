"""The time a migration runs, as date and time fields store it: for ``auto_now`` columns.

A new NOT NULL ``DateTimeField(auto_now_add=True)`` (or ``auto_now``, or a ``DateField``) of
a table that already has rows needs a value for those rows, and the field's meaning, "when
the row was written", has an honest answer for rows written before the column existed: the
time of the migration that adds it. ``makemigrations`` writes such a migration as three
steps: add the column nullable, set it in every row to :func:`migration_now`, make it NOT
NULL (see :mod:`.existing_rows`)::

    now = migration_now(op.get_context().dialect.name)
    op.execute(
        sa.table("shop_item", sa.column("created")).update().values({"created": now.datetime})
    )

The time is taken when the migration runs, once (every row gets the same value), in UTC, and
bound as a parameter in the form the field itself hands to that database's driver (UTC
without an offset on MariaDB, ISO text on SQLite), so the rows filled by the migration and
those the ORM writes later look alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from bastion.db.migrations.errors import MigrationError
from bastion.db.models.fields.base import Field
from bastion.db.models.fields.temporal import DateField, DateTimeField
from bastion.exceptions import ValidationError

__all__ = [
    "DIALECT_NAMES",
    "MigrationNow",
    "TimeKind",
    "migration_now",
    "set_on_save",
    "stored_time",
    "stores_time_as_usual",
]

TimeKind = Literal["datetime", "date"]
"""Which field's form a time takes: ``DateTimeField``'s or ``DateField``'s."""

_FIELDS: dict[TimeKind, type[Field[Any]]] = {"datetime": DateTimeField, "date": DateField}

DIALECT_NAMES: dict[str, tuple[str, ...]] = {
    "postgresql": ("postgresql",),
    "mysql": ("mysql", "mariadb"),
    "sqlite": ("sqlite",),
}
"""The databases migrations run on, by the vendor names fields convert values for, with
SQLAlchemy's dialect names of each (MariaDB URLs may use either name)."""

_PROBE = dt.datetime(2001, 2, 3, 23, 5, 6, 7, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
"""An instant whose date differs in UTC, to compare two fields' stored forms with."""

_VENDOR_OF = {name: vendor for vendor, names in DIALECT_NAMES.items() for name in names}


def set_on_save(field: Field[Any] | None) -> TimeKind | None:
    """Which kind of time ``save()`` sets in ``field`` (``auto_now``, ``auto_now_add``), if any."""
    if not any(getattr(field, flag, False) for flag in ("auto_now", "auto_now_add")):
        return None
    if isinstance(field, DateTimeField):
        return "datetime"
    if isinstance(field, DateField):
        return "date"
    return None


def stored_time(field: Field[Any], at: dt.datetime, vendor: str) -> Any:
    """``at`` as ``field`` hands it to ``vendor``'s driver (what the ORM would store).

    Args:
        field: a ``DateTimeField`` (the instant) or a ``DateField`` (its date in UTC).
        at: an aware datetime.
        vendor: ``postgresql``, ``mysql`` or ``sqlite``.
    """
    prepared = field.get_prep_value(at)
    convert = field.db_converter(vendor)
    return convert(prepared) if convert is not None else prepared


def stores_time_as_usual(field: Field[Any], kind: TimeKind) -> bool:
    """Whether ``field`` stores times as the plain field of its kind does, on every database.

    The plain fields' form is what :func:`migration_now` writes; a subclass of them may
    convert times its own way.
    """
    plain = _FIELDS[kind]()
    try:
        return all(
            stored_time(field, _PROBE, vendor) == stored_time(plain, _PROBE, vendor)
            for vendor in DIALECT_NAMES
        )
    except (ValidationError, TypeError, ValueError):
        return False


@dataclass(frozen=True, slots=True)
class MigrationNow:
    """One instant, as bound parameters in each date and time field's stored form.

    Attributes:
        at: the instant, aware, in UTC.
        vendor: the database family it is stored for (``postgresql``, ``mysql``, ``sqlite``).
    """

    at: dt.datetime
    vendor: str

    @property
    def datetime(self) -> sa.BindParameter[Any]:
        """The instant, as a ``DateTimeField`` stores it."""
        return sa.literal(stored_time(DateTimeField(), self.at, self.vendor))

    @property
    def date(self) -> sa.BindParameter[Any]:
        """The instant's date in UTC, as a ``DateField`` stores it."""
        return sa.literal(stored_time(DateField(), self.at, self.vendor))


def migration_now(dialect_name: str) -> MigrationNow:
    """The current time, to store in date and time columns on the database at hand.

    Migrations call it with ``op.get_context().dialect.name``, which offline SQL
    (``sqlmigrate``) has too; that SQL then holds the time it was written out.

    Args:
        dialect_name: SQLAlchemy's name of the database's dialect.

    Returns:
        The time now, in UTC, with its values bound as parameters (never formatted into SQL).

    Raises:
        MigrationError: the dialect is not PostgreSQL, MariaDB/MySQL or SQLite.
    """
    vendor = _VENDOR_OF.get(dialect_name)
    if vendor is None:
        raise MigrationError(
            f"No date and time storage is known for the {dialect_name!r} database; "
            "migrations run on PostgreSQL, MariaDB (or MySQL) and SQLite."
        )
    return MigrationNow(dt.datetime.now(dt.UTC), vendor)
