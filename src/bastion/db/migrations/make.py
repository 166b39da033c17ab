"""``makemigrations`` and ``check``: write a migration per changed app, or list the changes.

Each app is one Alembic branch (``branch_labels=(label,)`` on its first migration). A new
migration follows its app's head(s) and, when it adds a foreign key into another app's
table, also ``depends_on`` the migration that last shaped that table, so Alembic creates the
referenced table first.
Apps are handled in foreign-key order, so in one run an app's new table exists as a
revision before another app's migration that points at it.

A new NOT NULL column of an existing table gets its model default as a temporary server
default, which fills the rows already there, or, for an ``auto_now``/``auto_now_add``
field, the time the migration runs (:mod:`.existing_rows`); a column that cannot be filled
so stops the run before any file is written.
"""

from __future__ import annotations

import graphlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from bastion.apps import App
from bastion.db.migrations.autodetect import Changes, RenameHook, SchemaReplay, render_ops
from bastion.db.migrations.errors import MigrationError
from bastion.db.migrations.existing_rows import fill_existing_rows, model_fields
from bastion.db.migrations.project import (
    DirectoryFor,
    MigrationScripts,
    as_apps,
    load_models,
    migrations_dir,
    select_apps,
)
from bastion.db.migrations.writer import (
    DATA_DOWNGRADE,
    DATA_UPGRADE,
    RevisionText,
    next_number,
    revision_id,
    suggest_name,
    write_revision,
)
from bastion.db.models.registry import ModelRegistry
from bastion.db.models.registry import registry as default_registry

__all__ = ["PendingChange", "make_migrations", "pending_changes"]


@dataclass(frozen=True, slots=True)
class PendingChange:
    """A model change that no migration makes yet (what ``bastion check`` reports).

    Attributes:
        app_label: the app whose models changed.
        kind: Alembic's name for the change: ``add_table``, ``remove_column``,
            ``modify_type``, ``add_index``...
        description: the change in words, e.g. ``add column shop_item.price``.
    """

    app_label: str
    kind: str
    description: str

    def __str__(self) -> str:
        return f"{self.app_label}: {self.description}"


def make_migrations(
    apps: App | Sequence[App],
    *,
    app_label: str | None = None,
    registry: ModelRegistry | None = None,
    directory_for: DirectoryFor = migrations_dir,
    message: str | None = None,
    empty: bool = False,
    rename: RenameHook | None = None,
) -> list[Path]:
    """Write one migration for each app whose models differ from what its migrations build.

    Args:
        apps: every installed app (migrations of one app may depend on another's).
        app_label: only this app (default: all of them).
        registry: where the models' tables are (default: the process's registry).
        directory_for: where an app's migration files live (default ``<package>/migrations``).
        message: the migration's description (default: made up from its first operation).
        empty: write an empty migration to fill in by hand (a data migration) instead;
            needs ``app_label`` when there is more than one app.
        rename: asked ``rename(table, old_column, new_column)`` for each removed and added
            column pair of the same type; answer True to keep the data (a rename).

    Returns:
        The files written, in the order they were written; empty when nothing changed.

    Raises:
        UnknownAppError: no app has ``app_label``.
        MigrationError: the existing migrations cannot be loaded or replayed, an empty
            migration was asked for without saying which app, or a new NOT NULL column of
            an existing table has no constant default to fill its rows with and is no
            ``auto_now``/``auto_now_add`` timestamp (nothing is written then).
    """
    every = as_apps(apps)
    targets = select_apps(every, app_label)
    models = _models_of(every, registry)
    scripts = MigrationScripts(every, directory_for)
    if empty:
        if len(targets) != 1:
            raise MigrationError("Name the app to create an empty migration for.")
        app = targets[0]
        text = _revision_text(
            scripts, app.label, message or "data", DATA_UPGRADE, DATA_DOWNGRADE, set(), ()
        )
        return [write_revision(scripts.directories[app.label], text)]
    written: list[Path] = []
    with SchemaReplay(scripts) as replay:
        found: list[Changes] = []
        for app in _foreign_key_order(targets, models):
            changes = replay.diff(app.label, models.metadata_for(app.label), rename)
            if changes is not None:
                found.append(changes)
        # Every app is checked before any file is written, so that a refused column leaves
        # no other app's migration behind.
        upgrades = [
            fill_existing_rows(changes.upgrade_ops, model_fields(models, changes.app_label))
            for changes in found
        ]
        for changes, upgrade in zip(found, upgrades, strict=True):
            # Reload: an app handled earlier in this run may have a new head to depend on.
            scripts = MigrationScripts(every, directory_for)
            written.append(_write_changes(scripts, changes, upgrade, message, models, replay))
    return written


def _models_of(apps: Sequence[App], registry: ModelRegistry | None) -> ModelRegistry:
    """The registry to compare with; the process's one gets every app's models imported.

    An app whose ``models`` module was never imported would look as if its models had all
    been deleted, and its next migration would drop its tables.
    """
    chosen = registry if registry is not None else default_registry
    if registry is None:
        load_models(apps)
    missing = chosen.unresolved(from_apps=[app.label for app in apps])
    if missing:
        # A model whose relation points at a model nobody defined has no table yet: compared
        # with the migrations, it would look deleted and the migration would drop its table.
        raise MigrationError(
            f"Relations point at models that are not defined: {', '.join(missing)}. Install "
            "the app that defines them (e.g. bastion.auth's auth_app for 'auth.user'), or "
            "fix the model name; no migration was written."
        )
    return chosen


