"""``sqlmigrate``: the SQL one migration runs, without a database.

The migration's ``upgrade()`` (or ``downgrade()``) runs against Alembic's offline context,
which writes each statement instead of executing it. Only that migration's statements are
shown, as in Django, not the version-table bookkeeping around them; on databases with
transactional DDL they are wrapped in ``BEGIN``/``COMMIT`` as they run.

Limits of offline SQL: a SQLite change that needs the table rebuilt (most ``ALTER``s) cannot
be rendered without reading the table, and a data migration that reads rows gets none.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from bastion.apps import App
from bastion.db.migrations.conventions import VERSION_TABLE
from bastion.db.migrations.errors import MigrationError
from bastion.db.migrations.project import (
    DirectoryFor,
    MigrationScripts,
    as_apps,
    migrations_dir,
    select_apps,
)
from bastion.db.migrations.runtime import transactional_ddl
from bastion.db.urls import VENDORS

__all__ = ["sql_migrate"]


def sql_migrate(
    apps: App | Sequence[App],
    revision: str,
    dialect: str,
    *,
    app_label: str | None = None,
    backwards: bool = False,
    directory_for: DirectoryFor = migrations_dir,
) -> str:
    """The SQL text of one migration for a database family.

    Args:
        apps: every installed app.
        revision: the migration: its id, or with ``app_label`` its number or a prefix.
        dialect: ``postgresql``, ``mysql`` (MariaDB) or ``sqlite``; the URL schemes
            ``postgres`` and ``mariadb`` are accepted too.
        app_label: the app that ``revision`` belongs to (needed for a number or prefix).
        backwards: the SQL of ``downgrade()`` instead.
        directory_for: where an app's migration files live.

    Raises:
        UnknownAppError: no app has ``app_label``.
        MigrationError: an unknown dialect or revision, or SQL that cannot be written
            without a database.
    """
    every = as_apps(apps)
    scripts = MigrationScripts(every, directory_for)
    if app_label is not None:
        select_apps(every, app_label)
        revision = scripts.resolve(app_label, revision)
    scripts.label_of(revision)  # an unknown revision is reported here
    name = _dialect_name(dialect)
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name=name,
        opts={
            "as_sql": True,
            "output_buffer": buffer,
            "literal_binds": True,
            "render_as_batch": True,
            "transactional_ddl": transactional_ddl(name),
            "version_table": VERSION_TABLE,
        },
    )
    module = scripts.script.get_revision(revision)
    if module is None:  # pragma: no cover - label_of above knows every loaded revision
        raise MigrationError(f"No migration file has the revision {revision!r}.")
    run = module.module.downgrade if backwards else module.module.upgrade
    try:
        with context.begin_transaction(), Operations.context(context):
            run()
    # Alembic's offline (as_sql) mode raises NotImplementedError for operations that need a
    # live database, such as reflecting a table for SQLite's batch mode.
    except (CommandError, SQLAlchemyError, NotImplementedError) as exc:
        raise MigrationError(
            f"Cannot write the SQL of {revision} for {name} without a database: {exc}"
        ) from exc
    return buffer.getvalue()


def _dialect_name(dialect: str) -> str:
    """``postgres``/``mariadb`` spelled as SQLAlchemy's dialect names; others refused."""
    driver = VENDORS.get(dialect.lower())
    if driver is None:
        raise MigrationError(
            f"Unknown database {dialect!r}; use one of postgresql, mysql, mariadb or sqlite."
        )
    return driver.partition("+")[0]
