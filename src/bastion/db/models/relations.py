"""Relations: ForeignKey, OneToOneField, ManyToManyField and their reverse sides.

A relation may name its model as a string (``"Tag"``, ``"app.Tag"``, ``"self"``); the
registry wires it once that model exists. ``on_delete`` is required and emulated by the
ORM (see :mod:`bastion.db.models.deletion`) so CASCADE, PROTECT, RESTRICT, SET_NULL and
SET_DEFAULT behave the same on every database and send their signals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from bastion.db.models.fields.base import Field
from bastion.db.models.registry import registry
from bastion.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from bastion.db.models.base import Model
    from bastion.db.models.deletion import Collector

__all__ = [
    "CASCADE",
    "DO_NOTHING",
    "PROTECT",
    "RESTRICT",
    "SET",
    "SET_DEFAULT",
    "SET_NULL",
    "ForeignKey",
    "ManyToManyField",
    "OneToOneField",
    "Rel",
]

OnDelete = Callable[["Collector", Any, list[Any]], None]


def CASCADE(collector: Collector, field: ForeignKey, objs: list[Any]) -> None:  # noqa: N802
    """Delete the rows that point at the deleted ones."""
    collector.collect(objs, source=field)


def PROTECT(collector: Collector, field: ForeignKey, objs: list[Any]) -> None:  # noqa: N802
    """Refuse the delete while rows point at the deleted ones."""
    from bastion.db.exceptions import ProtectedError

    raise ProtectedError(
        f"Cannot delete some instances of {field.related_model.__name__} because they are "
        f"referenced through protected foreign key {field.model.__name__}.{field.name}.",
        objs,
    )


def RESTRICT(collector: Collector, field: ForeignKey, objs: list[Any]) -> None:  # noqa: N802
    """Refuse the delete unless the pointing rows are deleted by the same operation."""
    collector.add_restricted(field, objs)


def SET_NULL(collector: Collector, field: ForeignKey, objs: list[Any]) -> None:  # noqa: N802
    """Set the key of the pointing rows to NULL (the field must have ``null=True``)."""
    collector.add_field_update(field, None, objs)


def SET_DEFAULT(collector: Collector, field: ForeignKey, objs: list[Any]) -> None:  # noqa: N802
    """Set the key of the pointing rows to the field's default."""
    collector.add_field_update(field, field.get_default(), objs)


def SET(value: Any) -> OnDelete:  # noqa: N802
    """Set the key of the pointing rows to ``value`` (or its result, if callable)."""

    def set_on_delete(collector: Collector, field: ForeignKey, objs: list[Any]) -> None:
        collector.add_field_update(field, value() if callable(value) else value, objs)

    return set_on_delete


def DO_NOTHING(collector: Collector, field: ForeignKey, objs: list[Any]) -> None:  # noqa: N802
    """Leave the pointing rows alone (the database's own constraint decides)."""


class Rel:
    """The reverse side of a relation, on the model it points to (``author.articles``)."""

    is_relation = True
    concrete = False
    many_to_one = False

    def __init__(self, field: Any) -> None:
        self.field = field
        self.model: type[Model] = field.related_model  # the model this side lives on
        self.related_model: type[Model] = field.model  # the model on the other side
        self.many_to_many = field.many_to_many
        self.multiple = field.many_to_many or not getattr(field, "one_to_one", False)
        default_name = field.model._meta.default_related_name
        self.related_name: str | None = field.related_name or (
            default_name % {"model_name": field.model._meta.model_name} if default_name else None
        )
        self.query_name: str = (
            field.related_query_name or self.related_name or field.model._meta.model_name
        )
        self.name = self.query_name
        self.join_key = "~" + self.query_name
        if self.related_name:
            self.accessor_name = self.related_name
        elif self.multiple:
            self.accessor_name = f"{field.model._meta.model_name}_set"
        else:
            self.accessor_name = field.model._meta.model_name
        self.hidden = bool(self.related_name and self.related_name.endswith("+"))

    def __repr__(self) -> str:
        return f"<Rel {self.model.__name__}.{self.accessor_name} → {self.related_model.__name__}>"

    def join_steps(self) -> list[tuple[str, sa.Table, str]]:
        f = self.field
        if f.many_to_many:
            through = f.through._meta
            return [
                (self.model._meta.pk.column, through.table, f.target_fk.column),
                (
                    f.source_fk.column,
                    self.related_model._meta.table,
                    self.related_model._meta.pk.column,
                ),
            ]
        return [(f.target_field.column, f.model._meta.table, f.column)]


