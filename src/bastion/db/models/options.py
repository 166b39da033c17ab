"""``Model._meta``: what the metaclass learned from a model's fields and its ``Meta``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bastion.db.exceptions import FieldError
from bastion.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from bastion.db.models.base import Model
    from bastion.db.models.fields.base import Field

__all__ = ["CheckConstraint", "Index", "Options", "UniqueConstraint"]

META_OPTIONS = frozenset(
    {
        "abstract", "app_label", "db_table", "ordering", "indexes", "constraints",
        "unique_together", "verbose_name", "verbose_name_plural", "default_related_name",
        "get_latest_by", "managed", "default_manager_name", "swappable",
    }
)  # fmt: skip


class Index:
    """An index on some fields: ``Index(fields=["-published", "author"], name="...")``."""

    def __init__(self, *, fields: Sequence[str], name: str | None = None) -> None:
        if not fields:
            raise ImproperlyConfigured("Index needs at least one field.")
        self.fields = tuple(fields)
        self.name = name


class UniqueConstraint:
    """The combination of ``fields`` is unique (checked by ``full_clean()`` too)."""

    def __init__(self, *, fields: Sequence[str], name: str) -> None:
        if not fields or not name:
            raise ImproperlyConfigured("UniqueConstraint needs fields and a name.")
        self.fields = tuple(fields)
        self.name = name

    violation_message = "%(model)s with this %(fields)s already exists."


class CheckConstraint:
    """A condition every row satisfies, as a Q object: ``CheckConstraint(check=Q(price__gte=0))``.

    The database enforces it (compiled by the ORM, values bound as literals at migration
    time); ``full_clean()`` checks it in Python for the instance being validated.
    """

    def __init__(self, *, check: Any, name: str, violation_error_message: str | None = None):
        self.check = check
        self.name = name
        self.violation_error_message = (
            violation_error_message or f"Constraint “{name}” is violated."
        )


class Options:
    """Fields, relations, table and behaviour of one model."""

    def __init__(self, meta: type | None, model_name: str, app_label: str) -> None:
        attrs = {k: v for k, v in vars(meta).items() if not k.startswith("_")} if meta else {}
        unknown = set(attrs) - META_OPTIONS
        if unknown:
            raise ImproperlyConfigured(f"Unknown Meta option(s): {', '.join(sorted(unknown))}.")
        self.object_name = model_name
        self.model_name = model_name.lower()
        self.app_label: str = attrs.get("app_label", app_label)
        self.abstract: bool = attrs.get("abstract", False)
        self.db_table: str = attrs.get("db_table") or f"{self.app_label}_{self.model_name}"
        self.ordering: tuple[Any, ...] = tuple(attrs.get("ordering", ()))
        self.indexes: list[Index] = list(attrs.get("indexes", ()))
        self.constraints: list[Any] = list(attrs.get("constraints", ()))
        groups: Any = attrs.get("unique_together", ())
        if groups and all(isinstance(name, str) for name in groups):
            groups = [groups]  # unique_together = ("a", "b") is one group, as in Django
        self.unique_together: list[tuple[str, ...]] = [tuple(group) for group in groups]
        self.verbose_name: str = attrs.get("verbose_name", _split_camel(model_name))
        self.verbose_name_plural: str = attrs.get("verbose_name_plural", self.verbose_name + "s")
        self.default_related_name: str | None = attrs.get("default_related_name")
        self.get_latest_by: str | None = attrs.get("get_latest_by")
        self.managed: bool = attrs.get("managed", True)
        self.default_manager_name: str | None = attrs.get("default_manager_name")
        self.swappable: str | None = attrs.get("swappable")
        """The setting that may replace this model by a project's own (``AUTH_USER_MODEL``)."""
        self.swapped: str | None = None
        """``"app_label.Model"`` of the model that replaced this one, once one has."""
        self.model: type[Model]
        self.fields: list[Field[Any]] = []
        self.many_to_many: list[Any] = []
        self.related_objects: list[Any] = []
        self.pk: Field[Any]
        self.managers: dict[str, Any] = {}
        self.table: sa.Table
        self._by_name: dict[str, Any] = {}
        self._pending_relations = 0
        self.auto_created = False

    def __repr__(self) -> str:
        return f"<Options {self.app_label}.{self.object_name}>"

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.object_name}"

    @property
    def label_lower(self) -> str:
        return f"{self.app_label}.{self.model_name}"

    # -- fields ------------------------------------------------------------------------------

    def add_field(self, field: Any) -> None:
        if field.name in self._by_name:
            raise ImproperlyConfigured(f"{self.object_name} has two fields named {field.name!r}.")
        if getattr(field, "many_to_many", False):
            self.many_to_many.append(field)
        else:
            self.fields.append(field)
            self.fields.sort(key=lambda f: f.creation_counter)
            if field.primary_key:
                self.pk = field
        self._by_name[field.name] = field
        if getattr(field, "attname", field.name) != field.name:
            self._by_name[field.attname] = field

    def add_related_object(self, rel: Any) -> None:
        self.related_objects.append(rel)
        name = rel.query_name
        if name in self._by_name and self._by_name[name] is not rel:
            raise ImproperlyConfigured(
                f"Reverse query name {name!r} for {rel.field!r} clashes with a field of "
                f"{self.object_name}; give the relation a related_name."
            )
        self._by_name[name] = rel

    @property
    def concrete_fields(self) -> list[Field[Any]]:
        return self.fields

    @property
    def local_fields(self) -> list[Field[Any]]:
        return self.fields

    def get_fields(self) -> list[Any]:
        """Forward fields, many-to-many fields and reverse relations."""
        return [*self.fields, *self.many_to_many, *self.related_objects]

    def get_field(self, name: str) -> Any:
        """The field or reverse relation called ``name``.

        Raises:
            FieldError: the model has no such field (the message lists the choices).
        """
        found = self.get_field_or_none(name)
        if found is None:
            raise FieldError(
                f"{self.object_name} has no field named {name!r}. "
                f"Choices are: {', '.join(self.query_names())}."
            )
        return found

    def get_field_or_none(self, name: str) -> Any:
        if name == "pk":
            return self.pk
        return self._by_name.get(name)

    def resolve_pk_name(self, name: str) -> str:
        return self.pk.name if name == "pk" else name

    def query_names(self) -> list[str]:
        return sorted({"pk", *self._by_name})

    def attnames(self) -> list[str]:
        return [f.attname for f in self.fields]

    # -- the table ---------------------------------------------------------------------------

    def build_table(self, metadata: sa.MetaData) -> sa.Table:
        """The SQLAlchemy table: columns, indexes and constraints (for queries and migrations)."""
        if self.db_table in metadata.tables:
            metadata.remove(metadata.tables[self.db_table])
        columns = [f.sa_column() for f in self.fields]
        extras: list[Any] = []
        for group in self.unique_together:
            cols = [self.get_field(name).column for name in group]
            extras.append(sa.UniqueConstraint(*cols, name=_name(self.db_table, cols, "uniq")))
        for constraint in self.constraints:
            if isinstance(constraint, UniqueConstraint):
                cols = [self.get_field(name).column for name in constraint.fields]
                extras.append(sa.UniqueConstraint(*cols, name=constraint.name))
        table = sa.Table(
            self.db_table, metadata, *columns, *extras, info={"app_label": self.app_label}
        )
        self.table = table
        for index in self.indexes:
            cols = []
            for name in index.fields:
                descending = name.startswith("-")
                column = table.c[self.get_field(name.lstrip("-")).column]
                cols.append(column.desc() if descending else column)
            plain = [self.get_field(n.lstrip("-")).column for n in index.fields]
            sa.Index(index.name or _name(self.db_table, plain, "idx"), *cols)
        for constraint in self.constraints:
            if isinstance(constraint, CheckConstraint):
                from bastion.db.models.compiler import check_expression

                table.append_constraint(
                    sa.CheckConstraint(
                        check_expression(self.model, constraint.check), name=constraint.name
                    )
                )
        for f in self.fields:
            if getattr(f, "db_check_min", None) == 0:
                table.append_constraint(
                    sa.CheckConstraint(
                        table.c[f.column] >= sa.literal_column("0"),
                        name=_name(self.db_table, [f.column], "check"),
                    )
                )
        self.table = table
        return table


def _name(table: str, columns: Sequence[str], suffix: str) -> str:
    """A deterministic constraint or index name of at most 63 characters."""
    import hashlib

    base = f"{table}_{'_'.join(columns)}_{suffix}"
    if len(base) <= 63:
        return base
    digest = hashlib.sha256(base.encode()).hexdigest()[:8]
    return f"{base[:50]}_{digest}_{suffix}"[:63]


def _split_camel(name: str) -> str:
    import re

    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()
