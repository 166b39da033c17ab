"""SQL injection through every door of the ORM, on SQLite, PostgreSQL and MariaDB.

Names (fields, lookups, aliases, F(), Q internals) must be refused with FieldError before any
SQL is built; values, JSON keys and raw() parameters must travel as bound parameters. After
every attempt the tables must still exist with the same rows.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bastion.db import DatabaseError, FieldError
from bastion.db.models import Count, F, Q, Sum


def _harness() -> Any:
    found = sys.modules.get("dbtests_harness")
    if found is not None:
        return found
    path = Path(__file__).resolve().parents[1] / "db" / "_harness.py"
    spec = importlib.util.spec_from_file_location("dbtests_harness", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["dbtests_harness"] = module
    spec.loader.exec_module(module)
    return module


harness = _harness()
db = harness.db
m = harness.models

HOSTILE = [
    "'",
    "x' OR '1'='1",
    "x'; DROP TABLE dbtests_author; --",
    "name; DROP TABLE dbtests_article",
    "name -- comment",
    "name /* comment */",
    "name)",
    "x') OR ('1'='1",
    "name UNION SELECT id, email FROM dbtests_author",
    "(SELECT email FROM dbtests_author)",
    "name\x00",
    "\x00'; DROP TABLE dbtests_author; --",
    "\uff07 OR \uff071\uff07=\uff071",  # fullwidth apostrophes
    "\uff33\uff25\uff2c\uff25\uff23\uff34 1",  # fullwidth SELECT
    'name"',
    "name`",
    "\\'; DROP TABLE dbtests_author; --",
    "%s",
    "%(x)s",
    "name%s%s",
    "$1",
    "?",
    ":name",
]


def _counts(server: Any) -> dict[str, int]:
    tables = [
        t for t in harness.scratch_tables() if t.name in ("dbtests_author", "dbtests_article")
    ]
    with server.dbs.engine().connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        assert {t.name for t in tables} <= names
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in tables}  # fmt: skip


@pytest.fixture
def seeded(db: Any) -> Any:
    ann = m.Author.objects.create(name="Ann", email="ann@example.com")
    m.Article.objects.create(author=ann, title="t", data={"k": 1, "name": "v"})
    return db


def _each(
    server: Any,
    attempt: Callable[[str], Any],
    *,
    refused: type[Exception] | None,
    allowed: frozenset[str] = frozenset(),
) -> None:
    before = _counts(server)
    for evil in HOSTILE:
        if refused is not None and evil not in allowed:
            with pytest.raises(refused):
                attempt(evil)
        else:
            attempt(evil)
        assert _counts(server) == before, evil


NAME_DOORS: dict[str, Callable[[str], Any]] = {
    "order_by": lambda e: list(m.Author.objects.order_by(e)),
    "order_by_desc": lambda e: list(m.Author.objects.order_by("-" + e)),
    "order_by_related": lambda e: list(m.Article.objects.order_by("author__" + e)),
    "values": lambda e: list(m.Author.objects.values(e)),
    "values_list": lambda e: list(m.Author.objects.values_list("name", e)),
    "values_list_flat": lambda e: list(m.Author.objects.values_list(e, flat=True)),
    "only": lambda e: list(m.Author.objects.only(e)),
    "defer": lambda e: list(m.Author.objects.defer(e)),
    "select_related": lambda e: list(m.Article.objects.select_related(e)),
    "prefetch_related": lambda e: list(m.Author.objects.prefetch_related(e)),
    "annotate_alias": lambda e: list(m.Author.objects.annotate(**{e: Count("articles")})),
    "aggregate_alias": lambda e: m.Author.objects.aggregate(**{e: Count("id")}),
    "values_expression_alias": lambda e: list(m.Author.objects.values(**{e: Count("id")})),
    "lookup_name": lambda e: list(m.Author.objects.filter(**{"name__" + e: 1})),
    "field_name": lambda e: list(m.Author.objects.filter(**{e: 1})),
    "exclude_field_name": lambda e: list(m.Author.objects.exclude(**{e: 1})),
    "related_field_name": lambda e: list(m.Article.objects.filter(**{"author__" + e: 1})),
    "F_in_filter": lambda e: list(m.Author.objects.filter(name=F(e))),
    "F_in_update": lambda e: m.Author.objects.update(name=F(e)),
    "F_in_annotate": lambda e: list(m.Author.objects.annotate(x=F(e))),
    "F_in_order_by": lambda e: list(m.Author.objects.order_by(F(e).desc())),
    "aggregate_of_name": lambda e: m.Author.objects.aggregate(s=Sum(e)),
    "count_of_name": lambda e: list(m.Author.objects.annotate(n=Count(e))),
    "update_field_name": lambda e: m.Author.objects.update(**{e: "x"}),
    "q_connector": lambda e: list(m.Author.objects.filter(Q(_connector=e))),
    "q_negated": lambda e: list(m.Author.objects.filter(Q(_negated=True), name=e)),
    "filter_connector": lambda e: list(m.Author.objects.filter(_connector=e)),
}


@pytest.mark.parametrize("door", sorted(NAME_DOORS))
def test_hostile_names_are_refused(seeded: Any, door: str) -> None:
    allowed = frozenset({"?"}) if door == "order_by" else frozenset()  # "?" is random order
    _each(seeded, NAME_DOORS[door], refused=FieldError, allowed=allowed)


def _nul_refused(server: Any, evil: str) -> bool:
    """PostgreSQL text cannot hold NUL: the driver refuses the value (still never SQL)."""
    return server.vendor == "postgresql" and "\x00" in evil


def _bound_or_refused(server: Any, evil: str, run: Callable[[], list[Any]]) -> None:
    if _nul_refused(server, evil):
        with pytest.raises(DatabaseError) as info:
            run()
        assert "syntax" not in str(info.value).lower()
    else:
        assert run() == []


def test_hostile_json_keys_are_bound(seeded: Any) -> None:
    def attempt(evil: str) -> None:
        _bound_or_refused(
            seeded, evil, lambda: list(m.Article.objects.filter(**{"data__" + evil: 1}))
        )

    _each(seeded, attempt, refused=None)


def test_hostile_json_nested_keys_and_lookups_are_bound(seeded: Any) -> None:
    def attempt(evil: str) -> None:
        for kwargs in ({"data__k__" + evil + "__gt": 0}, {"data__" + evil + "__isnull": False}):
            _bound_or_refused(seeded, evil, lambda kw=kwargs: list(m.Article.objects.filter(**kw)))

    _each(seeded, attempt, refused=None)


def test_json_key_that_exists_still_matches(seeded: Any) -> None:
    assert m.Article.objects.filter(data__k=1).count() == 1
    assert m.Article.objects.filter(data__name__startswith="v").count() == 1


def _storable(server: Any, evil: str) -> bool:
    return not _nul_refused(server, evil)


def test_hostile_values_round_trip(seeded: Any) -> None:
    """Every hostile string stored as a name comes back by exact match, and only it."""
    stored = {}
    for i, evil in enumerate(HOSTILE):
        if not _storable(seeded, evil):
            with pytest.raises(DatabaseError):
                m.Author.objects.create(name=evil, email=f"nul{i}@example.com")
            continue
        stored[evil] = m.Author.objects.create(name=evil, email=f"e{i}@example.com")
    before = _counts(seeded)
    for evil, author in stored.items():
        assert list(m.Author.objects.filter(name=evil)) == [author], repr(evil)
        assert m.Author.objects.filter(name__in=[evil]).get() == author
        assert m.Author.objects.filter(name__contains=evil).filter(pk=author.pk).exists()
        assert m.Author.objects.exclude(name=evil).filter(pk=author.pk).count() == 0
    assert _counts(seeded) == before


def test_hostile_values_in_every_lookup_are_bound(seeded: Any) -> None:
    def attempt(evil: str) -> None:
        if not _storable(seeded, evil):
            _bound_or_refused(seeded, evil, lambda: list(m.Author.objects.filter(name=evil)))
            return
        lookups = ("exact", "iexact", "contains", "icontains", "startswith", "endswith", "gt")
        for lookup in lookups:
            list(m.Author.objects.filter(**{f"name__{lookup}": evil}))
        # As a regular expression, escaped so that it is valid: still hostile text, bound.
        list(m.Author.objects.filter(name__regex=re.escape(evil)))
        m.Author.objects.filter(name=evil).update(email=evil)
        m.Article.objects.filter(title=evil).delete()

    _each(seeded, attempt, refused=None)


def test_raw_positional_params_are_bound(seeded: Any) -> None:
    def attempt(evil: str) -> None:
        sql = "SELECT * FROM dbtests_author WHERE name = %s"
        _bound_or_refused(seeded, evil, lambda: list(m.Author.objects.raw(sql, [evil])))

    _each(seeded, attempt, refused=None)


def test_raw_named_params_are_bound(seeded: Any) -> None:
    def attempt(evil: str) -> None:
        sql = "SELECT * FROM dbtests_author WHERE name = %(x)s OR email = %(x)s"
        _bound_or_refused(seeded, evil, lambda: list(m.Author.objects.raw(sql, {"x": evil})))

    _each(seeded, attempt, refused=None)


def test_raw_value_containing_placeholders_is_data(seeded: Any) -> None:
    for i, value in enumerate(["%s", "%(x)s", "a%sb%s", "?", ":x", "%%"]):
        made = m.Author.objects.create(name=value, email=f"p{i}@example.com")
        rows = list(m.Author.objects.raw("SELECT * FROM dbtests_author WHERE name = %s", [value]))
        assert rows == [made], value
        named = list(
            m.Author.objects.raw("SELECT * FROM dbtests_author WHERE name = %(x)s", {"x": value})
        )
        assert named == [made], value