class ForeignKey(Field[Any]):
    """A many-to-one relation: the column holds the related row's primary key.

    Args:
        to: the related model, or its name (``"Author"``, ``"app.Author"``, ``"self"``).
        on_delete: what deleting the related row does to this one (required).
        related_name: the reverse accessor (``author.articles``); ``"+"`` for none.
        related_query_name: the name for filters from the other side.
        to_field: a unique field of the related model to point at (default: its pk).
    """

    is_relation = True
    many_to_one = True
    one_to_one = False
    empty_strings_allowed = False

    def __init__(
        self,
        to: str | type[Model],
        on_delete: OnDelete,
        *,
        related_name: str | None = None,
        related_query_name: str | None = None,
        to_field: str | None = None,
        db_constraint: bool = True,
        **kwargs: Any,
    ) -> None:
        if not callable(on_delete):
            raise ImproperlyConfigured(
                "on_delete must be CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, "
                "SET(...) or DO_NOTHING."
            )
        if on_delete is SET_NULL and not kwargs.get("null"):
            raise ImproperlyConfigured("on_delete=SET_NULL needs null=True on the field.")
        kwargs.setdefault("db_index", True)
        super().__init__(**kwargs)
        self.to = to
        self.on_delete = on_delete
        self.related_name = related_name
        self.related_query_name = related_query_name
        self.to_field = to_field
        self.db_constraint = db_constraint
        self.related_model: type[Model]
        self.remote_rel: Rel

    @property
    def join_key(self) -> str:
        return self.name

    def get_attname(self) -> str:
        return f"{self.name}_id"

    def clone(self) -> ForeignKey:
        copy = super().clone()
        if not isinstance(copy, ForeignKey):
            raise AssertionError("clone() keeps the field's class")
        copy.__dict__.pop("related_model", None)
        copy.__dict__.pop("remote_rel", None)
        return copy

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        super().contribute_to_class(model, name)
        setattr(model, name, ForwardDescriptor(self))
        setattr(model, self.attname, KeyDescriptor(self))
        if model._meta.abstract:
            return
        model._meta._pending_relations += 1
        registry.lazy(self.to, model, self._resolve)

    def _resolve(self, related: type[Model]) -> None:
        self.related_model = related
        self.remote_rel = Rel(self)
        if not self.remote_rel.hidden:
            related._meta.add_related_object(self.remote_rel)
            related.contribute_reverse(self.remote_rel)
        self.model._meta._pending_relations -= 1
        self.model._try_build_table()

    @property
    def target_field(self) -> Field[Any]:
        meta = self.related_model._meta
        return meta.get_field(self.to_field) if self.to_field else meta.pk

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        target: Field[Any] = self.target_field
        # A key to an auto-numbered column is a plain integer of the same size.
        return target.sa_type()

    def sa_column(self) -> sa.Column[Any]:
        target = self.target_field
        fk = sa.ForeignKey(
            f"{self.related_model._meta.db_table}.{target.column}",
            name=f"{self.model._meta.db_table}_{self.column}_fk"[:63],
        )
        args: list[Any] = [fk] if self.db_constraint else []
        return sa.Column(
            self.column,
            self.sa_type(),
            *args,
            primary_key=self.primary_key,
            nullable=self.null,
            unique=(self.unique and not self.primary_key) or None,
            index=(self.db_index and not self.unique) or None,
            autoincrement=False,
        )

    def to_python(self, value: Any) -> Any:
        return self.target_field.to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if hasattr(value, "_meta") and hasattr(value, "_state"):
            value = getattr(value, self.target_field.attname)
        return self.target_field.get_prep_value(value)

    def db_converter(self, vendor: str) -> Any:
        return self.target_field.db_converter(vendor)

    def result_converter(self, vendor: str) -> Any:
        return self.target_field.result_converter(vendor)

    def validate(self, value: Any, instance: Any) -> None:
        super().validate(value, instance)
        if value is None:
            return
        if not self.related_model._default_manager.filter(
            **{self.target_field.name: value}
        ).exists():
            raise ValidationError(
                "%(model)s instance with %(field)s %(value)r does not exist.",
                code="invalid",
                params={
                    "model": self.related_model._meta.verbose_name,
                    "field": self.target_field.name,
                    "value": value,
                },
            )

    def join_steps(self) -> list[tuple[str, sa.Table, str]]:
        return [(self.column, self.related_model._meta.table, self.target_field.column)]

    def get_default(self) -> Any:
        value = super().get_default()
        if hasattr(value, "_meta") and hasattr(value, "_state"):
            return getattr(value, self.target_field.attname)
        return value


class OneToOneField(ForeignKey):
    """A foreign key that is unique: the reverse side is one object (``user.profile``)."""

    one_to_one = True

    def __init__(self, to: str | type[Model], on_delete: OnDelete, **kwargs: Any) -> None:
        kwargs["unique"] = True
        super().__init__(to, on_delete, **kwargs)


_NO_COLUMN = "A ManyToManyField has no column; its rows live in the through table."