def _write_changes(
    scripts: MigrationScripts,
    changes: Changes,
    upgrade_ops: ops.UpgradeOps,
    message: str | None,
    models: ModelRegistry,
    replay: SchemaReplay,
) -> Path:
    """Write one app's migration; ``upgrade_ops`` is its upgrade as it is to be written.

    The name comes from the detected changes, so the step that only drops the temporary
    server defaults does not turn ``add_shop_item_flag`` into ``..._and_more``.
    """
    label = changes.app_label
    first = not scripts.revisions(label)
    name = message or suggest_name(changes.upgrade_ops, first=first)
    upgrade, up_imports = render_ops(upgrade_ops)
    downgrade, down_imports = render_ops(changes.downgrade_ops)
    owners = _table_owners(models)
    depends = sorted(
        {
            revision
            for table in changes.referenced_tables
            if (owner := owners.get(table)) is not None and owner != label
            for revision in _needed_for(table, owner, scripts, replay)
        }
    )
    text = _revision_text(
        scripts, label, name, upgrade, downgrade, up_imports | down_imports, depends
    )
    return write_revision(scripts.directories[label], text)


def _needed_for(
    table: str, owner: str, scripts: MigrationScripts, replay: SchemaReplay
) -> tuple[str, ...]:
    """What a migration with a foreign key into another app's ``table`` must depend on.

    The migration that last shaped the table, not the owner's head: a later migration of the
    owner may itself depend on this app (the auth app's migration for a project's own user
    model waits for that model's table), and depending on the head would make a cycle. A
    table made by another app's migration written earlier in this run is not in the replay;
    then the owner's head it is.
    """
    shaped = replay.shaped_by.get(table)
    return (shaped,) if shaped is not None else scripts.heads(owner)


def _revision_text(
    scripts: MigrationScripts,
    label: str,
    message: str,
    upgrade: str,
    downgrade: str,
    imports: set[str],
    depends_on: Sequence[str],
) -> RevisionText:
    existing = [rev.revision for rev in scripts.revisions(label)]
    heads = scripts.heads(label)
    return RevisionText(
        revision=revision_id(label, next_number(existing), message),
        message=message[:1].upper() + message[1:].replace("_", " "),
        down_revisions=heads,
        branch_label=None if heads else label,
        depends_on=depends_on,
        upgrade=upgrade,
        downgrade=downgrade,
        imports=imports,
    )


def _table_owners(models: ModelRegistry) -> dict[str, str]:
    return {
        table.name: str(table.info["app_label"])
        for table in models.metadata.tables.values()
        if "app_label" in table.info
    }


def _foreign_key_order(apps: Sequence[App], models: ModelRegistry) -> list[App]:
    """Apps ordered so that one whose tables others point at comes first (cycles: as given)."""
    owners = _table_owners(models)
    labels = {app.label for app in apps}
    graph: dict[str, set[str]] = {app.label: set() for app in apps}
    for table in models.metadata.tables.values():
        label = table.info.get("app_label")
        if label not in labels:
            continue
        for fk in table.foreign_keys:
            target = owners.get(fk.target_fullname.rpartition(".")[0])
            if target in labels and target != label:
                graph[label].add(target)
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:
        return list(apps)
    by_label = {app.label: app for app in apps}
    return [by_label[label] for label in order]


def pending_changes(
    apps: App | Sequence[App],
    *,
    app_label: str | None = None,
    registry: ModelRegistry | None = None,
    directory_for: DirectoryFor = migrations_dir,
) -> list[PendingChange]:
    """The model changes that no migration makes yet, for ``bastion check``.

    Args:
        apps: every installed app.
        app_label: only this app (default: all of them).
        registry: where the models' tables are (default: the process's registry).
        directory_for: where an app's migration files live.

    Returns:
        One entry per change, app by app; empty when the migrations are complete.

    Raises:
        UnknownAppError: no app has ``app_label``.
        MigrationError: the existing migrations cannot be loaded or replayed.
    """
    every = as_apps(apps)
    targets = select_apps(every, app_label)
    models = _models_of(every, registry)
    found: list[PendingChange] = []
    with SchemaReplay(MigrationScripts(every, directory_for)) as replay:
        for app in targets:
            changes = replay.diff(app.label, models.metadata_for(app.label))
            if changes is None:
                continue
            for diff in changes.upgrade_ops.as_diffs():
                for item in diff if isinstance(diff, list) else [diff]:
                    found.append(PendingChange(app.label, item[0], _describe_diff(item)))
    return found


def _describe_diff(diff: tuple[Any, ...]) -> str:
    """Alembic's diff tuple in words (the rare kinds, comments and defaults, by name)."""
    kind = str(diff[0])
    if kind in ("add_table", "remove_table"):
        verb = "create" if kind == "add_table" else "drop"
        return f"{verb} table {diff[1].name}"
    if kind in ("add_column", "remove_column"):
        verb = "add" if kind == "add_column" else "remove"
        return f"{verb} column {diff[2]}.{diff[3].name}"
    if kind.startswith("modify_"):
        _kind, _schema, table, column, _existing, old, new = diff
        what = kind.removeprefix("modify_")
        return f"change {what} of {table}.{column} from {_shown(old)} to {_shown(new)}"
    if kind in ("add_index", "remove_index"):
        verb = "add" if kind == "add_index" else "remove"
        return f"{verb} index {diff[1].name} on {diff[1].table.name}"
    if kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        verb = "add" if kind.startswith("add") else "remove"
        constraint = diff[1]
        label = "foreign key" if kind.endswith("fk") else "constraint"
        return f"{verb} {label} {constraint.name} on {constraint.table.name}"
    return str(kind).replace("_", " ")


def _shown(value: Any) -> str:
    if isinstance(value, sa.types.TypeEngine):
        return str(value)
    return str(value)
