"""`bench.database.prepare` against the real PostgreSQL, and when there is none.

The tests fill a database of their own, so a bench run going on beside them keeps its tables.
"""

from __future__ import annotations

import psycopg
import pytest
from services import require_service

from bench import database
from bench.fortunes import FORTUNES
from bench.world import HOST, PORT, USER, random_numbers

SCRATCH = "bastion_bench_tests"


@pytest.fixture
def url(monkeypatch: pytest.MonkeyPatch) -> str:
    """The URL of the scratch database `prepare` is pointed at."""
    require_service("PostgreSQL", HOST, PORT)
    monkeypatch.setattr(database, "DATABASE", SCRATCH)
    return f"postgresql://{USER}@{HOST}:{PORT}/{SCRATCH}"


def test_prepare_fills_both_tables_with_the_known_rows(url: str) -> None:
    readiness = database.prepare()
    assert readiness.ready, readiness.reason
    assert readiness.server is not None
    assert readiness.server.startswith("PostgreSQL")
    with psycopg.connect(url) as conn:
        worlds = conn.execute("SELECT id, randomnumber FROM world ORDER BY id").fetchall()
        fortunes = conn.execute("SELECT id, message FROM fortune ORDER BY id").fetchall()
    assert worlds == list(enumerate(random_numbers(), start=1))
    assert fortunes == [(f.id, f.message) for f in FORTUNES]


def test_prepare_twice_leaves_the_same_tables(url: str) -> None:
    assert database.prepare().ready
    assert database.prepare().ready
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM world").fetchone() == (10_000,)
        assert conn.execute("SELECT count(*) FROM fortune").fetchone() == (12,)


def test_prepare_restores_a_changed_row_and_a_dropped_table(url: str) -> None:
    assert database.prepare().ready
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE world SET randomnumber = randomnumber + 1 WHERE id = 77")
        conn.execute("DROP TABLE fortune")
    assert database.prepare().ready
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT randomnumber FROM world WHERE id = 77").fetchone()
        assert conn.execute("SELECT count(*) FROM fortune").fetchone() == (12,)
    assert row == (random_numbers()[76],)


def test_prepare_says_why_when_postgresql_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "PORT", 1)  # nothing listens on port 1
    readiness = database.prepare()
    assert not readiness.ready
    assert readiness.reason is not None
    assert readiness.reason.startswith(f"PostgreSQL at {HOST}:1 not usable: ")
