"""Attribute access to related objects: ``article.author``, ``author.articles``, ``tags``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bastion.db.models import signals

if TYPE_CHECKING:
    from bastion.db.models.base import Model
    from bastion.db.models.queryset import QuerySet
    from bastion.db.models.relations import ForeignKey, ManyToManyField, Rel

__all__ = [
    "ForwardDescriptor",
    "KeyDescriptor",
    "ManyToManyDescriptor",
    "ReverseManyDescriptor",
    "ReverseOneToOneDescriptor",
]


class KeyDescriptor:
    """``article.author_id``: the raw key; changing it forgets the cached ``article.author``."""

    def __init__(self, field: ForeignKey) -> None:
        self.field = field

    def __get__(self, instance: Model | None, owner: Any) -> Any:
        if instance is None:
            return self.field
        try:
            return instance.__dict__[self.field.attname]
        except KeyError:
            instance.refresh_from_db(fields=[self.field.attname])
            return instance.__dict__[self.field.attname]

    def __set__(self, instance: Model, value: Any) -> None:
        attname = self.field.attname
        if instance.__dict__.get(attname, value) != value:
            instance._state.fields_cache.pop(self.field.name, None)
        instance.__dict__[attname] = value


class ForwardDescriptor:
    """``article.author``: fetched on first access (one query) unless ``select_related``."""

    def __init__(self, field: ForeignKey) -> None:
        self.field = field

    def __get__(self, instance: Model | None, owner: Any) -> Any:
        if instance is None:
            return self.field
        f = self.field
        cache = instance._state.fields_cache
        try:
            return cache[f.name]
        except KeyError:
            pass
        key = getattr(instance, f.attname)
        if key is None:
            related = None
        else:
            manager = f.related_model._base_manager
            related = manager.using(instance._state.db).get(**{f.target_field.attname: key})
        cache[f.name] = related
        return related

    def __set__(self, instance: Model, value: Model | None) -> None:
        f = self.field
        if value is not None and not isinstance(value, f.related_model):
            raise TypeError(
                f"{f.model.__name__}.{f.name} must be a {f.related_model.__name__} instance, "
                f"not {type(value).__name__}."
            )
        instance.__dict__[f.attname] = (
            None if value is None else getattr(value, f.target_field.attname)
        )
        instance._state.fields_cache[f.name] = value


class ReverseOneToOneDescriptor:
    """``user.profile``: the one object pointing here, or ``RelatedObjectDoesNotExist``."""

    def __init__(self, rel: Rel) -> None:
        self.rel = rel

    def __get__(self, instance: Model | None, owner: Any) -> Any:
        if instance is None:
            return self
        cache = instance._state.fields_cache
        name = self.rel.accessor_name
        if name not in cache:
            f = self.rel.field
            try:
                cache[name] = f.model._base_manager.using(instance._state.db).get(
                    **{f.name: instance}
                )
            except f.model.DoesNotExist:
                cache[name] = None
        related = cache[name]
        if related is None:
            raise self.rel.related_model.DoesNotExist(f"{type(instance).__name__} has no {name}.")
        return related


class ReverseManyDescriptor:
    """``author.articles``: a manager of the rows whose key points at this object."""

    def __init__(self, rel: Rel) -> None:
        self.rel = rel

    def __get__(self, instance: Model | None, owner: Any) -> Any:
        if instance is None:
            return self
        return RelatedManager(instance, self.rel)

    def __set__(self, instance: Model, value: Any) -> None:
        raise TypeError(f"Use {self.rel.accessor_name}.set() to change a reverse relation.")


class ManyToManyDescriptor:
    """``article.tags`` and ``tag.articles``: managers over the join table."""

    def __init__(self, field: ManyToManyField, *, reverse: bool) -> None:
        self.field = field
        self.reverse = reverse

    def __get__(self, instance: Model | None, owner: Any) -> Any:
        if instance is None:
            return self.field
        return ManyRelatedManager(instance, self.field, reverse=self.reverse)

    def __set__(self, instance: Model, value: Any) -> None:
        raise TypeError(f"Use {self.field.name}.set() to change a many-to-many relation.")


def _require_saved(instance: Model, what: str) -> None:
    if instance.pk is None:
        raise ValueError(
            f"{type(instance).__name__} must be saved before its {what} relation can be used."
        )


class _RelatedManagerBase(ABC):
    """What the related managers share: the filtered queryset and the prefetch cache."""

    instance: Model
    model: type[Model]
    cache_name: str

    @abstractmethod
    def _filters(self) -> dict[str, Any]:
        """The conditions that select the related rows of ``instance``."""

    def get_queryset(self) -> QuerySet[Any]:
        cached = getattr(self.instance, "_prefetched_objects_cache", {}).get(self.cache_name)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        _require_saved(self.instance, self.cache_name)
        return self.model._default_manager.using(self.instance._state.db).filter(**self._filters())

    def all(self) -> QuerySet[Any]:
        return self.get_queryset()

    def __getattr__(self, name: str) -> Any:
        # filter, exclude, count, order_by... all come from the queryset.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.get_queryset(), name)

    def _forget(self) -> None:
        getattr(self.instance, "_prefetched_objects_cache", {}).pop(self.cache_name, None)


class RelatedManager(_RelatedManagerBase):
    """The reverse side of a foreign key: ``author.articles.all()``, ``.create()``, ``.add()``."""

    def __init__(self, instance: Model, rel: Rel) -> None:
        self.instance = instance
        self.rel = rel
        self.field = rel.field
        self.model = rel.related_model
        self.cache_name = rel.accessor_name

    def _filters(self) -> dict[str, Any]:
        return {self.field.name: self.instance}

    def create(self, **kwargs: Any) -> Any:
        _require_saved(self.instance, self.cache_name)
        self._forget()
        kwargs[self.field.name] = self.instance
        return self.model._default_manager.using(self.instance._state.db).create(**kwargs)

    def get_or_create(self, **kwargs: Any) -> tuple[Any, bool]:
        _require_saved(self.instance, self.cache_name)
        self._forget()
        kwargs[self.field.name] = self.instance
        return self.model._default_manager.get_or_create(**kwargs)  # type: ignore[no-any-return]

    def add(self, *objs: Model) -> None:
        """Point ``objs`` at this object (saving them)."""
        _require_saved(self.instance, self.cache_name)
        self._forget()
        for obj in objs:
            setattr(obj, self.field.name, self.instance)
            obj.save()

    def remove(self, *objs: Model) -> None:
        """Unlink ``objs`` (the key must be nullable)."""
        self._need_null("remove")
        self._forget()
        pks = [obj.pk for obj in objs]
        self.model._base_manager.filter(pk__in=pks, **self._filters()).update(
            **{self.field.name: None}
        )
        for obj in objs:
            setattr(obj, self.field.name, None)

    def clear(self) -> None:
        """Unlink every object (the key must be nullable)."""
        self._need_null("clear")
        self._forget()
        self.model._base_manager.filter(**self._filters()).update(**{self.field.name: None})

    def set(self, objs: Iterable[Model]) -> None:
        """Make ``objs`` exactly the related set."""
        objs = list(objs)
        wanted = {obj.pk for obj in objs}
        current = set(
            self.model._base_manager.filter(**self._filters()).values_list("pk", flat=True)
        )
        if self.field.null:
            stale = current - wanted
            if stale:
                self.model._base_manager.filter(pk__in=list(stale)).update(
                    **{self.field.name: None}
                )
        self.add(*[obj for obj in objs if obj.pk not in current])

    def _need_null(self, operation: str) -> None:
        if not self.field.null:
            raise TypeError(
                f"{operation}() needs {self.model.__name__}.{self.field.name} to be nullable; "
                "delete the objects instead."
            )


class ManyRelatedManager(_RelatedManagerBase):
    """Either side of a many-to-many relation: add, remove, set, clear, create."""

    def __init__(self, instance: Model, field: ManyToManyField, *, reverse: bool) -> None:
        self.instance = instance
        self.field = field
        self.reverse = reverse
        if reverse:
            self.model = field.model
            self.source_fk, self.target_fk = field.target_fk, field.source_fk
            self.cache_name = field.remote_rel.accessor_name
        else:
            self.model = field.related_model
            self.source_fk, self.target_fk = field.source_fk, field.target_fk
            self.cache_name = field.name
        self.through = field.through

    def _filters(self) -> dict[str, Any]:
        if self.reverse:
            return {self.field.name: self.instance.pk}
        return {self.field.remote_rel.query_name: self.instance.pk}

    def _through_rows(self) -> QuerySet[Any]:
        return self.through._base_manager.using(self.instance._state.db).filter(
            **{self.source_fk.attname: self.instance.pk}
        )

    def _target_ids(self, objs: Iterable[Any]) -> list[Any]:
        ids = []
        for obj in objs:
            if isinstance(obj, self.model):
                if obj.pk is None:
                    raise ValueError(f"Cannot relate an unsaved {self.model.__name__}.")
                ids.append(obj.pk)
            else:
                ids.append(obj)
        return ids

    def _send(self, action: str, pks: set[Any] | None) -> None:
        signals.m2m_changed.send(
            sender=self.through,
            instance=self.instance,
            action=action,
            reverse=self.reverse,
            model=self.model,
            pk_set=pks,
        )

    def add(self, *objs: Any, through_defaults: dict[str, Any] | None = None) -> None:
        """Relate ``objs`` (instances or primary keys); already related ones are skipped."""
        from bastion.db.transaction import atomic

        _require_saved(self.instance, self.cache_name)
        self._forget()
        ids = self._target_ids(objs)
        with atomic(self.instance._state.db):
            existing = set(
                self._through_rows()
                .filter(**{f"{self.target_fk.attname}__in": ids})
                .values_list(self.target_fk.attname, flat=True)
            )
            new = [pk for pk in dict.fromkeys(ids) if pk not in existing]
            if not new:
                return
            self._send("pre_add", set(new))
            rows = [
                self.through(
                    **{self.source_fk.attname: self.instance.pk, self.target_fk.attname: pk},
                    **(through_defaults or {}),
                )
                for pk in new
            ]
            self.through._base_manager.using(self.instance._state.db).bulk_create(rows)
            self._send("post_add", set(new))

    def remove(self, *objs: Any) -> None:
        """Unrelate ``objs`` (the objects themselves stay)."""
        from bastion.db.transaction import atomic

        _require_saved(self.instance, self.cache_name)
        self._forget()
        ids = set(self._target_ids(objs))
        with atomic(self.instance._state.db):
            self._send("pre_remove", ids)
            self._through_rows().filter(**{f"{self.target_fk.attname}__in": list(ids)}).delete()
            self._send("post_remove", ids)

    def clear(self) -> None:
        """Unrelate everything."""
        from bastion.db.transaction import atomic

        _require_saved(self.instance, self.cache_name)
        self._forget()
        with atomic(self.instance._state.db):
            self._send("pre_clear", None)
            self._through_rows().delete()
            self._send("post_clear", None)

    def set(self, objs: Iterable[Any], *, clear: bool = False) -> None:
        """Make ``objs`` exactly the related set (only the difference is written)."""
        from bastion.db.transaction import atomic

        ids = self._target_ids(list(objs))
        with atomic(self.instance._state.db):
            if clear:
                self.clear()
                self.add(*ids)
                return
            current = set(self._through_rows().values_list(self.target_fk.attname, flat=True))
            stale = current - set(ids)
            if stale:
                self.remove(*stale)
            self.add(*[pk for pk in ids if pk not in current])

    def create(self, **kwargs: Any) -> Any:
        """Create a related object and relate it."""
        from bastion.db.transaction import atomic

        with atomic(self.instance._state.db):
            obj = self.model._default_manager.create(**kwargs)
            self.add(obj)
        return obj
