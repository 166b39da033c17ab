"""``Model``: a class per table, an instance per row.

The metaclass reads the fields of the class body (and of abstract bases), creates the
``id`` primary key when none is declared, the ``objects`` manager, the ``DoesNotExist`` and
``MultipleObjectsReturned`` exceptions, registers the model and builds its table once
every relation it names is resolved.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, cast

from bastion.db.engine import databases
from bastion.db.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from bastion.db.models import signals
from bastion.db.models.fields.base import Field
from bastion.db.models.manager import Manager
from bastion.db.models.options import Options
from bastion.db.models.registry import registry
from bastion.exceptions import ValidationError

__all__ = ["Model", "ModelBase", "ModelState"]


class ModelState:
    """Per-instance bookkeeping: new or loaded, from which database, cached relations."""

    __slots__ = ("adding", "db", "fields_cache")

    def __init__(self, db: str | None = None, adding: bool = True) -> None:
        self.db = db
        self.adding = adding
        self.fields_cache: dict[str, Any] = {}

    def __copy__(self) -> ModelState:
        clone = ModelState(self.db, self.adding)
        clone.fields_cache = dict(self.fields_cache)
        return clone


def _app_label_of(module: str) -> str:
    parts = module.split(".")
    if "models" in parts:
        index = parts.index("models")
        if index > 0:
            return parts[index - 1]
    return parts[-1]


class ModelBase(type):
    """The metaclass of :class:`Model` (see the module docstring)."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any], **kw: Any) -> Any:
        parents = [b for b in bases if isinstance(b, ModelBase)]
        if not parents:
            return super().__new__(mcs, name, bases, attrs, **kw)
        meta = attrs.pop("Meta", None)
        contributable = {
            k: v
            for k, v in attrs.items()
            if hasattr(v, "contribute_to_class") and not isinstance(v, type)
        }
        plain = {k: v for k, v in attrs.items() if k not in contributable}
        cls = cast("type[Model]", super().__new__(mcs, name, bases, plain, **kw))
        app_label = _app_label_of(attrs.get("__module__", cls.__module__))
        inherited_meta = None
        for parent in parents:
            parent_meta = getattr(parent, "_meta", None)
            if parent_meta is not None and parent_meta.abstract:
                inherited_meta = parent_meta
        opts = Options(meta, name, app_label)
        if inherited_meta is not None:
            declared = set(vars(meta)) if meta is not None else set()
            if "ordering" not in declared:
                opts.ordering = inherited_meta.ordering
            opts.indexes = [*inherited_meta.indexes, *opts.indexes]
            opts.constraints = [*inherited_meta.constraints, *opts.constraints]
        cls._meta = opts
        opts.model = cls
        if not opts.abstract:
            cls.DoesNotExist = type(
                "DoesNotExist",
                tuple(
                    p.DoesNotExist
                    for p in parents
                    if hasattr(p, "DoesNotExist") and not cast("type[Model]", p)._meta.abstract
                )
                or (ObjectDoesNotExist,),
                {"__module__": cls.__module__, "__qualname__": f"{cls.__qualname__}.DoesNotExist"},
            )
            cls.MultipleObjectsReturned = type(
                "MultipleObjectsReturned",
                (MultipleObjectsReturned,),
                {
                    "__module__": cls.__module__,
                    "__qualname__": f"{cls.__qualname__}.MultipleObjectsReturned",
                },
            )
        # Fields of abstract parents are copied, so each concrete model owns its own.
        for parent in reversed(parents):
            parent_meta = getattr(parent, "_meta", None)
            if parent_meta is None or not parent_meta.abstract:
                continue
            for f in [*parent_meta.fields, *parent_meta.many_to_many]:
                if f.name not in contributable:
                    contributable[f.name] = f.clone()
            for manager_name, manager in parent_meta.managers.items():
                if manager_name not in contributable:
                    contributable[manager_name] = copy.copy(manager)
        fields = sorted(
            ((k, v) for k, v in contributable.items() if isinstance(v, Field)),
            key=lambda item: item[1].creation_counter,
        )
        if not opts.abstract and not any(f.primary_key for _n, f in fields):
            from bastion.db.models.fields.scalars import BigAutoField

            auto = BigAutoField(primary_key=True)
            auto.creation_counter = -1
            fields.insert(0, ("id", auto))
        opts._pending_relations = 1  # the table waits for the class body to be complete
        for field_name, f in fields:
            f.contribute_to_class(cls, field_name)
        managers = [(k, v) for k, v in contributable.items() if isinstance(v, Manager)]
        if not managers and not opts.abstract and "objects" not in opts._by_name:
            managers = [("objects", Manager())]
        for manager_name, manager in managers:
            manager.contribute_to_class(cls, manager_name)
            setattr(cls, manager_name, manager)
        for other_name, value in contributable.items():
            if not isinstance(value, (Field, Manager)):
                value.contribute_to_class(cls, other_name)
        if opts.abstract:
            return cls
        default_name = opts.default_manager_name
        first_manager = next(iter(opts.managers.values()), None)
        # Declared as always present: a concrete model gets ``objects`` when it declares no manager.
        cls._default_manager = cast(
            "Manager[Any]", opts.managers.get(default_name) if default_name else first_manager
        )
        base_manager: Manager[Any] = Manager()
        base_manager.contribute_to_class(cls, "_base_manager")
        opts.managers.pop("_base_manager", None)
        cls._base_manager = base_manager
        registry.register(cls)
        opts._pending_relations -= 1
        cls._try_build_table()
        return cls


