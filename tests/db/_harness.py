"""The scratch databases of the ORM tests: one per server per session, emptied per test.

Loaded by path (the test tree has no packages) from ``tests/db/conftest.py`` and from
``tests/security/test_sql_injection.py``; the servers it sets up are shared by both through
the module cache, and dropped once when the pytest session ends.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from services import require_service

from bastion.db import Databases
from bastion.db.connection import Connection

HERE = Path(__file__).resolve().parent
VENDORS = ("sqlite", "postgresql", "mariadb")
SCRATCH = f"bastion_test_{os.getpid()}"
SERVERS = {
    "postgresql": ("PostgreSQL", "127.0.0.1", 5432),
    "mariadb": ("MariaDB", "127.0.0.1", 3306),
}


def load(name: str, filename: str) -> ModuleType:
    """Import ``tests/db/<filename>`` once, as the top-level module ``name``."""
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, HERE / filename)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


models = load("dbtests_models", "models.py")


def scratch_tables() -> list[sa.Table]:
    """The tables of the test models (and their M2M tables), parents first."""
    return [
        t for t in models.REGISTRY.metadata.sorted_tables if t.info.get("app_label") == "dbtests"
    ]


class Server:
    """One scratch database and the ``Databases`` pointing at it."""

    def __init__(self, vendor: str, url: str, drop: Callable[[], None]) -> None:
        self.vendor = vendor
        self.dbs = Databases({"default": url})
        self._drop = drop
        engine = self.dbs.engine()
        tables = scratch_tables()
        models.REGISTRY.metadata.drop_all(engine, tables=tables)
        models.REGISTRY.metadata.create_all(engine, tables=tables)

    def empty(self) -> None:
        """Delete every row of the test tables (children first), resetting nothing else."""
        engine = self.dbs.engine()
        with engine.begin() as conn:
            if self.vendor == "mariadb":
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for table in reversed(scratch_tables()):
                conn.execute(table.delete())
            if self.vendor == "mariadb":
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")

    def close(self) -> None:
        self.dbs.close()
        self._drop()


_servers: dict[str, Server] = {}


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _make_server(vendor: str, tmp: Path) -> Server:
    if vendor == "sqlite":
        return Server(vendor, f"sqlite:///{tmp / 'orm.sqlite3'}", lambda: None)
    if vendor == "postgresql":
        admin = _admin("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH}")
            conn.exec_driver_sql(f"CREATE DATABASE {SCRATCH}")

        def drop_pg() -> None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
            admin.dispose()

        return Server(vendor, f"postgresql://postgres@127.0.0.1:5432/{SCRATCH}", drop_pg)
    admin = _admin("mysql+pymysql://root@127.0.0.1:3306/")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH}")
        conn.exec_driver_sql(f"CREATE DATABASE {SCRATCH} CHARACTER SET utf8mb4")

    def drop_my() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH}")
        admin.dispose()

    return Server(vendor, f"mysql://root@127.0.0.1:3306/{SCRATCH}", drop_my)


def server(vendor: str, config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """The session's scratch server of ``vendor`` (skipped, or failed under CI, when down)."""
    if vendor in SERVERS:
        require_service(*SERVERS[vendor])
    found = _servers.get(vendor)
    if found is None:
        found = _servers[vendor] = _make_server(vendor, tmp_path_factory.mktemp(vendor))
        config.add_cleanup(found.close)
        config.add_cleanup(lambda: _servers.pop(vendor, None))
    return found


@pytest.fixture(params=VENDORS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Empty test tables on one database, activated for the test (the ``Server`` is yielded)."""
    srv = server(request.param, request.config, tmp_path_factory)
    srv.empty()
    with srv.dbs.activate():
        try:
            yield srv
        finally:
            srv.dbs.release()


class QueryLog(list[str]):
    """The SQL of every statement the ORM ran while installed."""


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> QueryLog:
    """Record each ``Connection.execute`` (the ORM's one door to the database)."""
    log = QueryLog()
    original = Connection.execute

    def counting(self: Connection, sql: str, params: Any = ()) -> Any:
        log.append(sql)
        return original(self, sql, params)

    monkeypatch.setattr(Connection, "execute", counting)
    return log
