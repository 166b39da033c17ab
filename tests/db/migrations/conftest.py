"""Fixtures for the migration tests: real databases, throwaway apps, and model registries.

Every test that takes ``databases`` runs on SQLite (a file in ``tmp_path``), PostgreSQL and
MariaDB. Each test module gets its own scratch database on the two servers, dropped at the
end; each test leaves it empty. Apps are real packages written under ``tmp_path`` (an
``App`` must be importable), and models are plain ``sqlalchemy.Table`` objects in a fresh
``ModelRegistry``, which is what the model classes produce.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from services import require_service
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.pool import NullPool

from bastion.apps import App
from bastion.db.engine import Databases
from bastion.db.migrations import NAMING_CONVENTION
from bastion.db.models.registry import ModelRegistry
from bastion.db.urls import to_sqlalchemy_url

SERVERS = {
    "postgresql": ("PostgreSQL", "127.0.0.1", 5432, "postgresql://postgres@127.0.0.1:5432/{}"),
    "mysql": ("MariaDB", "127.0.0.1", 3306, "mysql://root@127.0.0.1:3306/{}"),
}
ADMIN_DATABASE = {"postgresql": "postgres", "mysql": "mysql"}

Build = Callable[[sa.MetaData], object]


def _admin(vendor: str) -> sa.Engine:
    template = SERVERS[vendor][3]
    url = to_sqlalchemy_url(template.format(ADMIN_DATABASE[vendor]))
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def server_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """A scratch database of this module on each server (None for SQLite, one per test)."""
    vendor: str = request.param
    if vendor == "sqlite":
        yield None
        return
    name, host, port, template = SERVERS[vendor]
    require_service(name, host, port)
    database = f"bastion_migrations_{uuid.uuid4().hex[:12]}"
    admin = _admin(vendor)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {database}")
    try:
        yield template.format(database)
    finally:
        drop = f"DROP DATABASE {database}"
        with admin.connect() as connection:
            connection.exec_driver_sql(drop + (" WITH (FORCE)" if vendor == "postgresql" else ""))
        admin.dispose()


@pytest.fixture
def databases(server_url: str | None, tmp_path: Path) -> Iterator[Databases]:
    """The test's database as a ``Databases`` ("default"), emptied afterwards."""
    url = server_url or f"sqlite:///{tmp_path / 'db.sqlite3'}"
    dbs = Databases({"default": url})
    try:
        yield dbs
    finally:
        engine = dbs.engine()
        leftover = sa.MetaData()
        with engine.begin() as connection:
            leftover.reflect(connection)
        with engine.connect() as connection:
            if engine.dialect.name == "mysql":
                connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for table in reversed(leftover.sorted_tables):
                connection.exec_driver_sql(f"DROP TABLE {table.name}")
        dbs.close()


@pytest.fixture
def engine(databases: Databases) -> sa.Engine:
    return databases.engine()


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], App]:
    """``make_app("shop")``: an importable app package labelled ``shop``, unique per test."""
    root = tmp_path / "apps"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))

    def make(label: str) -> App:
        package = f"{label}_{uuid.uuid4().hex[:8]}"
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
        return App(package, label=label)

    return make


@pytest.fixture
def models() -> Callable[..., ModelRegistry]:
    """``models(build, ...)``: a fresh registry whose tables the ``build`` functions define.

    Each ``build(metadata)`` adds one app's tables (``info={"app_label": ...}``), so a test
    describes each state of its models as a list of such functions.
    """

    def make(*builds: Build) -> ModelRegistry:
        registry = ModelRegistry()
        registry.metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
        for build in builds:
            build(registry.metadata)
        return registry

    return make


@pytest.fixture
def every_type() -> Callable[..., Build]:
    """``every_type(*extra)``: ``shop_sample`` with every column type of Bastion's fields."""
    return _every_type


def _every_type(*extra: sa.SchemaItem) -> Build:

    def build(metadata: sa.MetaData) -> None:
        sa.Table(
            "shop_sample",
            metadata,
            sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
            sa.Column("small", sa.SmallInteger(), nullable=False),
            sa.Column("ratio", sa.Float(precision=53).with_variant(sa.Double(), "mysql")),
            sa.Column("amount", sa.Numeric(12, 2)),
            sa.Column("flag", sa.Boolean(create_constraint=False), nullable=False),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("body", sa.Text()),
            sa.Column("uid", sa.Uuid(as_uuid=True)),
            sa.Column("blob", sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")),
            sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
            sa.Column("day", sa.Date()),
            sa.Column(
                "at",
                sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql"),
            ),
            sa.Column("time", sa.Time().with_variant(mysql.TIME(fsp=6), "mysql")),
            sa.Column("span", sa.BigInteger().with_variant(postgresql.INTERVAL(), "postgresql")),
            *extra,
            info={"app_label": "shop"},
        )

    return build
