"""Scratch databases with the auth tables (built by the app's own migrations) for the tests.

``app`` is the login application of ``login_support`` on a SQLite file (cheap hashing), and
``ann`` a user of it; modules that need another application define their own ``app``, which
``ann`` then uses.

``db`` is one database of each kind (SQLite, PostgreSQL, MariaDB), active for the test and
emptied afterwards; ``Document`` (integer key) and ``Folder`` (text key) are the objects
permissions are granted on, with their permissions synced. ``queries`` records the SQL run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from login_support import cheap_hashers, create_user, make_app
from scratchdb import VENDORS, scratch_database

from bastion import Bastion
from bastion.auth.apps import auth_app
from bastion.auth.models import User
from bastion.auth.permissions import sync_permissions
from bastion.db import Databases, models
from bastion.db.connection import Connection
from bastion.db.migrations import migrate
from bastion.db.models import registry


class Document(models.Model):
    title = models.CharField(max_length=100)

    class Meta:
        app_label = "authtests"


class Folder(models.Model):
    slug = models.CharField(max_length=50, primary_key=True)

    class Meta:
        app_label = "authtests"


TEST_TABLES = [Document._meta.table, Folder._meta.table]


@pytest.fixture(scope="module", params=VENDORS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A scratch database of each kind (dropped after the module)."""
    with scratch_database(request.param, tmp_path_factory, "auth") as url:
        yield url


@pytest.fixture(scope="module")
def database(database_url: str) -> Iterator[Databases]:
    """The scratch database, migrated with the auth app's own migrations."""
    dbs = Databases({"default": database_url})
    try:
        migrate(dbs, [auth_app])
        registry.metadata.create_all(dbs.engine(), tables=TEST_TABLES)
        yield dbs
    finally:
        dbs.close()


@pytest.fixture
def db(database: Databases) -> Iterator[Databases]:
    """The database, active, with the permissions of the test models; emptied afterwards."""
    with database.activate():
        sync_permissions([Document, Folder])
        try:
            yield database
        finally:
            database.release()
            tables = {t.name for t in TEST_TABLES} | {
                m._meta.db_table for m in registry.models("auth")
            }
            with database.engine().begin() as conn:
                for table in reversed(registry.metadata.sorted_tables):
                    if table.name in tables:
                        conn.execute(sa.delete(table))


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


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Bastion]:
    with cheap_hashers():
        application = make_app(tmp_path / "db.sqlite3")
        try:
            yield application
        finally:
            application.close()


@pytest.fixture
def ann(app: Bastion) -> User:
    return create_user(app, "ann@example.com")
