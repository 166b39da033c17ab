"""The connection wrapper: error translation, doomed blocks, hooks, and raw cursors."""

from __future__ import annotations

import logging
from typing import Any

import dbtests_models as m
import pytest

from bastion.db import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    TransactionManagementError,
    atomic,
)
from bastion.db.connection import Connection
from bastion.db.transaction import get_connection


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _insert_tag_sql(conn: Connection) -> str:
    return f"INSERT INTO dbtests_tag (name) VALUES ({_mark(conn)})"


def test_in_atomic_block(db: Any) -> None:
    conn = get_connection()
    assert not conn.in_atomic_block
    with atomic():
        assert conn.in_atomic_block
        with atomic():
            assert conn.in_atomic_block
    assert not conn.in_atomic_block


def test_error_inside_atomic_dooms_the_block_on_postgresql_only(db: Any) -> None:
    conn = get_connection()
    m.Tag.objects.create(name="a")
    with atomic():
        with pytest.raises(IntegrityError):
            conn.execute(_insert_tag_sql(conn), ("a",))
        if db.vendor == "postgresql":
            # PostgreSQL refuses every statement until ROLLBACK: say so instead of its error.
            assert conn.needs_rollback
            with pytest.raises(TransactionManagementError, match="no statement can run"):
                m.Tag.objects.count()
        else:
            assert not conn.needs_rollback
            m.Tag.objects.create(name="b")
    assert not conn.needs_rollback
    expected = ["a"] if db.vendor == "postgresql" else ["a", "b"]
    assert sorted(m.Tag.objects.values_list("name", flat=True)) == expected


def test_error_outside_atomic_leaves_the_connection_usable(db: Any) -> None:
    conn = get_connection()
    m.Tag.objects.create(name="a")
    with pytest.raises(IntegrityError):
        conn.execute(_insert_tag_sql(conn), ("a",))
    assert not conn.needs_rollback
    assert m.Tag.objects.count() == 1


def test_savepoint_recovers_a_doomed_block(db: Any) -> None:
    conn = get_connection()
    m.Tag.objects.create(name="a")
    with atomic():
        with pytest.raises(IntegrityError), atomic():
            conn.execute(_insert_tag_sql(conn), ("a",))
        assert not conn.needs_rollback
        m.Tag.objects.create(name="b")
    assert m.Tag.objects.count() == 2


def test_savepoint_false_inner_failure_dooms_the_outer_block(db: Any) -> None:
    class Boom(Exception):
        pass

    conn = get_connection()
    doomed: list[bool] = []

    def inner() -> None:
        with atomic(savepoint=False):
            raise Boom

    def outer() -> None:
        with atomic():
            m.Tag.objects.create(name="a")
            with pytest.raises(Boom):
                inner()
            doomed.append(conn.needs_rollback)
            m.Tag.objects.create(name="b")

    with pytest.raises(TransactionManagementError):
        outer()
    assert doomed == [True]
    assert not conn.needs_rollback
    assert m.Tag.objects.count() == 0


def test_durable_nesting_refused_and_outer_block_survives(db: Any) -> None:
    with atomic():
        m.Tag.objects.create(name="a")
        with pytest.raises(TransactionManagementError, match="durable"), atomic(durable=True):
            pass  # pragma: no cover - never entered
        m.Tag.objects.create(name="b")
    assert m.Tag.objects.count() == 2


def test_error_translation(db: Any) -> None:
    conn = get_connection()
    # A statement the server cannot parse: a DatabaseError, neither integrity nor operational
    # (SQLite reports it as operational).
    with pytest.raises(DatabaseError) as info:
        conn.execute("SELEC 1")
    assert not isinstance(info.value, IntegrityError)
    assert isinstance(info.value.__cause__, Exception)
    assert str(info.value)
    if db.vendor == "sqlite":
        assert isinstance(info.value, OperationalError)
    with pytest.raises(DatabaseError):
        conn.execute("SELECT * FROM dbtests_no_such_table")
    m.Tag.objects.create(name="a")
    with pytest.raises(IntegrityError) as integrity:
        conn.execute(_insert_tag_sql(conn), ("a",))
    assert type(integrity.value) is IntegrityError


