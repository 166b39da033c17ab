"""Preparing PostgreSQL for the database endpoints: the database, its two tables, their rows.

`prepare` runs once per bench run, before any app starts. It creates ``bastion_bench`` if
it is missing, then compares a digest of ``world`` (10,000 rows from a fixed seed,
`bench.world`) and ``fortune`` (TechEmpower's 12 rows, `bench.fortunes`) with the expected
rows, and only when they differ (or a table is missing) recreates both in one transaction.
So every run measures the same data, an app never sees a half-filled table, and a second
run (or the tests) started beside a running one does not drop the tables under it. psycopg
directly, not an ORM: the setup must not depend on any framework under test.

``python -m bench.database`` prepares the database by hand (for the profiler, say).
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from dataclasses import dataclass

import psycopg
from psycopg import errors, sql

from bench.fortunes import FORTUNES
from bench.world import DATABASE, HOST, PORT, USER, random_numbers

__all__ = ["Readiness", "prepare"]

_CONNECT_TIMEOUT_S = 5
# Another session holding a lock on the tables (a server left running) would otherwise make
# DROP TABLE wait forever; failing says why instead.
_LOCK_TIMEOUT = "10s"

# Every row as text in id order, hashed by the server; `_expected_digest` builds the same.
_DIGEST = """
SELECT encode(sha256(convert_to(
    (SELECT coalesce(string_agg(id || ':' || randomnumber, E'\n' ORDER BY id), '') FROM world)
    || E'\n--\n' ||
    (SELECT coalesce(string_agg(id || ':' || message, E'\n' ORDER BY id), '') FROM fortune),
    'UTF8')), 'hex')
"""

_SCHEMA = """
DROP TABLE IF EXISTS world, fortune;
CREATE TABLE world (id integer PRIMARY KEY, randomnumber integer NOT NULL);
CREATE TABLE fortune (id integer PRIMARY KEY, message varchar(2048) NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the database endpoints can run: ``reason`` says why not, ``server`` what ran."""

    reason: str | None = None
    server: str | None = None

    @property
    def ready(self) -> bool:
        """True when the tables are in place."""
        return self.reason is None


def _connect(dbname: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=HOST,
        port=PORT,
        user=USER,
        dbname=dbname,
        connect_timeout=_CONNECT_TIMEOUT_S,
        autocommit=True,
    )


def _create_database() -> None:
    """Create ``bastion_bench`` (UTF-8, for the Japanese fortune) unless it exists."""
    with _connect("postgres") as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            return
        statement = sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0")
        with contextlib.suppress(errors.DuplicateDatabase):  # another run made it meanwhile
            conn.execute(statement.format(sql.Identifier(DATABASE)))


def _expected_digest() -> str:
    worlds = "\n".join(f"{i}:{n}" for i, n in enumerate(random_numbers(), start=1))
    fortunes = "\n".join(f"{f.id}:{f.message}" for f in sorted(FORTUNES, key=lambda f: f.id))
    return hashlib.sha256(f"{worlds}\n--\n{fortunes}".encode()).hexdigest()


def _up_to_date(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    """Whether both tables already hold exactly the expected rows."""
    try:
        row = conn.execute(_DIGEST).fetchone()
    except errors.UndefinedTable:
        return False
    return row is not None and row[0] == _expected_digest()


def _fill(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(_LOCK_TIMEOUT))
        cur.execute(_SCHEMA)
        with cur.copy("COPY world (id, randomnumber) FROM STDIN") as copy:
            for row in enumerate(random_numbers(), start=1):
                copy.write_row(row)
        with cur.copy("COPY fortune (id, message) FROM STDIN") as copy:
            for fortune in FORTUNES:
                copy.write_row((fortune.id, fortune.message))
    conn.execute("ANALYZE world, fortune")  # plans from real statistics, from the first query


def prepare() -> Readiness:
    """Create the database and its tables if needed, and put the expected rows in; never raise.

    Returns:
        A `Readiness` whose ``reason`` is None when the tables are ready, else why the
        database endpoints cannot run (PostgreSQL unreachable, a lock held, ...).
    """
    try:
        _create_database()
        with _connect(DATABASE) as conn:
            if not _up_to_date(conn):
                _fill(conn)
            server = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Readiness(reason=f"PostgreSQL at {HOST}:{PORT} not usable: {detail}")
    return Readiness(server=f"PostgreSQL {server[0]}" if server else "PostgreSQL")


def main() -> int:
    """Prepare the database and say how it went; exit 1 if it could not be prepared."""
    readiness = prepare()
    print(readiness.reason or f"{DATABASE} ready on {readiness.server}")
    return 0 if readiness.ready else 1


if __name__ == "__main__":
    sys.exit(main())
