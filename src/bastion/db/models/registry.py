"""The model registry: every model class by app label and name, and their tables.

Models register themselves when their class body runs. A relation may name a model that is
not defined yet (``ForeignKey("Tag")``): the registry runs the pending wiring once it is,
and a model's table is built when all of its relations are resolved.

A *swappable* model (``Meta.swappable = "AUTH_USER_MODEL"``, as ``auth.User`` declares) is a
stand-in that a project may replace by its own model through that setting. Relations that name
it wait until the application chooses (:meth:`ModelRegistry.choose`, called by ``Bastion``
from its settings) and are then wired to the chosen model; a stand-in that was not chosen
never wires its own relations, has no table and no managers. Like the models themselves, the
choice is made once per process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bastion.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from bastion.db.models.base import Model

__all__ = ["ModelRegistry", "SwappedManager", "registry"]

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
        self._swappable: dict[str, ModelKey] = {}
        """Setting name → the stand-in model that declares it (``auth.user``)."""
        self._choices: dict[str, ModelKey] = {}
        """Setting name → the model chosen for it."""
        self._chosen_labels: dict[str, str] = {}
        """Setting name → the chosen model's label as the settings spell it (for messages)."""
        self._held: dict[str, list[tuple[Callable[[Any], None], str]]] = defaultdict(list)
        """Relations to a stand-in, waiting for the choice."""
        self._held_own: dict[str, list[tuple[str | type[Model], type[Model], Any]]] = defaultdict(
            list
        )
        """The stand-in's own relations, wired only if it is the one chosen."""

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
        origins = self._pending_from.pop(key, set())
        setting = meta.swappable
        if setting is not None:
            self._swappable[setting] = key
            chosen = self._choices.get(setting)
            if chosen is not None and chosen != key:
                self._swap_out(model, setting)
            waiting = self._pending.pop(key, [])
            origin = min(origins) if origins else meta.app_label
            for callback in waiting:  # named before the stand-in was defined: route them
                self._route(setting, callback, origin)
            return
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
        own_setting = origin._meta.swappable
        if own_setting is not None:
            chosen = self._choices.get(own_setting)
            if chosen is None:
                self._held_own[own_setting].append((reference, origin, callback))
                return
            if chosen != (origin._meta.app_label, origin._meta.model_name):
                return  # a stand-in that was swapped out wires nothing
        if reference == "self":
            callback(origin)
            return
        app_label, _, name = reference.rpartition(".")
        key = (app_label or origin._meta.app_label, name.lower())
        stand_in = self._models.get(key)
        if stand_in is not None and stand_in._meta.swappable is not None:
            self._route(stand_in._meta.swappable, callback, origin._meta.app_label)
            return
        self._wire(key, origin._meta.app_label, callback)

    def _wire(self, key: ModelKey, origin_label: str, callback: Callable[[Any], None]) -> None:
        if key in self._models:
            callback(self._models[key])
        else:
            self._pending[key].append(callback)
            self._pending_from[key].add(origin_label)

    def _route(self, setting: str, callback: Callable[[Any], None], origin_label: str) -> None:
        """Wire a relation to a stand-in to the chosen model, or hold it until the choice."""
        chosen = self._choices.get(setting)
        if chosen is None:
            self._held[setting].append((callback, origin_label))
        else:
            self._wire(chosen, origin_label, callback)

    def choose(self, setting: str, label: str) -> None:
        """Make ``label`` (``"app_label.Model"``) the model for the swappable ``setting``.

        The chosen model need not be defined yet; relations to the stand-in are wired to it
        as soon as it is. Choosing again with the same label does nothing.

        Raises:
            ImproperlyConfigured: ``label`` is not ``app_label.Model``, or another model was
                chosen for ``setting`` earlier in this process (models are process-wide
                classes, so every application in one process shares the choice).
        """
        app_label, dot, name = label.partition(".")
        if not (dot and app_label and name) or "." in name:
            raise ImproperlyConfigured(
                f"{setting} must be 'app_label.ModelName' (e.g. 'accounts.User'), not {label!r}."
            )
        key = (app_label, name.lower())
        previous = self._choices.get(setting)
        if previous == key:
            return
        if previous is not None:
            raise ImproperlyConfigured(
                f"{setting} is already {self._chosen_labels[setting]!r} in this process and "
                f"cannot become "
                f"{label!r}: models are process-wide, so all applications in one process use "
                "the same model."
            )
        self._choices[setting] = key
        self._chosen_labels[setting] = label
        own = self._held_own.pop(setting, [])
        stand_in_key = self._swappable.get(setting)
        if stand_in_key is not None and stand_in_key != key:
            self._swap_out(self._models[stand_in_key], setting)
        else:
            for reference, origin, callback in own:
                self.lazy(reference, origin, callback)
        for callback, origin_label in self._held.pop(setting, []):
            self._wire(key, origin_label, callback)

    def chosen(self, setting: str) -> type[Model]:
        """The model chosen for the swappable ``setting``.

        Raises:
            ImproperlyConfigured: nothing was chosen yet (no application was built), or the
                chosen model is not defined (its app is not installed).
        """
        key = self._choices.get(setting)
        if key is None:
            raise ImproperlyConfigured(
                f"No model is chosen for {setting} yet: the application chooses it when it is "
                f"built (Bastion(settings)); without one, call registry.choose({setting!r}, "
                "'app_label.Model')."
            )
        model = self._models.get(key)
        if model is None:
            raise ImproperlyConfigured(
                f"{setting} names {self._chosen_labels[setting]!r}, which is not defined: install "
                "the app "
                "that defines it (its models module must be importable)."
            )
        return model

    def _swap_out(self, model: type[Model], setting: str) -> None:
        """Retire a stand-in: no table, and managers that say what replaced it."""
        meta = model._meta
        replacement = self._chosen_labels[setting]
        meta.swapped = replacement
        table = self.metadata.tables.get(meta.db_table)
        if table is not None and table.info.get("app_label") == meta.app_label:
            self.metadata.remove(table)
        for name in [*meta.managers, "_default_manager", "_base_manager"]:
            setattr(model, name, SwappedManager(meta.label, replacement, setting))

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
            if (app_label is None or label == app_label) and model._meta.swapped is None
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


class SwappedManager:
    """What the managers of a swapped-out stand-in become: an error that names the fix."""

    def __init__(self, model: str, replacement: str, setting: str) -> None:
        self.message = (
            f"Manager isn't available; {model!r} has been swapped for {replacement!r} "
            f"({setting}). Use the chosen model (bastion.auth.get_user_model() for users)."
        )

    def __get__(self, instance: object, owner: type) -> Any:
        raise AttributeError(self.message)


registry = ModelRegistry()
"""The process's model registry (models are classes, and classes are process-wide)."""
