"""How migrations run: Alembic's environment, the connection, and one transaction each.

Alembic runs an ``env.py`` for every command; Bastion's (beside this module) only calls
:func:`run_environment`, which takes everything it needs from ``config.attributes``: the
connection (online) or the dialect and output buffer (offline SQL for ``sqlmigrate``).

Transactions: Bastion's engines put drivers in autocommit mode (see ``bastion.db.connection``),
so SQLAlchemy's ``begin()`` alone would not open a transaction. :func:`migration_connection`
emits an explicit ``BEGIN`` whenever SQLAlchemy begins one, and every migration runs in its
own transaction with its version row: on PostgreSQL and SQLite a failing migration leaves
nothing behind. MariaDB commits each DDL statement implicitly, so there a failure can leave a
migration half applied; keep its migrations small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from alembic import context, op
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from bastion.db.migrations.conventions import VERSION_TABLE
from bastion.db.migrations.errors import MigrationError

__all__ = [
    "CONNECTION",
    "DIALECT",
    "ON_VERSION_APPLY",
    "OUTPUT",
    "REPLAY",
    "OnVersionApply",
    "current_heads",
    "migration_connection",
    "replaying",
    "run_environment",
    "transactional_ddl",
]

CONNECTION = "bastion.connection"
"""``config.attributes`` key: the SQLAlchemy connection to migrate (online mode)."""
DIALECT = "bastion.dialect"
"""``config.attributes`` key: the dialect name to write SQL for (offline mode)."""
OUTPUT = "bastion.output"
"""``config.attributes`` key: where offline SQL is written."""
ON_VERSION_APPLY = "bastion.on_version_apply"
"""``config.attributes`` key: called after each migration step (progress, table owners)."""
REPLAY = "bastion.replay"
"""``config.attributes`` key: true while ``makemigrations`` replays migrations on a scratch
database to learn the migrated schema (see :func:`replaying`)."""

OnVersionApply = Callable[..., None]


def transactional_ddl(dialect_name: str) -> bool:
    """Whether schema changes can be rolled back: PostgreSQL and SQLite yes, MariaDB no.

    Alembic says no for SQLite because the ``sqlite3`` module does not open transactions
    before DDL; the explicit ``BEGIN`` of :func:`migration_connection` does.
    """
    return dialect_name in ("postgresql", "sqlite")


def run_environment() -> None:
    """The body of ``env.py``: configure Alembic from ``config.attributes`` and run.

    Options every Bastion migration runs with: the shared ``bastion_migrations`` version
    table, batch mode (SQLite rebuilds a table to alter it), one transaction per migration.
    """
    attributes = context.config.attributes
    options: dict[str, Any] = {
        "version_table": VERSION_TABLE,
        "render_as_batch": True,
        "transaction_per_migration": True,
    }
    if context.is_offline_mode():
        dialect_name: str = attributes[DIALECT]
        buffer: TextIO = attributes[OUTPUT]
        context.configure(
            dialect_name=dialect_name,
            output_buffer=buffer,
            literal_binds=True,
            transactional_ddl=transactional_ddl(dialect_name),
            **options,
        )
    else:
        connection: Connection = attributes[CONNECTION]
        context.configure(
            connection=connection,
            transactional_ddl=transactional_ddl(connection.dialect.name),
            on_version_apply=attributes.get(ON_VERSION_APPLY),
            **options,
        )
    with context.begin_transaction():
        context.run_migrations()


def replaying() -> bool:
    """Whether the running migration is being replayed by ``makemigrations`` (call it inside one).

    ``makemigrations`` learns what the existing migrations build by running them on an empty
    in-memory SQLite database. A data migration that uses SQL only one database understands
    can skip that run with ``if replaying(): return``.
    """
    config = op.get_context().config
    return bool(config is not None and config.attributes.get(REPLAY))


def current_heads(connection: Connection) -> tuple[str, ...]:
    """The revisions recorded in the version table (none when it does not exist yet).

    The read's transaction is ended at once: Alembic treats a connection that is already in
    a transaction as "external" and would then not give each migration its own.
    """
    try:
        heads = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE}
        ).get_current_heads()
    finally:
        if connection.in_transaction():
            connection.rollback()
    return tuple(heads)


def _begin_explicitly(connection: Connection) -> None:
    """SQLAlchemy began a transaction; make it real on a driver in autocommit mode."""
    raw = connection.connection.dbapi_connection
    name = connection.dialect.name
    if name == "sqlite":
        needed = not raw.in_transaction  # type: ignore[union-attr]
    elif name == "postgresql":
        needed = bool(raw.autocommit)  # type: ignore[union-attr]
    elif name == "mysql":
        needed = bool(raw.get_autocommit())  # type: ignore[union-attr]
    else:  # pragma: no cover - Bastion supports the three above
        needed = False
    if needed:
        connection.exec_driver_sql("BEGIN")


def _sqlite_pragma(connection: Connection, sql: str) -> list[Any]:
    """Run a PRAGMA on the driver directly: inside a transaction SQLite ignores some."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection to migrate with: real transactions, and on SQLite no foreign key checks.

    SQLite alters a table by building a new one and dropping the old, which foreign key
    enforcement would refuse (or cascade); it is off while migrating, as SQLite's manual
    advises, and ``PRAGMA foreign_key_check`` runs before the connection is handed back.

    Raises:
        MigrationError: on SQLite, the migrations left rows pointing at missing rows.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        event.listen(connection, "begin", _begin_explicitly)
        enforced = False
        if sqlite:
            enforced = bool(_sqlite_pragma(connection, "PRAGMA foreign_keys")[0][0])
            _sqlite_pragma(connection, "PRAGMA foreign_keys = OFF")
        try:
            yield connection
            if connection.in_transaction():
                connection.commit()
            if sqlite:
                broken = _sqlite_pragma(connection, "PRAGMA foreign_key_check")
                if broken:
                    tables = sorted({str(row[0]) for row in broken})
                    raise MigrationError(
                        "The migrations are applied, but rows of "
                        f"{', '.join(tables)} now point at rows that do not exist "
                        "(see `PRAGMA foreign_key_check`); fix them with a data migration."
                    )
        except BaseException:
            if connection.in_transaction():
                connection.rollback()
            raise
        finally:
            if enforced:
                _sqlite_pragma(connection, "PRAGMA foreign_keys = ON")
            event.remove(connection, "begin", _begin_explicitly)