class ManyToManyField(Field[Any]):
    """A many-to-many relation through a join table (created for you, or ``through=``).

    Args:
        to: the related model or its name.
        related_name: the reverse accessor (``tag.articles``).
        through: an explicit model with two foreign keys (for extra columns).
        through_fields: ``(source, target)`` key names on ``through`` when ambiguous.
    """

    is_relation = True
    many_to_many = True
    concrete = False
    many_to_one = False

    def __init__(
        self,
        to: str | type[Model],
        *,
        related_name: str | None = None,
        related_query_name: str | None = None,
        through: str | type[Model] | None = None,
        through_fields: tuple[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("blank", True)
        super().__init__(**kwargs)
        self.to = to
        self.related_name = related_name
        self.related_query_name = related_query_name
        self.through_spec = through
        self.through_fields = through_fields
        self.related_model: type[Model]
        self.through: type[Model]
        self.remote_rel: Rel
        self.source_fk: ForeignKey
        self.target_fk: ForeignKey

    @property
    def join_key(self) -> str:
        return self.name

    def clone(self) -> ManyToManyField:
        copy = super().clone()
        if not isinstance(copy, ManyToManyField):
            raise AssertionError("clone() keeps the field's class")
        for attr in ("related_model", "through", "remote_rel", "source_fk", "target_fk"):
            copy.__dict__.pop(attr, None)
        return copy

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        self.name = self.attname = name
        self.column = ""
        self.model = model
        if self.verbose_name is None:
            self.verbose_name = name.replace("_", " ")
        model._meta.add_field(self)
        setattr(model, name, ManyToManyDescriptor(self, reverse=False))
        if model._meta.abstract:
            return
        registry.lazy(self.to, model, self._resolve_target)

    def _resolve_target(self, related: type[Model]) -> None:
        self.related_model = related
        if self.through_spec is None:
            self._create_through()
            self._finish()
        else:
            registry.lazy(self.through_spec, self.model, self._resolve_through)

    def _resolve_through(self, through: type[Model]) -> None:
        self.through = through
        keys = [f for f in through._meta.fields if isinstance(f, ForeignKey)]

        def key_for(name: str | None, target: type[Model]) -> ForeignKey:
            if name:
                found = through._meta.get_field(name)
                if not isinstance(found, ForeignKey):
                    raise AssertionError(f"{name!r} of a through model must be a ForeignKey")
                return found
            matches = [k for k in keys if k.to in (target, target.__name__, target._meta.label)]
            if len(matches) != 1:
                raise ImproperlyConfigured(
                    f"{through.__name__} needs through_fields: it has {len(matches)} keys to "
                    f"{target.__name__}."
                )
            return matches[0]

        source_name, target_name = self.through_fields or (None, None)
        self.source_fk = key_for(source_name, self.model)
        self.target_fk = key_for(target_name, self.related_model)
        self._finish()

    def _create_through(self) -> None:
        from bastion.db.models.base import Model

        source = self.model._meta.model_name
        target = self.related_model._meta.model_name
        if source == target:
            source, target = f"from_{source}", f"to_{target}"
        meta = type(
            "Meta",
            (),
            {
                "app_label": self.model._meta.app_label,
                "db_table": f"{self.model._meta.db_table}_{self.name}"[:63],
                "unique_together": [(source, target)],
            },
        )
        attrs: dict[str, Any] = {
            "__module__": self.model.__module__,
            "__qualname__": f"{self.model.__qualname__}_{self.name}",
            "Meta": meta,
            source: ForeignKey(self.model, CASCADE, related_name="+"),
            target: ForeignKey(self.related_model, CASCADE, related_name="+"),
        }
        through = cast("type[Model]", type(f"{self.model.__name__}_{self.name}", (Model,), attrs))
        through._meta.auto_created = True
        self.through = through
        self.source_fk = through._meta.get_field(source)
        self.target_fk = through._meta.get_field(target)

    def _finish(self) -> None:
        self.remote_rel = Rel(self)
        if not self.remote_rel.hidden:
            self.related_model._meta.add_related_object(self.remote_rel)
            setattr(
                self.related_model,
                self.remote_rel.accessor_name,
                ManyToManyDescriptor(self, reverse=True),
            )

    def join_steps(self) -> list[tuple[str, sa.Table, str]]:
        through = self.through._meta
        return [
            (self.model._meta.pk.column, through.table, self.source_fk.column),
            (
                self.target_fk.column,
                self.related_model._meta.table,
                self.related_model._meta.pk.column,
            ),
        ]

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        raise TypeError(_NO_COLUMN)

    def sa_column(self) -> sa.Column[Any]:
        raise TypeError(_NO_COLUMN)

    def get_default(self) -> Any:
        return []

    def value_from_object(self, obj: Model) -> Any:
        if obj.pk is None:
            return []
        return list(getattr(obj, self.name).all())


from bastion.db.models.descriptors import (  # noqa: E402  (descriptors use the classes above)
    ForwardDescriptor,
    KeyDescriptor,
    ManyToManyDescriptor,
)
from bastion.exceptions import ValidationError  # noqa: E402
