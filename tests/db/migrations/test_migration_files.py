"""Migration files without a database: their names, their SQL, and pending model changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import ops

from bastion.apps import App
from bastion.db.engine import Databases
from bastion.db.migrations import (
    MigrationError,
    PendingChange,
    make_migrations,
    migrate,
    pending_changes,
    sql_migrate,
)
from bastion.db.migrations.project import MigrationScripts
from bastion.db.migrations.writer import next_number, revision_id, slugify, suggest_name
from bastion.db.models.registry import ModelRegistry

Models = Callable[..., ModelRegistry]
EveryType = Callable[..., Callable[[sa.MetaData], None]]
SHOP = {"app_label": "shop"}


def test_every_field_type_round_trips_without_spurious_changes(
    make_app: Callable[[str], App], models: Models, every_type: EveryType
) -> None:
    shop = make_app("shop")
    registry = models(every_type())
    [path] = make_migrations([shop], registry=registry)
    source = path.read_text()
    assert "from sqlalchemy.dialects import postgresql" in source
    assert "postgresql.JSONB(astext_type=sa.Text())" in source
    assert "mysql.DATETIME(fsp=6)" in source
    assert make_migrations([shop], registry=registry) == []
    assert pending_changes([shop], registry=registry) == []


@pytest.mark.parametrize(
    ("dialect", "expected", "transactional"),
    [
        ("postgresql", ["at TIMESTAMP WITH TIME ZONE", "data JSONB", "span INTERVAL"], True),
        ("postgres", ["uid UUID"], True),
        ("mysql", ["at DATETIME(6)", "blob` LONGBLOB", "ratio DOUBLE"], False),
        ("mariadb", ["time TIME(6)"], False),
        ("sqlite", ["at DATETIME", "data JSON"], True),
    ],
)
def test_sql_migrate_writes_each_databases_sql(
    make_app: Callable[[str], App],
    models: Models,
    every_type: EveryType,
    dialect: str,
    expected: list[str],
    transactional: bool,
) -> None:
    shop = make_app("shop")
    make_migrations([shop], registry=models(every_type()))

    sql = sql_migrate([shop], "shop_0001_initial", dialect)

    assert "CREATE TABLE shop_sample" in sql
    for fragment in expected:
        assert fragment in sql
    assert sql.startswith("BEGIN;") is transactional
    assert "bastion_migrations" not in sql  # only the migration's own statements
    assert "DROP TABLE shop_sample" in sql_migrate(
        [shop], "0001", dialect, app_label="shop", backwards=True
    )


def test_sql_migrate_refuses_unknown_names(
    make_app: Callable[[str], App], models: Models, every_type: EveryType
) -> None:
    shop = make_app("shop")
    make_migrations([shop], registry=models(every_type()))
    with pytest.raises(MigrationError, match="Unknown database 'oracle'"):
        sql_migrate([shop], "shop_0001_initial", "oracle")
    with pytest.raises(MigrationError, match="No migration file has the revision 'nope'"):
        sql_migrate([shop], "nope", "sqlite")


def test_pending_changes_describe_what_needs_a_migration(
    make_app: Callable[[str], App], models: Models, every_type: EveryType
) -> None:
    shop = make_app("shop")
    make_migrations([shop], registry=models(every_type()))

    def tags(metadata: sa.MetaData) -> None:
        sa.Table("shop_tag", metadata, sa.Column("id", sa.Integer, primary_key=True), info=SHOP)

    changed = models(every_type(sa.Column("note", sa.String(20)), sa.Index(None, "name")), tags)
    changes = pending_changes([shop], registry=changed)

    assert changes == [
        PendingChange("shop", "add_table", "create table shop_tag"),
        PendingChange("shop", "add_column", "add column shop_sample.note"),
        PendingChange("shop", "add_index", "add index ix_shop_sample_name on shop_sample"),
    ]
    assert str(changes[1]) == "shop: add column shop_sample.note"
    make_migrations([shop], registry=changed)
    assert pending_changes([shop], registry=changed) == []


def test_type_and_nullability_changes_are_described(
    make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")

    def item(price: sa.types.TypeEngine[object], nullable: bool) -> Callable[[sa.MetaData], None]:
        def build(metadata: sa.MetaData) -> None:
            sa.Table(
                "shop_item",
                metadata,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("price", price, nullable=nullable),
                info=SHOP,
            )

        return build

    make_migrations([shop], registry=models(item(sa.Integer(), True)))
    changes = pending_changes([shop], registry=models(item(sa.Numeric(8, 2), False)))
    assert [(c.kind, c.description) for c in changes] == [
        ("modify_type", "change type of shop_item.price from INTEGER to NUMERIC(8, 2)"),
        ("modify_nullable", "change nullable of shop_item.price from True to False"),
    ]


def test_tables_of_other_apps_and_of_other_registries_are_left_alone(
    make_app: Callable[[str], App], models: Models, every_type: EveryType
) -> None:
    shop, blog = make_app("shop"), make_app("blog")

    def post(metadata: sa.MetaData) -> None:
        sa.Table(
            "blog_post",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            info={"app_label": "blog"},
        )

    make_migrations([shop, blog], registry=models(every_type(), post))
    # blog's models are gone from this registry: only blog may drop blog_post, and only
    # when blog is asked; shop sees nothing to do.
    assert make_migrations([shop, blog], app_label="shop", registry=models(every_type())) == []
    [dropped] = make_migrations([shop, blog], app_label="blog", registry=models(every_type()))
    assert "op.drop_table('blog_post')" in dropped.read_text()


def test_revision_ids_fit_the_version_table() -> None:
    assert revision_id("shop", 1, "initial") == "shop_0001_initial"
    assert revision_id("shop", 12, "Add price & stock!") == "shop_0012_add_price_stock"
    long = revision_id("shop", 3, "add_shop_item_extra_and_more")
    assert long == "shop_0003_add_shop_item_extra_an"
    assert len(long) == 32
    assert revision_id("a" * 27, 1, "initial") == "a" * 27 + "_0001"
    with pytest.raises(MigrationError, match="too long"):
        revision_id("a" * 30, 1, "initial")
    assert slugify("  Ünïcode -- names ") == "n_code_names"
    assert next_number([]) == 1
    assert next_number(["shop_0001_initial", "shop_0007_x", "handmade"]) == 8


def test_suggested_names_follow_the_first_operation() -> None:
    column = sa.Column("price", sa.Integer())
    add = ops.ModifyTableOps("shop_item", [ops.AddColumnOp("shop_item", column)])
    assert suggest_name(ops.UpgradeOps([add]), first=True) == "initial"
    assert suggest_name(ops.UpgradeOps([add]), first=False) == "add_shop_item_price"
    drop = ops.DropTableOp("shop_tag")
    assert suggest_name(ops.UpgradeOps([drop, add]), first=False) == "delete_shop_tag_and_more"
    assert suggest_name(ops.UpgradeOps([]), first=False) == "auto"


def test_broken_migration_files_are_reported(
    make_app: Callable[[str], App], models: Models, every_type: EveryType
) -> None:
    shop = make_app("shop")
    [path] = make_migrations([shop], registry=models(every_type()))
    path.write_text(
        path.read_text().replace(
            "down_revision: str | Sequence[str] | None = None",
            "down_revision = 'shop_0000_missing'",
        )
    )
    with pytest.raises(MigrationError, match="Cannot load the migration files"):
        MigrationScripts([shop])


def test_replay_failures_point_at_replaying(
    make_app: Callable[[str], App], models: Models, every_type: EveryType
) -> None:
    shop = make_app("shop")
    registry = models(every_type())
    make_migrations([shop], registry=registry)
    [path] = make_migrations([shop], app_label="shop", registry=registry, empty=True)
    vendor_only = 'op.execute("REFRESH MATERIALIZED VIEW shop_totals")'
    source = path.read_text()
    path.write_text(source.replace("connection = op.get_bind()", vendor_only, 1))
    with pytest.raises(MigrationError, match=r"(?s)shop_0002_data failed there.*replaying\(\)"):
        make_migrations([shop], registry=registry)

    guarded = (
        "from bastion.db.migrations import replaying\n\n"
        "    if replaying():\n"
        "        return\n"
        f"    {vendor_only}"
    )
    path.write_text(source.replace("connection = op.get_bind()", guarded, 1))
    assert make_migrations([shop], registry=registry) == []


def test_sqlite_foreign_keys_are_checked_once_the_migrations_ran(
    tmp_path: Path, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")

    def shop_tables(metadata: sa.MetaData) -> None:
        sa.Table("shop_user", metadata, sa.Column("id", sa.Integer, primary_key=True), info=SHOP)
        sa.Table(
            "shop_order",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("user_id", sa.ForeignKey("shop_user.id"), nullable=False),
            info=SHOP,
        )

    registry = models(shop_tables)
    make_migrations([shop], registry=registry)
    [path] = make_migrations([shop], app_label="shop", registry=registry, empty=True)
    orphan = 'op.execute("INSERT INTO shop_order (id, user_id) VALUES (1, 99)")'
    path.write_text(path.read_text().replace("connection = op.get_bind()", orphan, 1))
    databases = Databases({"default": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    try:
        with pytest.raises(MigrationError, match="rows of shop_order now point at rows"):
            migrate(databases, [shop])
        with databases.engine().connect() as connection:  # enforcement is back on
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        databases.close()
