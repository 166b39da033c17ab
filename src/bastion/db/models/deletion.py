"""Deleting with ``on_delete``: collect what cascades, refuse what is protected, then delete.

Everything happens in one transaction: either every row goes (with its cascades, key
updates and many-to-many links) or none does.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, cast

from bastion.db.exceptions import RestrictedError
from bastion.db.models import signals
from bastion.db.transaction import atomic

if TYPE_CHECKING:
    from bastion.db.models.base import Model
    from bastion.db.models.relations import ForeignKey

__all__ = ["Collector"]


class Collector:
    """Gathers the objects a delete touches, in an order that satisfies foreign keys."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.data: dict[type[Model], dict[Any, Model]] = {}
        self.order: list[type[Model]] = []
        self.field_updates: list[tuple[ForeignKey, Any, list[Model]]] = []
        self.restricted: list[tuple[ForeignKey, list[Model]]] = []

    def _add(self, objs: list[Model]) -> list[Model]:
        new = []
        for obj in objs:
            model = type(obj)
            bucket = self.data.setdefault(model, {})
            if obj.pk not in bucket:
                bucket[obj.pk] = obj
                new.append(obj)
            if model not in self.order:
                self.order.append(model)
        return new

    def collect(self, objs: list[Model], source: Any = None) -> None:
        """Add ``objs`` and, through every relation pointing at them, what they take along."""
        new = self._add(objs)
        if not new:
            return
        model = type(new[0])
        meta = model._meta
        pks = [obj.pk for obj in new]
        for f in meta.many_to_many:
            self._collect_through(f.through, f.source_fk, pks)
        for rel in meta.related_objects:
            f = rel.field
            if f.many_to_many:
                self._collect_through(f.through, f.target_fk, pks)
                continue
            targets = [getattr(obj, f.target_field.attname) for obj in new]
            related = list(
                f.model._base_manager.using(self.using).filter(**{f"{f.attname}__in": targets})
            )
            if related:
                f.on_delete(self, f, related)
        # Keys that point at these rows but have no reverse accessor (related_name="+").
        from bastion.db.models.registry import registry

        for other in registry.models():
            for field in other._meta.fields:
                # Only read as a key once the checks below have shown it is one.
                f = cast("ForeignKey", field)
                if (
                    getattr(f, "many_to_one", False)
                    and getattr(f, "related_model", None) is model
                    and getattr(f, "remote_rel", None) is not None
                    and f.remote_rel.hidden
                    and not other._meta.auto_created
                ):
                    targets = [getattr(obj, f.target_field.attname) for obj in new]
                    related = list(
                        other._base_manager.using(self.using).filter(
                            **{f"{f.attname}__in": targets}
                        )
                    )
                    if related:
                        f.on_delete(self, f, related)

    def _collect_through(self, through: type[Model], key: Any, pks: list[Any]) -> None:
        rows = list(through._base_manager.using(self.using).filter(**{f"{key.attname}__in": pks}))
        if rows:
            self._add(rows)

    def add_field_update(self, field: ForeignKey, value: Any, objs: list[Model]) -> None:
        self.field_updates.append((field, value, objs))

    def add_restricted(self, field: ForeignKey, objs: list[Model]) -> None:
        self.restricted.append((field, objs))

    def _check_restricted(self) -> None:
        for field, objs in self.restricted:
            remaining = [o for o in objs if o.pk not in self.data.get(type(o), {})]
            if remaining:
                raise RestrictedError(
                    f"Cannot delete some instances of {field.related_model.__name__} because "
                    f"they are referenced through restricted foreign key "
                    f"{field.model.__name__}.{field.name}.",
                    remaining,
                )

    def delete(self) -> tuple[int, dict[str, int]]:
        """Run the delete; return the total and the count per model label."""
        self._check_restricted()
        counts: dict[str, int] = defaultdict(int)
        with atomic(self.using):
            for model in self.order:
                for obj in self.data[model].values():
                    signals.pre_delete.send(sender=model, instance=obj, using=self.using)
            for field, value, objs in self.field_updates:
                pending = [o for o in objs if o.pk not in self.data.get(type(o), {})]
                if pending:
                    field.model._base_manager.using(self.using).filter(
                        pk__in=[o.pk for o in pending]
                    ).update(**{field.name: value})
                    for obj in pending:
                        setattr(obj, field.attname, value)
            # Children were collected after their parents: delete in reverse.
            for model in reversed(self.order):
                pks = list(self.data[model])
                if _refers_to_itself(model):
                    # Rows of one table that point at each other: InnoDB checks keys row by
                    # row, so children (collected after their parents) go first, one by one.
                    for pk in reversed(pks):
                        counts[model._meta.label] += _delete_rows(model, [pk], self.using)
                    continue
                for start in range(0, len(pks), 500):
                    chunk = pks[start : start + 500]
                    counts[model._meta.label] += _delete_rows(model, chunk, self.using)
            for model in self.order:
                for obj in self.data[model].values():
                    signals.post_delete.send(sender=model, instance=obj, using=self.using)
        for model in self.order:
            pk_attname = model._meta.pk.attname
            for obj in self.data[model].values():
                obj.__dict__[pk_attname] = None
                obj._state.adding = True
        return sum(counts.values()), dict(counts)


def _refers_to_itself(model: type[Model]) -> bool:
    return any(
        getattr(f, "many_to_one", False) and getattr(f, "related_model", None) is model
        for f in model._meta.fields
    )


def _delete_rows(model: type[Model], pks: list[Any], using: str) -> int:
    import sqlalchemy as sa

    from bastion.db.engine import databases
    from bastion.db.models.writes import _compile, _db_value, _params

    conn = databases().connection(using)
    table = model._meta.table
    pk = model._meta.pk

    def build() -> Any:
        binds: list[sa.BindParameter[Any]] = [sa.bindparam(f"d{i}") for i in range(len(pks))]
        return table.delete().where(table.c[pk.column].in_(binds))

    sql, positional = _compile(("delete", model, len(pks), conn.vendor), build, conn.dialect)
    values = {f"d{i}": _db_value(pk, value, conn.vendor) for i, value in enumerate(pks)}
    cursor = conn.execute(sql, _params(values, positional))
    try:
        return int(cursor.rowcount)
    finally:
        cursor.close()
