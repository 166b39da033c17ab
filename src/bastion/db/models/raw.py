"""``Model.objects.raw()``: hand-written SQL, with values only as parameters.

The SQL is used exactly as given: there is no formatting step, so a value can only reach
the database through ``params``. Placeholders are written ``%s`` (or ``%(name)s``) on every
database; for SQLite they are translated to its own style.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bastion.db.engine import databases

if TYPE_CHECKING:
    from bastion.db.models.base import Model

__all__ = ["RawQuerySet", "translate_placeholders"]

M = TypeVar("M", bound="Model")

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")


def translate_placeholders(sql: str, vendor: str) -> str:
    """``%s`` → ``?`` and ``%(name)s`` → ``:name`` for SQLite; unchanged elsewhere."""
    if vendor != "sqlite":
        return sql

    def repl(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "%%":
            return "%"
        if text == "%s":
            return "?"
        return f":{match.group(1)}"

    return _PLACEHOLDER.sub(repl, sql)


class RawQuerySet(Generic[M]):
    """Instances of ``model`` from a raw SELECT (columns matched to fields by name)."""

    def __init__(
        self,
        model: type[M],
        sql: str,
        params: Sequence[Any] | dict[str, Any] = (),
        using: str | None = None,
    ) -> None:
        if not isinstance(sql, str):
            raise TypeError("raw() takes the SQL as a string.")
        if isinstance(params, (str, bytes)) or not isinstance(params, (Sequence, dict)):
            raise TypeError("raw() params must be a list, tuple or dict of values.")
        self.model = model
        self.sql = sql
        self.params = params
        self._db = using

    def __iter__(self) -> Iterator[M]:
        dbs = databases()
        alias = self._db or dbs.db_for_read(self.model)
        conn = dbs.connection(alias)
        sql = translate_placeholders(self.sql, conn.vendor)
        params = self.params if isinstance(self.params, dict) else tuple(self.params)
        cursor = conn.execute(sql, params)
        try:
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        finally:
            cursor.close()
        meta = self.model._meta
        by_column = {f.column: f for f in meta.concrete_fields}
        converters = []
        attnames = []
        for name in names:
            f = by_column.get(name) or meta.get_field_or_none(name)
            converters.append(f.result_converter(conn.vendor) if f is not None else None)
            attnames.append(f.attname if f is not None else name)
        if meta.pk.attname not in attnames:
            raise ValueError("Raw query must include the primary key.")
        for row in rows:
            values = [
                fn(v) if fn is not None and v is not None else v
                for fn, v in zip(converters, row, strict=True)
            ]
            yield self.model._from_row(attnames, values, alias)

    def __repr__(self) -> str:
        return f"<RawQuerySet: {self.sql}>"
