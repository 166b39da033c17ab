"""Migrations of tables that point at a swappable model (``AUTH_USER_MODEL``).

A migration file is fixed text, but a foreign key to the user model must follow the project's
choice: ``auth_user.id`` for the stock user, ``accounts_user.id`` (with that model's key
type) for a project's own. The auth app's migrations ask these functions at run time::

    target = swappable_target("AUTH_USER_MODEL")
    if not target.swapped:
        ...create auth_user...

and its last migration declares ``depends_on = swappable_dependency("AUTH_USER_MODEL")`` so
that Alembic creates the project's user table (in that app's first migration) before the
tables that point at it. Like the choice itself, the answers hold for the whole process.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bastion.db.models.registry import registry

__all__ = ["SwappableTarget", "swappable_dependency", "swappable_target"]


@dataclass(frozen=True, slots=True)
class SwappableTarget:
    """Where a foreign key to the model chosen for a swappable setting points.

    Attributes:
        swapped: whether a project's own model replaced the stand-in (``auth.User``).
        app_label: the chosen model's app.
        table: its table name.
        column: its primary-key column.
        key_type: the column type a foreign key to it needs.
    """

    swapped: bool
    app_label: str
    table: str
    column: str
    key_type: sa.types.TypeEngine[Any]

    @property
    def reference(self) -> str:
        """``"table.column"``, as ``sa.ForeignKeyConstraint`` takes it."""
        return f"{self.table}.{self.column}"


def swappable_target(setting: str) -> SwappableTarget:
    """The model chosen for ``setting``, as migrations need it.

    Raises:
        ImproperlyConfigured: nothing is chosen yet, or the chosen model is not defined.
    """
    model = registry.chosen(setting)
    meta = model._meta
    return SwappableTarget(
        swapped=meta.swappable != setting,
        app_label=meta.app_label,
        table=meta.db_table,
        column=meta.pk.column,
        key_type=meta.pk.sa_type(),
    )


def swappable_dependency(setting: str) -> tuple[str, ...]:
    """The ``depends_on`` of a migration that points at the model chosen for ``setting``.

    Empty for the stand-in (its own app's migrations come first anyway). For a project's
    model it is that app's label, which Alembic resolves to the app's first migration (the
    one carrying the branch label), once the app has migrations: before its first one is
    written there is nothing to wait for, and naming a missing label would stop Alembic from
    loading any migration at all.
    """
    target = swappable_target(setting)
    if not target.swapped or not _has_migrations(registry.chosen(setting).__module__):
        return ()
    return (target.app_label,)


def _has_migrations(module: str) -> bool:
    """Whether the package holding ``module`` (or one above it) has migration files."""
    parts = module.split(".")
    while len(parts) > 1:
        parts.pop()
        spec = importlib.util.find_spec(".".join(parts))
        locations = spec.submodule_search_locations if spec is not None else None
        for location in locations or ():
            folder = Path(location) / "migrations"
            if folder.is_dir():
                return any(p.name != "__init__.py" for p in folder.glob("*.py"))
    return False
