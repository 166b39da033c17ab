"""Names every database sees the same way: the version table and constraint names.

Constraint and index names are part of a migration: a later migration that drops a unique
constraint must name it, and SQLite cannot drop a constraint it only knows as "unnamed". A
naming convention on the models' ``MetaData`` makes every name a function of the table and
columns, so the same migration file works on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from bastion.db.models.registry import NAMING_CONVENTION as _REGISTRY_CONVENTION

__all__ = ["MAX_REVISION_LENGTH", "NAMING_CONVENTION", "VERSION_TABLE"]

VERSION_TABLE = "bastion_migrations"
"""The one table, shared by all apps, holding the applied head revision of each app's branch."""

NAMING_CONVENTION: dict[str, str] = _REGISTRY_CONVENTION
"""The ``naming_convention`` of the models' ``MetaData`` (defined with the registry).

It names what the models leave unnamed; a name given in the model (``UniqueConstraint(name=
...)``, ``CheckConstraint(name=...)``, which needs one) is used as written, as in Django.
"""

MAX_REVISION_LENGTH = 32
"""Alembic's version table stores revision ids in a ``VARCHAR(32)``."""
