"""The database cache (``db://`` or ``database://``): entries in a table, through the ORM.

For projects that have a database but no Redis: every worker sharing the database shares
the cache. It is slower than Redis (a query per call) and never evicts on its own: expired
rows are ignored when read and removed by :meth:`DatabaseCache.clear_expired`, which a
scheduled job should call.

Atomicity, without locks that SQLite cannot take:

* ``add`` is an INSERT that the primary key refuses when a live entry holds the key.
* ``incr`` and ``decr`` are a compare-and-swap: ``UPDATE ... SET value = new WHERE
  cache_key = k AND value = old``, retried when another writer changed the value between the
  read and the write. No increment is lost, on any of the three databases.

``db://`` uses the database the routers choose for ``cache.CacheEntry`` (``default`` unless
a router says otherwise); ``db://<alias>`` pins one alias of ``DATABASES``. Database
connection errors become :class:`~bastion.cache.CacheUnavailable`.

``cache_key`` has a binary collation on MariaDB (whose default ignores case and accents), so
``"Key"``, ``"key"`` and ``"kéy"`` are three entries on every database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bastion.cache.backends.base import Cache, decode_value
from bastion.cache.exceptions import CacheUnavailable
from bastion.db import IntegrityError, OperationalError, atomic, databases
from bastion.db.models import Q

if TYPE_CHECKING:
    from bastion.cache.models import CacheEntry
    from bastion.db.models import QuerySet
    from bastion.settings.state import CacheConfig

__all__ = ["DatabaseCache"]

_CAS_ATTEMPTS = 100


def _now() -> datetime:
    return datetime.fromtimestamp(time.time(), UTC)


def _live(now: datetime) -> Q:
    """Entries that have not expired at ``now``."""
    return Q(expires__isnull=True) | Q(expires__gt=now)


class DatabaseCache(Cache):
    """A cache in the ``cache_entry`` table.

    Args:
        alias: the ``DATABASES`` alias to use; None lets the routers choose.
        config: prefix, version and default timeout (``max_entries`` does not apply).
    """

    def __init__(self, alias: str | None, config: CacheConfig) -> None:
        super().__init__(config)
        from bastion.cache.models import CacheEntry

        self._model = CacheEntry
        self._alias = alias

    def __repr__(self) -> str:
        where = self._alias or "routed"
        return f"<DatabaseCache {where} prefix={self.key_prefix!r} version={self.version}>"

    # -- helpers -----------------------------------------------------------------------------

    def _rows(self) -> QuerySet[CacheEntry]:
        return self._model.objects.using(self._alias)

    def _write_alias(self) -> str:
        return self._alias or databases().db_for_write(self._model)

    @staticmethod
    def _expires(ttl: float | None) -> datetime | None:
        return None if ttl is None else _now() + timedelta(seconds=ttl)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            raise CacheUnavailable(f"The cache database is unavailable: {exc}") from exc

    def _upsert(self, key: str, data: str, expires: datetime | None) -> None:
        """Write the entry, replacing any: UPDATE, else INSERT, else (lost a race) UPDATE."""
        values = {"value": data, "expires": expires}
        if self._rows().filter(cache_key=key).update(**values):
            return
        try:
            with atomic(self._write_alias()):
                self._rows().create(cache_key=key, **values)
        except IntegrityError:
            self._rows().filter(cache_key=key).update(**values)

    # -- the primitives ----------------------------------------------------------------------

    def _get(self, key: str) -> str | None:
        with self._errors():
            value: str | None = (
                self._rows()
                .filter(_live(_now()), cache_key=key)
                .values_list("value", flat=True)
                .first()
            )
        return value

    def _set(self, key: str, data: str, ttl: float | None) -> None:
        with self._errors():
            self._upsert(key, data, self._expires(ttl))

    def _add(self, key: str, data: str, ttl: float | None) -> bool:
        with self._errors():
            # An expired entry does not hold the key: remove it, then let the primary key
            # decide between concurrent adders (exactly one INSERT succeeds).
            self._rows().filter(cache_key=key, expires__lte=_now()).only("cache_key").delete()
            try:
                with atomic(self._write_alias()):
                    self._rows().create(cache_key=key, value=data, expires=self._expires(ttl))
            except IntegrityError:
                return False
            return True

    def _delete(self, key: str) -> bool:
        with self._errors():
            rows = self._rows().filter(cache_key=key).only("cache_key")
            deleted, _ = rows.filter(_live(_now())).delete()
            if not deleted:
                rows.delete()  # an expired row, if any: it was not "there"
            return bool(deleted)

    def _has(self, key: str) -> bool:
        with self._errors():
            return self._rows().filter(_live(_now()), cache_key=key).exists()

    def _get_many(self, keys: list[str]) -> dict[str, str | bytes]:
        with self._errors():
            rows = (
                self._rows()
                .filter(_live(_now()), cache_key__in=keys)
                .values_list("cache_key", "value")
            )
            return dict(rows)

    def _set_many(self, items: dict[str, str], ttl: float | None) -> None:
        expires = self._expires(ttl)
        with self._errors(), atomic(self._write_alias()):
            for key, data in items.items():
                self._upsert(key, data, expires)

    def _delete_many(self, keys: list[str]) -> None:
        with self._errors():
            self._rows().filter(cache_key__in=keys).only("cache_key").delete()

    def _incr(self, key: str, delta: int) -> int | None:
        with self._errors():
            for _ in range(_CAS_ATTEMPTS):
                live = self._rows().filter(_live(_now()), cache_key=key)
                raw: str | None = live.values_list("value", flat=True).first()
                if raw is None:
                    return None
                value = decode_value(raw, key)
                # bool is an int to Python but not to Redis or memcached: refuse it here too.
                if type(value) is not int:
                    raise ValueError(f"Cache key {key[:100]!r} does not hold an integer.")
                value += delta
                if live.filter(value=raw).update(value=str(value)):
                    return value
        raise CacheUnavailable(
            f"Cache key {key[:100]!r} changed under {_CAS_ATTEMPTS} increments in a row; "
            "it is too contended for the database cache."
        )

    def _touch(self, key: str, ttl: float | None) -> bool:
        with self._errors():
            live = self._rows().filter(_live(_now()), cache_key=key)
            return bool(live.update(expires=self._expires(ttl)))

    def clear(self) -> None:
        """Delete every entry of this cache's prefix (all versions), like Redis's ``clear``."""
        with self._errors():
            mine = self._rows().filter(cache_key__startswith=f"{self.key_prefix}:")
            mine.only("cache_key").delete()

    def clear_expired(self) -> int:
        """Delete the rows of expired entries (of every prefix); return how many went.

        Expired entries are never read back; this only reclaims their space. Run it from a
        scheduled job.
        """
        with self._errors():
            expired = self._rows().filter(expires__lte=_now()).only("cache_key")
            deleted, _ = expired.delete()
            return deleted
