"""Schema migrations on Alembic: one branch per app, one version table for all.

``make_migrations`` compares the models with what the existing migration files build and
writes a migration per changed app; ``migrate`` applies them (or unapplies down to a target);
``show_migrations`` says what a database has; ``sql_migrate`` shows one migration's SQL;
``pending_changes`` lists model changes that still need a migration (for ``bastion check``);
``migration_now`` gives migrations the time they run, as date and time fields store it.
The ``bastion`` commands ``makemigrations``, ``migrate``, ``showmigrations`` and
``sqlmigrate`` are thin wrappers over these functions. See docs/migrations.md.
"""

from __future__ import annotations

from bastion.db.migrations.apply import (
    ZERO,
    MigrationStatus,
    MigrationStep,
    migrate,
    show_migrations,
)
from bastion.db.migrations.autodetect import RenameHook
from bastion.db.migrations.conventions import NAMING_CONVENTION, VERSION_TABLE
from bastion.db.migrations.errors import MigrationError, UnknownAppError
from bastion.db.migrations.make import PendingChange, make_migrations, pending_changes
from bastion.db.migrations.project import load_models, migrations_dir
from bastion.db.migrations.runtime import replaying
from bastion.db.migrations.sql import sql_migrate
from bastion.db.migrations.swappable import (
    SwappableTarget,
    swappable_dependency,
    swappable_target,
)
from bastion.db.migrations.timestamps import MigrationNow, migration_now

__all__ = [
    "NAMING_CONVENTION",
    "VERSION_TABLE",
    "ZERO",
    "MigrationError",
    "MigrationNow",
    "MigrationStatus",
    "MigrationStep",
    "PendingChange",
    "RenameHook",
    "SwappableTarget",
    "UnknownAppError",
    "load_models",
    "make_migrations",
    "migrate",
    "migration_now",
    "migrations_dir",
    "pending_changes",
    "replaying",
    "show_migrations",
    "sql_migrate",
    "swappable_dependency",
    "swappable_target",
]