class Model(metaclass=ModelBase):
    """Base class of models. Subclass it and declare fields as class attributes."""

    _meta: ClassVar[Options]
    objects: ClassVar[Manager[Any]]
    _default_manager: ClassVar[Manager[Any]]
    _base_manager: ClassVar[Manager[Any]]
    DoesNotExist: ClassVar[type[ObjectDoesNotExist]]
    MultipleObjectsReturned: ClassVar[type[MultipleObjectsReturned]]
    _table_built: ClassVar[bool]
    _state: ModelState

    def __init__(self, **kwargs: Any) -> None:
        meta = self._meta
        if meta.abstract:
            raise TypeError(f"{type(self).__name__} is abstract and cannot be instantiated.")
        self._state = ModelState()
        d = self.__dict__
        for f in meta.fields:
            if f.name in kwargs:
                value = kwargs.pop(f.name)
                if getattr(f, "many_to_one", False):
                    setattr(self, f.name, value)
                    continue
                d[f.attname] = value
            elif f.attname in kwargs:
                d[f.attname] = kwargs.pop(f.attname)
            else:
                d[f.attname] = f.get_default()
        m2m = {f.name for f in meta.many_to_many}
        for name in list(kwargs):
            if name in m2m:
                raise TypeError(
                    f"Direct assignment to the many-to-many field {name!r} is not allowed; "
                    f"save the object, then use {name}.set()."
                )
            if name == "pk":
                d[meta.pk.attname] = kwargs.pop(name)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s): "
                f"{', '.join(sorted(kwargs))}."
            )

    @classmethod
    def _from_row(cls, attnames: Sequence[str], values: Sequence[Any], db: str | None) -> Any:
        """An instance loaded from the database (no defaults, no __init__)."""
        obj = cls.__new__(cls)
        d = obj.__dict__
        d.update(zip(attnames, values, strict=False))
        state = ModelState.__new__(ModelState)
        state.db = db
        state.adding = False
        state.fields_cache = {}
        d["_state"] = state
        return obj

    @classmethod
    def _try_build_table(cls) -> None:
        opts = cls._meta
        if (
            opts.abstract
            or opts._pending_relations
            or opts.swapped is not None
            or getattr(cls, "_table_built", False)
        ):
            return
        opts.build_table(registry.metadata)
        cls._table_built = True

    @classmethod
    def contribute_reverse(cls, rel: Any) -> None:
        from bastion.db.models.descriptors import ReverseManyDescriptor, ReverseOneToOneDescriptor

        descriptor = ReverseManyDescriptor(rel) if rel.multiple else ReverseOneToOneDescriptor(rel)
        setattr(cls, rel.accessor_name, descriptor)

    # -- identity ----------------------------------------------------------------------------

    @property
    def pk(self) -> Any:
        return getattr(self, self._meta.pk.attname)

    @pk.setter
    def pk(self, value: Any) -> None:
        setattr(self, self._meta.pk.attname, value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        if self._meta.label != other._meta.label:
            return False
        if self.pk is None:
            return self is other
        return bool(self.pk == other.pk)

    def __hash__(self) -> int:
        if self.pk is None:
            raise TypeError("Model instances without a primary key value are unhashable.")
        return hash((self._meta.label, self.pk))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self}>"

    def __str__(self) -> str:
        return f"{type(self).__name__} object ({self.pk})"

    def __reduce__(self) -> Any:
        state = {k: v for k, v in self.__dict__.items() if k != "_state"}
        return (_unpickle, (self._meta.app_label, self._meta.object_name), state)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._state = ModelState(adding=False)

    def get_display(self, field_name: str) -> str:
        """The label of the current value of a field with choices."""
        f = self._meta.get_field(field_name)
        value = getattr(self, f.attname)
        for choice, label in f.choices or ():
            if choice == value:
                return str(label)
        return "" if value is None else str(value)

    # -- persistence -------------------------------------------------------------------------

    def save(
        self,
        *,
        force_insert: bool = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        """INSERT a new object or UPDATE a loaded one (only ``update_fields`` if given)."""
        from bastion.db.models.writes import save_instance

        save_instance(
            self,
            force_insert=force_insert,
            force_update=force_update,
            using=using,
            update_fields=update_fields,
        )

    def delete(self, *, using: str | None = None) -> tuple[int, dict[str, int]]:
        """Delete the row and what cascades from it, in one transaction."""
        from bastion.db.models.deletion import Collector

        if self.pk is None:
            raise ValueError(f"{type(self).__name__} cannot be deleted: it has no primary key.")
        alias = using or self._state.db or databases().db_for_write(type(self), instance=self)
        collector = Collector(alias)
        collector.collect([self])
        return collector.delete()

    def refresh_from_db(
        self, *, using: str | None = None, fields: Sequence[str] | None = None
    ) -> None:
        """Reload fields from the database (all of them, or ``fields``)."""
        meta = self._meta
        qs = type(self)._base_manager.using(using or self._state.db)
        if fields:
            names = [meta.get_field(name).name for name in fields]
            qs = qs.only(*names)
        fresh = qs.get(pk=self.pk)
        loaded = [f for f in meta.fields if f.attname in fresh.__dict__]
        for f in loaded:
            if fields and f.attname not in fields and f.name not in fields:
                continue
            self.__dict__[f.attname] = fresh.__dict__[f.attname]
            self._state.fields_cache.pop(f.name, None)
        if not fields:
            self._state.fields_cache.clear()
            self.__dict__.pop("_prefetched_objects_cache", None)
        self._state.db = fresh._state.db

    # -- validation --------------------------------------------------------------------------

    def clean(self) -> None:
        """Whole-object validation hook: raise ValidationError for rules across fields."""

    def clean_fields(self, exclude: Iterable[str] = ()) -> None:
        """Convert and validate each field; collect every error before raising."""
        excluded = set(exclude)
        errors: dict[str, list[str]] = {}
        for f in self._meta.fields:
            if f.name in excluded or (f.primary_key and type(f).__name__.endswith("AutoField")):
                continue
            raw = getattr(self, f.attname)
            if f.blank and raw in f.empty_values:
                continue
            try:
                self.__dict__[f.attname] = f.clean(raw, self)
            except ValidationError as exc:
                errors[f.name] = exc.messages
        if errors:
            raise ValidationError(errors)

    def validate_unique(self, exclude: Iterable[str] = ()) -> None:
        """Check unique fields and unique groups against the database."""
        from bastion.db.models.validation import validate_unique

        validate_unique(self, set(exclude))

    def validate_constraints(self, exclude: Iterable[str] = ()) -> None:
        """Check the model's CheckConstraints on this instance."""
        from bastion.db.models.validation import validate_constraints

        validate_constraints(self, set(exclude))

    def full_clean(
        self,
        exclude: Iterable[str] = (),
        *,
        validate_unique: bool = True,
        validate_constraints: bool = True,
    ) -> None:
        """Run every check and raise one ValidationError with messages per field.

        Order: fields (types, choices, validators), ``clean()``, uniqueness, constraints.
        Forms call this too, so the rules hold for input from any source.
        """
        excluded = set(exclude)
        errors: dict[str, list[str]] = {}

        def gather(exc: ValidationError) -> None:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)

        try:
            self.clean_fields(excluded)
        except ValidationError as exc:
            gather(exc)
        try:
            self.clean()
        except ValidationError as exc:
            gather(exc)
        if validate_unique:
            try:
                self.validate_unique(excluded | set(errors))
            except ValidationError as exc:
                gather(exc)
        if validate_constraints:
            try:
                self.validate_constraints(excluded | set(errors))
            except ValidationError as exc:
                gather(exc)
        if errors:
            raise ValidationError(errors)


def _unpickle(app_label: str, name: str) -> Model:
    model = registry.get_model(app_label, name)
    return model.__new__(model)


__all__ += ["signals"]
