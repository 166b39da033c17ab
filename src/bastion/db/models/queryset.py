"""QuerySets: lazy, chainable queries of a model that evaluate on iteration.

Every method returns a new QuerySet (the original is never changed); SQL runs when the
results are needed: iteration, ``len()``, ``list()``, ``bool()``, slicing with a step,
``get()``, ``count()``, ``exists()``... The results are cached on the QuerySet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from bastion.db.engine import databases
from bastion.db.exceptions import FieldError, IntegrityError
from bastion.db.models.compiler import compile_query
from bastion.db.models.expressions import Aggregate, Expression, F, OrderBy, Q
from bastion.db.models.lookups import LOOKUPS, TRANSFORMS
from bastion.db.models.query import Query, expression_leaves

if TYPE_CHECKING:
    from bastion.db.connection import Connection
    from bastion.db.models.base import Model
    from bastion.db.models.manager import Manager

__all__ = ["Prefetch", "QuerySet"]

M = TypeVar("M", bound="Model")

_ALIAS = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
MAX_GET_RESULTS = 21
CHUNK_SIZE = 2000


def check_alias(alias: str, model: type[Model]) -> None:
    """An annotation or aggregate alias must be a plain identifier that is not a field."""
    if not isinstance(alias, str) or not _ALIAS.fullmatch(alias) or "__" in alias:
        raise FieldError(
            f"Invalid alias {alias!r}: use letters, digits and single underscores only."
        )
    if model._meta.get_field_or_none(alias) is not None:
        raise FieldError(f"The alias {alias!r} clashes with a field of {model.__name__}.")


def check_path(
    model: type[Model], name: str, annotations: Sequence[str] = (), *, lookups: bool = False
) -> None:
    """Refuse a field path (for order_by, values, only...) the model does not have."""
    if not isinstance(name, str) or not name:
        raise FieldError(f"Invalid field name {name!r}.")
    parts = name.split("__")
    if parts[0] in annotations and len(parts) == 1:
        return
    current = model
    for i, part in enumerate(parts):
        f = current._meta.get_field_or_none(part)
        if f is None:
            from bastion.db.models.fields.structured import JSONField

            previous = current._meta.get_field_or_none(parts[i - 1]) if i else None
            if isinstance(previous, JSONField):
                return  # a key path inside a JSON document (bound, never SQL)
            if lookups and i and all(p in LOOKUPS or p in TRANSFORMS for p in parts[i:]):
                return  # a condition's lookup (``views__gt``), checked again when compiled
            raise FieldError(
                f"Cannot resolve {name!r}: {current.__name__} has no field {part!r}. "
                f"Choices are: {', '.join(current._meta.query_names())}."
            )
        if getattr(f, "is_relation", False) and i < len(parts) - 1:
            current = f.related_model


class Prefetch:
    """A ``prefetch_related`` lookup with its own queryset or target attribute."""

    def __init__(
        self, lookup: str, queryset: QuerySet[Any] | None = None, to_attr: str | None = None
    ) -> None:
        self.lookup = lookup
        self.queryset = queryset
        self.to_attr = to_attr


class QuerySet(Generic[M]):
    """A lazy query of ``model`` rows."""

    def __init__(self, model: type[M], query: Query | None = None, using: str | None = None):
        self.model = model
        self.query = query if query is not None else Query(model)
        self._db = using
        self._result_cache: list[Any] | None = None
        self._prefetch: tuple[str | Prefetch, ...] = ()
        self._hints: dict[str, Any] = {}

    # -- plumbing ----------------------------------------------------------------------------

    def _clone(self) -> QuerySet[M]:
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.query = self.query.clone()
        clone._result_cache = None
        return clone

    @property
    def db(self) -> str:
        """The alias reads go to (``using()``, else the routers)."""
        return self._db or databases().db_for_read(self.model, **self._hints)

    def _write_db(self) -> str:
        return self._db or databases().db_for_write(self.model, **self._hints)

    def _connection(self, alias: str) -> Connection:
        return databases().connection(alias)

    def _run(self, mode: str, extra: Any = None, *, alias: str | None = None) -> tuple[Any, Any]:
        alias = alias or (self._write_db() if self.query.for_update else self.db)
        conn = self._connection(alias)
        compiled = compile_query(self.query, conn.dialect, mode, extra)
        leaves = self.query.leaves()
        if mode == "aggregate":
            for agg in self.query.pending_aggregates.values():
                expression_leaves(agg, leaves)
        cursor = conn.execute(compiled.sql, compiled.params(leaves))
        return cursor, compiled

    def _fetch_all(self) -> None:
        if self._result_cache is not None:
            return
        if self.query.empty:
            self._result_cache = []
            return
        alias = self._write_db() if self.query.for_update else self.db
        cursor, compiled = self._run("select", alias=alias)
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        reader = compiled.reader
        self._result_cache = [reader(row, alias) for row in rows]
        if self._prefetch and self.query.values_mode is None:
            from bastion.db.models.prefetch import prefetch_related_objects

            prefetch_related_objects(self._result_cache, self._prefetch)

    def __iter__(self) -> Iterator[M]:
        self._fetch_all()
        if self._result_cache is None:
            raise AssertionError("_fetch_all() fills the result cache")
        return iter(self._result_cache)

    def __len__(self) -> int:
        self._fetch_all()
        if self._result_cache is None:
            raise AssertionError("_fetch_all() fills the result cache")
        return len(self._result_cache)

    def __bool__(self) -> bool:
        self._fetch_all()
        return bool(self._result_cache)

    def __repr__(self) -> str:
        items = list(self[:21]) if self._result_cache is None else self._result_cache[:21]
        shown = ", ".join(repr(item) for item in items[:20])
        more = ", ...(remaining elements truncated)..." if len(items) > 20 else ""
        return f"<QuerySet [{shown}{more}]>"

    @overload
    def __getitem__(self, k: int) -> M: ...

    @overload
    def __getitem__(self, k: slice) -> QuerySet[M]: ...

    def __getitem__(self, k: int | slice) -> Any:
        if isinstance(k, bool) or not isinstance(k, (int, slice)):
            raise TypeError(f"QuerySet indices must be integers or slices, not {type(k).__name__}.")
        if isinstance(k, int):
            if k < 0:
                raise ValueError("Negative indexing is not supported.")
            if self._result_cache is not None:
                return self._result_cache[k]
            clone = self._clone()
            clone.query.set_limits(k, k + 1)
            results = list(clone)
            if not results:
                raise IndexError("QuerySet index out of range")
            return results[0]
        for bound in (k.start, k.stop):
            if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool)):
                raise TypeError("QuerySet slice bounds must be integers.")
            if bound is not None and bound < 0:
                raise ValueError("Negative indexing is not supported.")
        if self._result_cache is not None:
            return self._result_cache[k]
        clone = self._clone()
        clone.query.set_limits(k.start, k.stop)
        if k.step not in (None, 1):
            return list(clone)[:: k.step]
        return clone

    # -- chaining ----------------------------------------------------------------------------

    def all(self) -> QuerySet[M]:
        return self._clone()

    def none(self) -> QuerySet[M]:
        clone = self._clone()
        clone.query.empty = True
        return clone

    def filter(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        """Rows matching every condition (``Q`` objects and ``field__lookup=value``)."""
        return self._filter(Q(*args, **kwargs), negate=False)

    def exclude(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        """Rows not matching the conditions."""
        return self._filter(Q(*args, **kwargs), negate=True)

    def _filter(self, q: Q, *, negate: bool) -> QuerySet[M]:
        if self.query.is_sliced:
            raise TypeError("Cannot filter a query once a slice has been taken.")
        clone = self._clone()
        clone.query.add_q(~q if negate else q)
        return clone

    def order_by(self, *fields: str | OrderBy | F) -> QuerySet[M]:
        """Sort by fields (``"-name"`` descending, ``"?"`` random, ``"author__name"``)."""
        terms: list[str | OrderBy] = []
        for term in fields:
            if isinstance(term, F):
                term = OrderBy(term)
            if isinstance(term, OrderBy):
                for ref in term.refs():
                    check_path(self.model, ref, tuple(self.query.annotations))
                terms.append(term)
                continue
            if term == "?":
                terms.append(term)
                continue
            if not isinstance(term, str):
                raise FieldError(f"Invalid order_by argument {term!r}.")
            check_path(self.model, term.removeprefix("-"), tuple(self.query.annotations))
            terms.append(term)
        clone = self._clone()
        clone.query.order_by = tuple(terms)
        return clone

    def reverse(self) -> QuerySet[M]:
        """The same rows in the opposite order."""
        current = self.query.order_by
        if current is None:
            current = tuple(self.model._meta.ordering) or ("pk",)
        flipped: list[str | OrderBy] = []
        for term in current:
            if isinstance(term, OrderBy):
                flipped.append(
                    OrderBy(
                        term.expression,
                        descending=not term.descending,
                        nulls_first=term.nulls_last,
                        nulls_last=term.nulls_first,
                    )
                )
            elif term.startswith("-"):
                flipped.append(term[1:])
            else:
                flipped.append("-" + term)
        clone = self._clone()
        clone.query.order_by = tuple(flipped)
        return clone

    def distinct(self) -> QuerySet[M]:
        clone = self._clone()
        clone.query.distinct = True
        return clone

    def using(self, alias: str) -> QuerySet[M]:
        """Run on the database ``alias``."""
        clone = self._clone()
        clone._db = alias
        return clone

    def select_related(self, *fields: str) -> QuerySet[M]:
        """Fetch related objects through foreign keys in the same query (JOIN)."""
        for name in fields:
            check_path(self.model, name)
        clone = self._clone()
        if not fields:
            clone.query.select_related = True
        else:
            current = clone.query.select_related
            existing = current if isinstance(current, tuple) else ()
            clone.query.select_related = tuple(dict.fromkeys((*existing, *fields)))
        return clone

    def prefetch_related(self, *lookups: str | Prefetch) -> QuerySet[M]:
        """Fetch related sets with one extra query per relation (no N+1)."""
        for lookup in lookups:
            name = lookup.lookup if isinstance(lookup, Prefetch) else lookup
            check_path(self.model, name)
        clone = self._clone()
        clone._prefetch = (*self._prefetch, *lookups) if lookups else ()
        return clone

    def only(self, *fields: str) -> QuerySet[M]:
        """Load only these fields now (others load on access)."""
        for name in fields:
            check_path(self.model, name)
        clone = self._clone()
        clone.query.only = frozenset(fields)
        clone.query.deferred = frozenset()
        return clone

    def defer(self, *fields: str) -> QuerySet[M]:
        """Load these fields only when accessed."""
        for name in fields:
            check_path(self.model, name)
        clone = self._clone()
        clone.query.deferred = clone.query.deferred | frozenset(fields)
        return clone

    def annotate(self, **annotations: Expression) -> QuerySet[M]:
        """Add computed values (``Count("articles")``, ``F("price") * 2``) to each row."""
        clone = self._clone()
        for alias, expr in annotations.items():
            check_alias(alias, self.model)
            if alias in clone.query.annotations:
                raise FieldError(f"The annotation {alias!r} is already defined.")
            if not isinstance(expr, Expression):
                raise FieldError(f"Annotation {alias!r} must be an expression, not {expr!r}.")
            for ref in expr.refs():
                if ref != "*":
                    check_path(self.model, ref, tuple(clone.query.annotations), lookups=True)
            clone.query.annotations[alias] = expr
        if clone.query.fields is not None:
            clone.query.group_by_fields = True
            clone.query.fields = (*clone.query.fields, *annotations)
        return clone

    def values(self, *fields: str, **expressions: Expression) -> QuerySet[Any]:
        """Rows as dicts of the named fields (all fields when none are named)."""
        clone = self._with_values(fields, expressions)
        clone.query.values_mode = "dict"
        return clone

    def values_list(self, *fields: str, flat: bool = False, named: bool = False) -> QuerySet[Any]:
        """Rows as tuples (``flat=True``: single values; ``named=True``: named tuples)."""
        if flat and named:
            raise TypeError("flat and named cannot both be True.")
        if flat and len(fields) != 1:
            raise TypeError("flat=True needs exactly one field.")
        clone = self._with_values(fields, {})
        clone.query.values_mode = "flat" if flat else "named" if named else "tuple"
        return clone

    def _with_values(
        self, fields: Sequence[str], expressions: dict[str, Expression]
    ) -> QuerySet[Any]:
        clone = self.annotate(**expressions) if expressions else self._clone()
        names = list(fields) + list(expressions)
        if not names:
            names = [f.attname for f in self.model._meta.concrete_fields]
            names += list(self.query.annotations)
        for name in names:
            check_path(self.model, name, tuple(clone.query.annotations))
        clone.query.fields = tuple(names)
        clone._prefetch = ()
        return clone

    def select_for_update(
        self, *, nowait: bool = False, skip_locked: bool = False, of: Sequence[str] = ()
    ) -> QuerySet[M]:
        """Lock the selected rows until the transaction ends (PostgreSQL, MariaDB).

        SQLite locks the whole database on write and ignores this.
        """
        if nowait and skip_locked:
            raise ValueError("nowait and skip_locked cannot both be set.")
        for name in of:
            if name != "self":
                check_path(self.model, name)
        clone = self._clone()
        clone.query.for_update = (nowait, skip_locked, tuple(of))
        return clone

    # -- evaluation --------------------------------------------------------------------------

    def get(self, *args: Q, **kwargs: Any) -> M:
        """The one row matching; ``DoesNotExist`` or ``MultipleObjectsReturned`` otherwise."""
        clone = self.filter(*args, **kwargs) if (args or kwargs) else self._clone()
        if clone.query.order_by is None and not clone.query.is_sliced:
            clone.query.default_ordering = False
        if not clone.query.is_sliced:
            clone.query.set_limits(None, MAX_GET_RESULTS)
        results = list(clone)
        if len(results) == 1:
            return results[0]
        if not results:
            raise self.model.DoesNotExist(f"{self.model.__name__} matching query does not exist.")
        more = "more than 20" if len(results) >= MAX_GET_RESULTS else str(len(results))
        raise self.model.MultipleObjectsReturned(
            f"get() returned more than one {self.model.__name__} -- it returned {more}!"
        )

    def first(self) -> M | None:
        """The first row (by the ordering, else by primary key), or None."""
        qs = self if self.query.order_by or self.model._meta.ordering else self.order_by("pk")
        for obj in qs[:1]:
            return obj
        return None

    def last(self) -> M | None:
        """The last row (by the ordering, else by primary key), or None."""
        qs = self if self.query.order_by or self.model._meta.ordering else self.order_by("pk")
        for obj in qs.reverse()[:1]:
            return obj
        return None

    def count(self) -> int:
        """The number of rows (``SELECT COUNT(*)``; the cache is used if already loaded)."""
        if self._result_cache is not None:
            return len(self._result_cache)
        if self.query.empty:
            return 0
        cursor, _compiled = self._run("count")
        try:
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    def exists(self) -> bool:
        """Whether any row matches (``SELECT 1 ... LIMIT 1``)."""
        if self._result_cache is not None:
            return bool(self._result_cache)
        if self.query.empty:
            return False
        cursor, _compiled = self._run("exists")
        try:
            return cursor.fetchone() is not None
        finally:
            cursor.close()

    def aggregate(self, *args: Aggregate, **kwargs: Aggregate) -> dict[str, Any]:
        """Aggregate the whole queryset: ``aggregate(total=Sum("price"))``."""
        aggregates: dict[str, Aggregate] = {}
        for agg in args:
            aggregates[agg.default_alias()] = agg
        aggregates.update(kwargs)
        if not aggregates:
            raise TypeError("aggregate() needs at least one aggregate.")
        for alias, agg in aggregates.items():
            if alias not in kwargs:
                pass
            else:
                check_alias(alias, self.model)
            if not isinstance(agg, Aggregate):
                raise TypeError(f"{alias!r} is not an aggregate expression.")
            for ref in agg.refs():
                if ref != "*":
                    check_path(self.model, ref, tuple(self.query.annotations), lookups=True)
        if self.query.empty:
            return {
                alias: 0 if agg.function == "COUNT" else None for alias, agg in aggregates.items()
            }
        clone = self._clone()
        if not clone.query.is_sliced:  # a slice's rows depend on its order: keep it then
            clone.query.order_by = ()
            clone.query.default_ordering = False
        clone.query.pending_aggregates = aggregates
        extra = tuple((alias, agg.key()) for alias, agg in aggregates.items())
        cursor, compiled = clone._run("aggregate", extra)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return compiled.reader(row, clone.db)  # type: ignore[no-any-return]

    def iterator(self, chunk_size: int = CHUNK_SIZE) -> Iterator[M]:
        """Yield rows as they are fetched, without caching them (for large results)."""
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive.")
        if self.query.empty:
            return
        alias = self.db
        cursor, compiled = self._run("select", alias=alias)
        reader = compiled.reader
        try:
            while True:
                rows = cursor.fetchmany(chunk_size)
                if not rows:
                    break
                objs = [reader(row, alias) for row in rows]
                if self._prefetch and self.query.values_mode is None:
                    from bastion.db.models.prefetch import prefetch_related_objects

                    prefetch_related_objects(objs, self._prefetch)
                yield from objs
        finally:
            cursor.close()

    def in_bulk(
        self, id_list: Sequence[Any] | None = None, *, field_name: str = "pk"
    ) -> dict[Any, M]:
        """A dict of objects by ``field_name`` (which must be unique)."""
        f = self.model._meta.get_field(field_name)
        if not getattr(f, "unique", False):
            raise ValueError(f"in_bulk()'s field_name must be unique; {field_name!r} is not.")
        qs = self if id_list is None else self.filter(**{f"{field_name}__in": list(id_list)})
        if id_list is not None and not id_list:
            return {}
        attname = f.attname if field_name != "pk" else self.model._meta.pk.attname
        return {getattr(obj, attname): obj for obj in qs.order_by()}

    def explain(self) -> str:
        """The database's plan for this query, as text."""
        alias = self.db
        conn = self._connection(alias)
        compiled = compile_query(self.query, conn.dialect, "select")
        prefix = "EXPLAIN QUERY PLAN " if conn.vendor == "sqlite" else "EXPLAIN "
        cursor = conn.execute(prefix + compiled.sql, compiled.params(self.query.leaves()))
        try:
            return "\n".join(" ".join(str(col) for col in row) for row in cursor.fetchall())
        finally:
            cursor.close()

    # -- writing -----------------------------------------------------------------------------

    def create(self, **kwargs: Any) -> M:
        """Make an instance, save it, return it."""
        obj = self.model(**kwargs)
        obj.save(force_insert=True, using=self._db)
        return obj

    def get_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        """Get the row matching ``kwargs`` or create it; safe when two requests race.

        The create runs in a savepoint; if a concurrent insert wins (unique violation),
        the row it made is fetched instead.
        """
        from bastion.db.transaction import atomic

        try:
            return self.get(**kwargs), False
        except self.model.DoesNotExist:
            pass
        params = {k: v for k, v in kwargs.items() if "__" not in k}
        params.update(_resolve_callables(defaults or {}))
        try:
            with atomic(self._write_db()):
                return self.create(**params), True
        except IntegrityError:
            try:
                return self.get(**kwargs), False
            except self.model.DoesNotExist:
                pass
            raise

    def update_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        """Update the row matching ``kwargs`` with ``defaults``, or create it (row locked)."""
        from bastion.db.transaction import atomic

        values = _resolve_callables(defaults or {})
        with atomic(self._write_db()):
            obj, created = self.select_for_update().get_or_create(values, **kwargs)
            if created:
                return obj, True
            for name, value in values.items():
                setattr(obj, name, value)
            obj.save(using=self._write_db())
        return obj, False

    def update(self, **values: Any) -> int:
        """Set fields on every matching row in one statement; return the number of rows.

        Values may be ``F()`` expressions (``update(views=F("views") + 1)``). No signals
        are sent and ``save()`` is not called.
        """
        from bastion.db.models.writes import update_rows

        if self.query.is_sliced:
            raise TypeError("Cannot update a query once a slice has been taken.")
        self._result_cache = None
        return update_rows(self, values)

    def delete(self) -> tuple[int, dict[str, int]]:
        """Delete the matching rows and what cascades from them, in one transaction."""
        from bastion.db.models.deletion import Collector

        if self.query.is_sliced:
            raise TypeError("Cannot delete a query once a slice has been taken.")
        if self.query.values_mode is not None:
            raise TypeError("Cannot call delete() after values() or values_list().")
        alias = self._write_db()
        if _can_fast_delete(self.model):
            from bastion.db.models.writes import delete_rows

            self._result_cache = None
            count = delete_rows(self._clone().using(alias))
            return count, {self.model._meta.label: count} if count else {}
        collector = Collector(alias)
        collector.collect(list(self._clone().using(alias)))
        self._result_cache = None
        return collector.delete()

    def bulk_create(self, objs: Sequence[M], batch_size: int | None = None) -> list[M]:
        """Insert many objects in few statements; primary keys are set where the database
        returns them (all three do). No ``save()`` and no signals."""
        from bastion.db.models.writes import bulk_insert

        return bulk_insert(self.model, list(objs), self._write_db(), batch_size)

    def bulk_update(
        self, objs: Sequence[M], fields: Sequence[str], batch_size: int | None = None
    ) -> int:
        """Write ``fields`` of many objects (one UPDATE per object, in one transaction)."""
        from bastion.db.models.writes import bulk_update_rows

        return bulk_update_rows(self.model, list(objs), list(fields), self._write_db())

    @classmethod
    def as_manager(cls) -> Manager[Any]:
        """A manager whose querysets are this class (``objects = MyQuerySet.as_manager()``)."""
        from bastion.db.models.manager import Manager

        return Manager.from_queryset(cls)()


def _can_fast_delete(model: type[Model]) -> bool:
    """Whether a delete can be one DELETE: nothing cascades from the rows, nobody listens."""
    from bastion.db.models import signals
    from bastion.db.models.registry import registry

    meta = model._meta
    if meta.many_to_many or meta.related_objects:
        return False
    if signals.pre_delete.has_receivers(model) or signals.post_delete.has_receivers(model):
        return False
    return not any(
        getattr(f, "related_model", None) is model
        for other in registry.models()
        for f in other._meta.fields
        if getattr(f, "many_to_one", False)
    )


def _resolve_callables(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v() if callable(v) else v for k, v in values.items()}
