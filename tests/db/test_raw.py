"""raw() SQL with bound parameters."""

from __future__ import annotations

from typing import Any

import dbtests_models as m
import pytest


@pytest.fixture
def authors(db: Any) -> None:
    for name in ("Ann", "Bob", "O'Neil"):
        m.Author.objects.create(name=name, email=f"{len(name)}{name[0]}@example.com")


def test_raw_positional_params(authors: None) -> None:
    rows = list(m.Author.objects.raw("SELECT * FROM dbtests_author WHERE name = %s", ["O'Neil"]))
    assert [a.name for a in rows] == ["O'Neil"]
    assert isinstance(rows[0], m.Author)
    assert rows[0].pk is not None


def test_raw_named_params(authors: None) -> None:
    sql = "SELECT id, name FROM dbtests_author WHERE name = %(n)s OR name = %(m)s ORDER BY name"
    rows = list(m.Author.objects.raw(sql, {"n": "Ann", "m": "Bob"}))
    assert [a.name for a in rows] == ["Ann", "Bob"]


def test_raw_literal_percent(authors: None) -> None:
    rows = list(m.Author.objects.raw("SELECT * FROM dbtests_author WHERE name LIKE 'A%%'"))
    assert [a.name for a in rows] == ["Ann"]


def test_raw_deferred_fields_load_on_access(authors: None) -> None:
    (row,) = m.Author.objects.raw("SELECT id FROM dbtests_author WHERE name = %s", ["Bob"])
    assert row.name == "Bob"


def test_raw_needs_pk_and_list_params(authors: None) -> None:
    with pytest.raises(ValueError, match="primary key"):
        list(m.Author.objects.raw("SELECT name FROM dbtests_author"))
    with pytest.raises(TypeError):
        m.Author.objects.raw("SELECT * FROM dbtests_author WHERE name = %s", "Ann")