def test_operational_error(db: Any) -> None:
    conn = get_connection()
    if db.vendor == "postgresql":
        with atomic():
            conn.execute("SET LOCAL statement_timeout = 1")
            with pytest.raises(OperationalError), atomic():
                conn.execute("SELECT pg_sleep(1)")
    elif db.vendor == "mariadb":
        with pytest.raises(OperationalError):
            conn.execute("SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'nope'")
    else:
        with pytest.raises(OperationalError, match="no such table"):
            conn.execute("SELECT * FROM dbtests_no_such_table")


def test_execute_many(db: Any) -> None:
    conn = get_connection()
    assert conn.execute_many(_insert_tag_sql(conn), []) == 0
    assert conn.execute_many(_insert_tag_sql(conn), [("a",), ("b",)]) == 2
    assert sorted(m.Tag.objects.values_list("name", flat=True)) == ["a", "b"]
    with pytest.raises(IntegrityError):
        conn.execute_many(_insert_tag_sql(conn), [("c",), ("a",)])


# Only PostgreSQL refuses statements after an error in a transaction.
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_execute_many_error_dooms_the_block_like_execute(db: Any) -> None:
    conn = get_connection()
    m.Tag.objects.create(name="a")
    with atomic():
        with pytest.raises(IntegrityError):
            conn.execute_many(_insert_tag_sql(conn), [("a",)])
        assert conn.needs_rollback
        with pytest.raises(TransactionManagementError):
            m.Tag.objects.count()


def test_raw_cursor(db: Any) -> None:
    m.Tag.objects.create(name="a")
    conn = get_connection()
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM dbtests_tag")
        assert [tuple(row) for row in cursor.fetchall()] == [("a",)]


def test_on_rollback_hooks(db: Any, caplog: pytest.LogCaptureFixture) -> None:
    conn = get_connection()
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("hook failed")

    def failing(*hooks: Any) -> None:
        with atomic():
            for hook in hooks:
                conn.on_rollback(hook)
            raise KeyError

    conn.on_rollback(lambda: ran.append("outside"))  # outside a block: never runs
    with pytest.raises(KeyError):
        failing(broken, lambda: ran.append("after"))
    assert ran == ["broken", "after"]
    assert "An on_rollback hook failed" in caplog.text
    ran.clear()
    with atomic():
        with atomic():
            conn.on_rollback(lambda: ran.append("released savepoint"))
        with pytest.raises(KeyError):
            failing(lambda: ran.append("rolled back savepoint"))
        assert ran == ["rolled back savepoint"]
    assert ran == ["rolled back savepoint"]  # the outer block committed


def test_release_runs_rollback_hooks_of_an_abandoned_block(db: Any) -> None:
    ran: list[str] = []
    block = atomic()
    block.__enter__()
    m.Tag.objects.create(name="lost")
    get_connection().on_rollback(lambda: ran.append("undone"))
    db.dbs.release()
    assert ran == ["undone"]
    assert m.Tag.objects.count() == 0


# Only PostgreSQL has constraints checked at COMMIT (DEFERRABLE).
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_commit_failure_rolls_back_and_raises(db: Any, caplog: pytest.LogCaptureFixture) -> None:
    conn = get_connection()
    ran: list[str] = []
    caplog.set_level(logging.WARNING)

    def violate_at_commit() -> None:
        with atomic():
            conn.execute(
                "CREATE TEMPORARY TABLE deferred_check (x int UNIQUE DEFERRABLE INITIALLY DEFERRED)"
            )
            conn.execute("INSERT INTO deferred_check VALUES (1), (1)")
            conn.on_rollback(lambda: ran.append("rolled back"))

    with pytest.raises(IntegrityError):
        violate_at_commit()
    assert ran == ["rolled back"]
    assert not conn.in_atomic_block
    assert m.Tag.objects.count() == 0  # the connection is usable again
