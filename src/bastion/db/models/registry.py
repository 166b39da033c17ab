"""The model registry: every model class by app label and name, and their tables.

Models register themselves when their class body runs. A relation may name a model that is
not defined yet (``ForeignKey("Tag")``): the registry runs the pending wiring once it is,
and a model's table is built when all of its relations are resolved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bastion.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from bastion.db.models.base import Model

__all__ = ["ModelRegistry", "registry"]

ModelKey = tuple[str, str]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Names for what models leave unnamed, so a migration can name it on every database."""


class ModelRegistry:
    """Models by ``(app_label, model_name)`` with one SQLAlchemy ``MetaData`` for all tables."""

    def __init__(self) -> None:
        self.metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
        self._models: dict[ModelKey, type[Model]] = {}
        self._pending: dict[ModelKey, list[Callable[[type[Model]], None]]] = defaultdict(list)
        self._pending_from: dict[ModelKey, set[str]] = defaultdict(set)

    def register(self, model: type[Model]) -> None:
        """Add a model; a second model of the same name in one app is an error."""
        meta = model._meta
        key = (meta.app_label, meta.model_name)
        existing = self._models.get(key)
        if existing is not None and (
            existing.__module__ != model.__module__ or existing.__qualname__ != model.__qualname__
        ):
            raise ImproperlyConfigured(
                f"Conflicting models {meta.app_label}.{model.__name__}: "
                f"{existing.__module__} and {model.__module__}."
            )
        if existing is not None and existing._meta.db_table in self.metadata.tables:
            self.metadata.remove(self.metadata.tables[existing._meta.db_table])
        self._models[key] = model
        self._pending_from.pop(key, None)
        for callback in self._pending.pop(key, []):
            callback(model)

    def get_model(self, app_label: str, model_name: str) -> type[Model]:
        """The model ``app_label.model_name`` (the name is case-insensitive)."""
        try:
            return self._models[(app_label, model_name.lower())]
        except KeyError:
            raise LookupError(f"No model {app_label}.{model_name} is registered.") from None

    def lazy(
        self, reference: str | type[Model], origin: type[Model], callback: Callable[[Any], None]
    ) -> None:
        """Call ``callback(model)`` once the model ``reference`` names exists.

        ``reference`` is a model class, ``"self"``, ``"Model"`` (same app as ``origin``) or
        ``"app_label.Model"``.
        """
        if not isinstance(reference, str):
            callback(reference)
            return
        if reference == "self":
            callback(origin)
            return
        app_label, _, name = reference.rpartition(".")
        key = (app_label or origin._meta.app_label, name.lower())
        if key in self._models:
            callback(self._models[key])
        else:
            self._pending[key].append(callback)
            self._pending_from[key].add(origin._meta.app_label)

    def unresolved(self, from_apps: Collection[str] | None = None) -> list[str]:
        """References to models that were never defined (reported by ``bastion check``).

        Args:
            from_apps: only references made by models of these app labels.
        """
        return sorted(
            f"{app}.{name}"
            for (app, name), waiting in self._pending.items()
            if waiting and (from_apps is None or self._pending_from[(app, name)] & set(from_apps))
        )

    def models(self, app_label: str | None = None) -> list[type[Model]]:
        """Registered models, optionally of one app, in definition order."""
        return [
            model
            for (label, _name), model in self._models.items()
            if app_label is None or label == app_label
        ]

    def app_labels(self) -> list[str]:
        """The app labels that have models."""
        return sorted({label for label, _name in self._models})

    def metadata_for(self, app_label: str) -> sa.MetaData:
        """A MetaData with the tables of one app (for that app's migrations).

        Tables of other apps that this app's foreign keys point at are copied too, so the
        keys resolve, and marked ``info["bastion_external"] = True`` so that migrations of
        this app never create or drop them.
        """
        result = sa.MetaData(naming_convention=self.metadata.naming_convention)
        own = [t for t in self.metadata.sorted_tables if t.info.get("app_label") == app_label]
        needed: dict[str, sa.Table] = {}
        for table in own:
            for fk in table.foreign_keys:
                target = fk.column.table
                if target.info.get("app_label") != app_label and isinstance(target, sa.Table):
                    needed[target.name] = target
        for target in needed.values():
            copy = target.to_metadata(result)
            copy.info = {**target.info, "bastion_external": True}
        for table in own:
            table.to_metadata(result)
        return result


registry = ModelRegistry()
"""The process's model registry (models are classes, and classes are process-wide)."""
