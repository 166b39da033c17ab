"""Scratch databases on the real servers, for test modules that need a database of each kind.

``scratch_database("postgresql", tmp_path_factory, "sessions")`` yields the URL of a new,
uniquely named database and drops it afterwards; ``sqlite`` is a file in a temporary folder.
``tables_on(url, tables)`` yields that database active, with ``tables`` created for the
block and dropped after it.
A server that is down skips (or, under ``CI=true``, fails) through ``require_service``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from services import require_service

from bastion.db import Databases
from bastion.db.models import registry

__all__ = ["VENDORS", "scratch_database", "tables_on"]

VENDORS = ("sqlite", "postgresql", "mariadb")

_SERVERS = {
    "postgresql": (
        "PostgreSQL",
        5432,
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        "postgresql://postgres@127.0.0.1:5432",
    ),
    "mariadb": (
        "MariaDB",
        3306,
        "mysql+pymysql://root@127.0.0.1:3306/",
        "mysql://root@127.0.0.1:3306",
    ),
}


@contextmanager
def scratch_database(
    vendor: str, tmp_path_factory: pytest.TempPathFactory, purpose: str
) -> Iterator[str]:
    """A new empty database of ``vendor`` for the block; its URL in Bastion's spelling."""
    if vendor == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp(purpose) / 'db.sqlite3'}"
        return
    name, port, admin_url, server_url = _SERVERS[vendor]
    require_service(name, "127.0.0.1", port)
    scratch = f"bastion_{purpose}_{secrets.token_hex(4)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    charset = " CHARACTER SET utf8mb4" if vendor == "mariadb" else ""
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {scratch}{charset}")
    try:
        yield f"{server_url}/{scratch}"
    finally:
        force = " WITH (FORCE)" if vendor == "postgresql" else ""
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {scratch}{force}")
        admin.dispose()


@contextmanager
def tables_on(url: str, tables: list[sa.Table]) -> Iterator[Databases]:
    """The database at ``url``, active, with ``tables`` made for the block, dropped after."""
    databases = Databases({"default": url})
    with databases.activate():
        registry.metadata.create_all(databases.engine(), tables=tables)
        try:
            yield databases
        finally:
            databases.release()
            registry.metadata.drop_all(databases.engine(), tables=tables)
            databases.close()
