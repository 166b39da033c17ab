"""``migrate`` and ``showmigrations``: move a database's apps to a revision, and report.

All apps share one version table (``bastion_migrations``), holding one row per head of the
dependency graph: an app whose head is an ancestor of another app's recorded revision
(through ``depends_on``) has no row of its own. Which migrations are applied is therefore
always computed from the rows and the files, never read off one row per app.

``fake`` records a state without running anything (a database created by other means, a
migration applied by hand): the version rows are rewritten to exactly the heads of the
wanted set of applied revisions, through Alembic's ``stamp --purge``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from alembic import command
from alembic.runtime.migration import MigrationInfo
from sqlalchemy.engine import Connection, Engine

from bastion.apps import App
from bastion.db.engine import DEFAULT_DB_ALIAS, Databases
from bastion.db.migrations.errors import MigrationError
from bastion.db.migrations.project import (
    DirectoryFor,
    MigrationScripts,
    alembic_errors,
    as_apps,
    migrations_dir,
    select_apps,
)
from bastion.db.migrations.runtime import (
    CONNECTION,
    ON_VERSION_APPLY,
    current_heads,
    migration_connection,
)

__all__ = ["ZERO", "MigrationStatus", "MigrationStep", "migrate", "show_migrations"]

ZERO = "zero"
"""The target that unapplies every migration of an app."""


@dataclass(frozen=True, slots=True)
class MigrationStep:
    """One migration that :func:`migrate` applied or unapplied.

    Attributes:
        app_label: the migration's app.
        revision: its id.
        action: ``"apply"`` or ``"unapply"``.
        faked: recorded in the version table without running.
    """

    app_label: str
    revision: str
    action: Literal["apply", "unapply"]
    faked: bool = False


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """One migration file and whether a database has it applied.

    Attributes:
        app_label: the migration's app.
        revision: its id.
        applied: whether the database has it.
        message: its description.
    """

    app_label: str
    revision: str
    applied: bool
    message: str


def engine_of(databases_or_engine: Databases | Engine, alias: str) -> Engine:
    """The engine to migrate: the one given, or the ``alias`` engine of a ``Databases``."""
    if isinstance(databases_or_engine, Engine):
        return databases_or_engine
    return databases_or_engine.engine(alias)


def migrate(
    databases_or_engine: Databases | Engine,
    apps: App | Sequence[App],
    app_label: str | None = None,
    target: str | None = None,
    *,
    fake: bool = False,
    alias: str = DEFAULT_DB_ALIAS,
    directory_for: DirectoryFor = migrations_dir,
) -> list[MigrationStep]:
    """Bring a database's apps to their latest migrations, or one app to ``target``.

    Args:
        databases_or_engine: the project's ``Databases`` (with ``alias``) or an engine.
        apps: every installed app.
        app_label: only this app (and the migrations of other apps it depends on).
        target: a revision of that app: its id, number (``0002``) or a prefix; lower than
            the applied one unapplies the later ones; ``"zero"`` unapplies all of them.
        fake: only record the result in the version table, running nothing.
        alias: which database of ``databases_or_engine``.
        directory_for: where an app's migration files live.

    Returns:
        The migrations applied or unapplied, in order; empty when there was nothing to do.

    Raises:
        UnknownAppError: no app has ``app_label``.
        MigrationError: ``target`` without ``app_label``, an unknown target, or a failure
            loading or running a migration (that migration is rolled back where the
            database can roll back schema changes).
        ImproperlyConfigured: ``alias`` is not one of the databases.
    """
    every = as_apps(apps)
    if target is not None and app_label is None:
        raise MigrationError("A target revision needs the app label it belongs to.")
    chosen = select_apps(every, app_label)[0] if app_label is not None else None
    scripts = MigrationScripts(every, directory_for)
    if chosen is not None and target in (None, ZERO) and not scripts.revisions(chosen.label):
        return []  # an app without migrations is always up to date
    with migration_connection(engine_of(databases_or_engine, alias)) as connection:
        heads = current_heads(connection)
        direction, revision = _plan(scripts, chosen, target, scripts.applied(heads))
        if fake:
            return _fake(scripts, connection, heads, direction, revision)
        done: list[MigrationStep] = []

        def record(*, step: MigrationInfo, **_: Any) -> None:
            action: Literal["apply", "unapply"] = "apply" if step.is_upgrade else "unapply"
            for rev in step.up_revision_ids:
                done.append(MigrationStep(scripts.label_of(rev), rev, action))

        _run(scripts, connection, direction, revision, record)
        return done


def _plan(
    scripts: MigrationScripts, app: App | None, target: str | None, applied: set[str]
) -> tuple[Literal["upgrade", "downgrade"], str]:
    """Which Alembic command reaches the target, and its revision argument."""
    if app is None:
        return "upgrade", "heads"
    if target is None:
        return "upgrade", f"{app.label}@heads"  # an app may have two heads until merged
    if target == ZERO:
        return "downgrade", f"{app.label}@base"
    revision = scripts.resolve(app.label, target)
    return ("downgrade" if revision in applied else "upgrade"), revision


def _run(
    scripts: MigrationScripts,
    connection: Connection,
    direction: Literal["upgrade", "downgrade"],
    revision: str,
    on_apply: Any,
) -> None:
    config = scripts.config
    config.attributes.update({CONNECTION: connection, ON_VERSION_APPLY: on_apply})
    try:
        with alembic_errors(f"{direction} to {revision}"):
            if direction == "upgrade":
                command.upgrade(config, revision)
            else:
                command.downgrade(config, revision)
    except MigrationError:
        raise
    except Exception as exc:
        failed = scripts.revision_in_traceback(exc)
        where = f"Migration {failed}" if failed else f"Migrating to {revision}"
        raise MigrationError(f"{where} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        config.attributes.pop(CONNECTION, None)
        config.attributes.pop(ON_VERSION_APPLY, None)


def _fake(
    scripts: MigrationScripts,
    connection: Connection,
    heads: Sequence[str],
    direction: Literal["upgrade", "downgrade"],
    revision: str,
) -> list[MigrationStep]:
    """Rewrite the version rows as if the migrations had run; return what changed."""
    before = scripts.applied(heads)
    if direction == "upgrade":
        if revision == "heads":
            wanted = [head for app in scripts.apps for head in scripts.heads(app.label)]
        elif revision.endswith("@heads"):
            wanted = list(scripts.heads(revision.removesuffix("@heads")))
        else:
            wanted = [revision]
        after = before | scripts.applied(wanted)
    else:
        label = revision.removesuffix("@base") if revision.endswith("@base") else None
        keep = set() if label is not None else scripts.applied([revision])
        label = label or scripts.label_of(revision)
        undone = {
            rev.revision for rev in scripts.revisions(label) if rev.revision not in keep
        } & before
        # Migrations of other apps that depend on an undone one go too, as they would.
        after = {rev for rev in before if not (scripts.applied([rev]) & undone)}
    stamp = sorted(_heads_of(scripts, after)) or ["base"]
    with alembic_errors("record the migrations"):
        _stamp(scripts, connection, stamp)
    steps = [
        MigrationStep(scripts.label_of(rev), rev, "apply", faked=True)
        for rev in _in_order(scripts, after - before)
    ]
    steps += [
        MigrationStep(scripts.label_of(rev), rev, "unapply", faked=True)
        for rev in reversed(_in_order(scripts, before - after))
    ]
    return steps


def _stamp(scripts: MigrationScripts, connection: Connection, revisions: list[str]) -> None:
    config = scripts.config
    config.attributes[CONNECTION] = connection
    try:
        command.stamp(config, revisions, purge=True)
    finally:
        config.attributes.pop(CONNECTION, None)


def _heads_of(scripts: MigrationScripts, applied: set[str]) -> set[str]:
    """The fewest revisions whose ancestors are exactly ``applied`` (the version rows)."""
    covered: set[str] = set()
    for rev in applied:
        covered |= scripts.applied([rev]) - {rev}
    return applied - covered


def _in_order(scripts: MigrationScripts, revisions: set[str]) -> list[str]:
    return [rev.revision for rev in scripts.ordered() if rev.revision in revisions]


def show_migrations(
    databases_or_engine: Databases | Engine,
    apps: App | Sequence[App],
    app_label: str | None = None,
    *,
    alias: str = DEFAULT_DB_ALIAS,
    directory_for: DirectoryFor = migrations_dir,
) -> list[MigrationStatus]:
    """Every migration of the apps, in order, and whether the database has it applied.

    Args:
        databases_or_engine: the project's ``Databases`` (with ``alias``) or an engine.
        apps: every installed app.
        app_label: only this app's migrations.
        alias: which database of ``databases_or_engine``.
        directory_for: where an app's migration files live.

    Raises:
        UnknownAppError: no app has ``app_label``.
        MigrationError: the migration files cannot be loaded, or the database records a
            revision that has no file.
    """
    every = as_apps(apps)
    chosen = select_apps(every, app_label)
    scripts = MigrationScripts(every, directory_for)
    with engine_of(databases_or_engine, alias).connect() as connection:
        applied = scripts.applied(current_heads(connection))
    return [
        MigrationStatus(app.label, rev.revision, rev.revision in applied, rev.message)
        for app in chosen
        for rev in scripts.revisions(app.label)
    ]
