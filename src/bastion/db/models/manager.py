"""Managers: ``Model.objects``, the entry point of queries, and custom managers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bastion.db.models.queryset import QuerySet

if TYPE_CHECKING:
    from bastion.db.models.base import Model
    from bastion.db.models.raw import RawQuerySet

__all__ = ["Manager"]

M = TypeVar("M", bound="Model")

_PROXIED = (
    "all", "filter", "exclude", "get", "first", "last", "exists", "count", "none", "order_by",
    "distinct", "values", "values_list", "only", "defer", "annotate", "aggregate",
    "select_related", "prefetch_related", "iterator", "create", "get_or_create",
    "update_or_create", "bulk_create", "bulk_update", "in_bulk", "select_for_update",
    "update", "delete", "explain", "reverse",
)  # fmt: skip


class Manager(Generic[M]):
    """Hands out QuerySets of its model; subclass and override ``get_queryset()`` to narrow.

    Example::

        class PublishedManager(Manager):
            def get_queryset(self):
                return super().get_queryset().filter(published__isnull=False)
    """

    queryset_class: type[QuerySet[Any]] = QuerySet

    def __init__(self) -> None:
        self.model: type[M]
        self.name = ""
        self._db: str | None = None

    def __repr__(self) -> str:
        owner = getattr(self, "model", None)
        return f"<{type(self).__name__} of {owner.__name__ if owner else 'nothing'}>"

    def contribute_to_class(self, model: type[M], name: str) -> None:
        self.model = model
        self.name = name
        model._meta.managers[name] = self

    def __set_name__(self, owner: Any, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type[M]) -> Manager[M]:
        if instance is not None:
            raise AttributeError(f"Manager isn't accessible via {owner.__name__} instances.")
        return self

    def __class_getitem__(cls, item: Any) -> Any:
        return cls

    def get_queryset(self) -> QuerySet[M]:
        """The base QuerySet every method of the manager starts from."""
        return self.queryset_class(self.model, using=self._db)

    def using(self, alias: str | None) -> QuerySet[M]:
        qs = self.get_queryset()
        return qs.using(alias) if alias else qs

    def db_manager(self, using: str | None) -> Manager[M]:
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._db = using
        return clone

    def raw(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> RawQuerySet[M]:
        """Run hand-written SQL with ``%s`` placeholders; values go in ``params`` only."""
        from bastion.db.models.raw import RawQuerySet

        return RawQuerySet(self.model, sql, params, using=self._db)

    def __getattr__(self, name: str) -> Any:
        if name in _PROXIED:
            return getattr(self.get_queryset(), name)
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    @classmethod
    def from_queryset(cls, queryset_class: type[QuerySet[Any]]) -> type[Manager[Any]]:
        """A manager class that also offers the public methods of ``queryset_class``."""
        attrs: dict[str, Any] = {"queryset_class": queryset_class}
        for name, member in vars(queryset_class).items():
            if name.startswith("_") or not callable(member) or hasattr(cls, name):
                continue
            attrs[name] = _proxy(name)
        return type(f"{cls.__name__}From{queryset_class.__name__}", (cls,), attrs)


def _proxy(name: str) -> Any:
    def method(self: Manager[Any], *args: Any, **kwargs: Any) -> Any:
        return getattr(self.get_queryset(), name)(*args, **kwargs)

    method.__name__ = name
    return method
