"""``prefetch_related``: one query per relation for a whole list of objects (no N+1)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bastion.db.models.expressions import F

if TYPE_CHECKING:
    from bastion.db.models.base import Model
    from bastion.db.models.queryset import Prefetch, QuerySet

__all__ = ["prefetch_related_objects"]


def prefetch_related_objects(objs: Sequence[Model], lookups: Sequence[str | Prefetch]) -> None:
    """Fill the related caches of ``objs`` for each lookup (``"tags"``, ``"a__b"``...)."""
    from bastion.db.models.queryset import Prefetch

    done: dict[str, list[Any]] = {}  # "articles" → the articles fetched for it
    for lookup in lookups:
        prefetch = lookup if isinstance(lookup, Prefetch) else Prefetch(lookup)
        parts = prefetch.lookup.split("__")
        level: list[Any] = list(objs)
        for depth, part in enumerate(parts):
            if not level:
                break
            last = depth == len(parts) - 1
            path = "__".join(parts[: depth + 1])
            if path in done and not last:
                level = done[path]  # fetched for an earlier lookup: no second query
                continue
            level = _prefetch_one(
                level,
                part,
                prefetch.queryset if last else None,
                prefetch.to_attr if last else None,
            )
            done[path] = level


def _prefetch_one(
    objs: list[Any], name: str, queryset: QuerySet[Any] | None, to_attr: str | None
) -> list[Any]:
    model = type(objs[0])
    f = model._meta.get_field(name)
    if getattr(f, "many_to_one", False):
        # A forward key: fetch the targets once, like select_related but in a second query.
        ids = {getattr(o, f.attname) for o in objs} - {None}
        qs = queryset if queryset is not None else f.related_model._base_manager.all()
        found = {
            getattr(t, f.target_field.attname): t
            for t in qs.filter(**{f"{f.target_field.name}__in": list(ids)})
        }
        for obj in objs:
            obj._state.fields_cache[f.name] = found.get(getattr(obj, f.attname))
        return list(found.values())
    pks = [o.pk for o in objs]
    if getattr(f, "many_to_many", False) and not hasattr(f, "field"):
        # Forward many-to-many: filter the targets by the reverse name, tag each with its source.
        related_model = f.related_model
        query_name = f.remote_rel.query_name
        cache_name = f.name
    elif getattr(f, "many_to_many", False):
        related_model = f.related_model
        query_name = f.field.name
        cache_name = f.accessor_name
    else:
        related_model = f.related_model
        query_name = f.field.name
        cache_name = f.accessor_name
    qs = queryset if queryset is not None else related_model._default_manager.all()
    source = "bastion_prefetch_source"
    rows = list(qs.annotate(**{source: F(query_name)}).filter(**{f"{source}__in": pks}))
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.__dict__.pop(source)].append(row)
    single = not getattr(f, "multiple", True) and not getattr(f, "many_to_many", False)
    for obj in objs:
        related = grouped.get(obj.pk, [])
        if single:
            obj._state.fields_cache[cache_name] = related[0] if related else None
            continue
        if to_attr:
            setattr(obj, to_attr, related)
            continue
        cached = qs._clone()
        cached._result_cache = related
        cached._prefetch = ()
        obj.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = cached
    unique: dict[Any, Any] = {}
    for row in rows:
        unique.setdefault((type(row), row.pk), row)
    return list(unique.values())
