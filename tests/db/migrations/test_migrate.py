"""Making and applying migrations on SQLite, PostgreSQL and MariaDB.

Each test walks models through states (lists of table-building functions), makes a
migration for each change and applies it, checking the schema and that rows survive.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bastion.apps import App
from bastion.db.engine import Databases
from bastion.db.migrations import (
    VERSION_TABLE,
    MigrationError,
    MigrationStatus,
    MigrationStep,
    UnknownAppError,
    make_migrations,
    migrate,
    pending_changes,
    show_migrations,
)
from bastion.db.models.registry import ModelRegistry

Models = Callable[..., ModelRegistry]
SHOP = {"app_label": "shop"}
INTEGER = sa.Integer()


def item(
    *extra: sa.SchemaItem,
    title: str = "title",
    price: sa.types.TypeEngine[Any] | None = INTEGER,
    title_default: str | None = None,
) -> Callable[[sa.MetaData], None]:
    """``shop_item`` with an id, a title column (named ``title``) and a price, plus ``extra``."""

    def build(metadata: sa.MetaData) -> None:
        sa.Table(
            "shop_item",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(title, sa.String(100), nullable=False, default=title_default),
            *([sa.Column("price", price, nullable=True)] if price is not None else []),
            *extra,
            info=SHOP,
        )

    return build


def tag(metadata: sa.MetaData) -> None:
    sa.Table(
        "shop_tag",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        info=SHOP,
    )


def columns(engine: sa.Engine, table: str) -> list[str]:
    return [column["name"] for column in sa.inspect(engine).get_columns(table)]


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {VERSION_TABLE}


def rows(engine: sa.Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def execute(engine: sa.Engine, sql: str) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(sql)


def make(app: App, registry: ModelRegistry, **kwargs: object) -> list[Path]:
    return make_migrations([app], registry=registry, **kwargs)  # type: ignore[arg-type]


def test_initial_migration_creates_the_tables_and_then_nothing_changes(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    registry = models(item(sa.Column("sku", sa.String(20), unique=True)), tag)

    [path] = make(shop, registry)

    assert path == shop.path / "migrations" / "shop_0001_initial.py"
    assert (shop.path / "migrations" / "__init__.py").exists()
    source = path.read_text()
    assert "branch_labels: str | Sequence[str] | None = ('shop',)" in source
    assert "down_revision: str | Sequence[str] | None = None" in source
    steps = migrate(databases, [shop])
    assert steps == [MigrationStep("shop", "shop_0001_initial", "apply")]
    assert tables(engine) == {"shop_item", "shop_tag"}
    assert make(shop, registry) == []
    assert pending_changes([shop], registry=registry) == []
    assert migrate(databases, [shop]) == []


def test_add_rename_and_remove_columns_keep_the_rows(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    make(shop, models(item()))
    migrate(databases, [shop])
    execute(engine, "INSERT INTO shop_item (id, title, price) VALUES (1, 'Pen', 3), (2, 'Ink', 5)")

    [added] = make(shop, models(item(sa.Column("stock", sa.Integer, nullable=True))))
    assert added.name == "shop_0002_add_shop_item_stock.py"
    migrate(databases, [shop])
    assert columns(engine, "shop_item") == ["id", "title", "price", "stock"]
    assert rows(engine, "SELECT id, title, stock FROM shop_item ORDER BY id") == [
        (1, "Pen", None),
        (2, "Ink", None),
    ]

    asked: list[tuple[str, str, str]] = []

    def rename(table: str, old: str, new: str) -> bool:
        asked.append((table, old, new))
        return True

    renamed_models = models(item(sa.Column("stock", sa.Integer, nullable=True), title="name"))
    [renamed] = make(shop, renamed_models, rename=rename)
    assert asked == [("shop_item", "title", "name")]
    assert "new_column_name='name'" in renamed.read_text()
    migrate(databases, [shop])
    assert rows(engine, "SELECT name FROM shop_item ORDER BY id") == [("Pen",), ("Ink",)]

    [removed] = make(
        shop, models(item(sa.Column("stock", sa.Integer, nullable=True), title="name", price=None))
    )
    assert "remove_shop_item_price" in removed.name
    migrate(databases, [shop])
    assert columns(engine, "shop_item") == ["id", "name", "stock"]
    assert rows(engine, "SELECT id, name FROM shop_item ORDER BY id") == [(1, "Pen"), (2, "Ink")]

    # Back to before the rename: the removed column returns (empty), the name is "title" again.
    steps = migrate(databases, [shop], "shop", "0002")
    assert [(s.revision[:9], s.action) for s in steps] == [
        ("shop_0004", "unapply"),
        ("shop_0003", "unapply"),
    ]
    assert sorted(columns(engine, "shop_item")) == ["id", "price", "stock", "title"]
    assert rows(engine, "SELECT title, price FROM shop_item ORDER BY id") == [
        ("Pen", None),
        ("Ink", None),
    ]


def test_without_a_rename_answer_a_renamed_column_is_removed_and_added(
    databases: Databases, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    make(shop, models(item()))
    # A default for the rows already there: without one, the NOT NULL column is refused.
    [path] = make(shop, models(item(title="name", title_default="")))
    source = path.read_text()
    assert "batch_op.add_column(sa.Column('name'" in source
    assert "batch_op.drop_column('title')" in source


def test_change_a_column_type_converts_the_values(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    make(shop, models(item()))
    migrate(databases, [shop])
    execute(engine, "INSERT INTO shop_item (id, title, price) VALUES (1, 'Pen', 3)")

    [path] = make(shop, models(item(price=sa.Numeric(10, 2))))

    assert "type_=sa.Numeric(precision=10, scale=2)" in path.read_text()
    migrate(databases, [shop])
    [column] = [c for c in sa.inspect(engine).get_columns("shop_item") if c["name"] == "price"]
    assert isinstance(column["type"], sa.Numeric)
    assert column["type"].scale == 2
    assert rows(engine, "SELECT price FROM shop_item")[0][0] in (Decimal("3.00"), 3)
    assert make(shop, models(item(price=sa.Numeric(10, 2)))) == []


def test_indexes_and_unique_constraints_have_the_same_names_everywhere(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    sku = sa.Column("sku", sa.String(20), nullable=True)
    make(shop, models(item(sku)))
    migrate(databases, [shop])

    def indexed() -> Callable[[sa.MetaData], None]:
        return item(
            sa.Column("sku", sa.String(20), nullable=True),
            sa.Index(None, "title"),
            sa.UniqueConstraint("sku"),
        )

    [path] = make(shop, models(indexed()))
    source = path.read_text()
    assert "op.f('ix_shop_item_title')" in source
    assert "op.f('uq_shop_item_sku')" in source
    migrate(databases, [shop])
    inspector = sa.inspect(engine)
    names = {i["name"] for i in inspector.get_indexes("shop_item")} | {
        u["name"] for u in inspector.get_unique_constraints("shop_item")
    }
    assert {"ix_shop_item_title", "uq_shop_item_sku"} <= names
    execute(engine, "INSERT INTO shop_item (id, title, sku) VALUES (1, 'Pen', 'P-1')")
    with pytest.raises(sa.exc.IntegrityError):
        execute(engine, "INSERT INTO shop_item (id, title, sku) VALUES (2, 'Ink', 'P-1')")
    assert make(shop, models(indexed())) == []

    # And away again: dropping them needs their names, on SQLite too.
    make(shop, models(item(sa.Column("sku", sa.String(20), nullable=True))))
    migrate(databases, [shop])
    execute(engine, "INSERT INTO shop_item (id, title, sku) VALUES (2, 'Ink', 'P-1')")
    assert rows(engine, "SELECT count(*) FROM shop_item") == [(2,)]


def test_drop_a_table_then_downgrade_to_zero(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    make(shop, models(item(), tag))
    migrate(databases, [shop])

    [dropped] = make(shop, models(item()))

    assert dropped.name == "shop_0002_delete_shop_tag.py"
    migrate(databases, [shop])
    assert tables(engine) == {"shop_item"}
    migrate(databases, [shop], "shop", "0001")
    assert tables(engine) == {"shop_item", "shop_tag"}
    steps = migrate(databases, [shop], "shop", "zero")
    assert steps == [MigrationStep("shop", "shop_0001_initial", "unapply")]
    assert tables(engine) == set()
    assert [s.applied for s in show_migrations(databases, [shop])] == [False, False]


def test_foreign_keys_across_apps_order_the_migrations(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    accounts, shop = make_app("accounts"), make_app("shop")

    def users(metadata: sa.MetaData) -> None:
        sa.Table(
            "accounts_user",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("email", sa.String(254), nullable=False),
            info={"app_label": "accounts"},
        )

    def orders(metadata: sa.MetaData) -> None:
        sa.Table(
            "shop_order",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("user_id", sa.ForeignKey("accounts_user.id"), nullable=False, index=True),
            info=SHOP,
        )

    registry = models(users, orders)
    # shop is listed first, yet accounts' migration is written (and applied) first.
    paths = make_migrations([shop, accounts], registry=registry)

    assert [p.name for p in paths] == ["accounts_0001_initial.py", "shop_0001_initial.py"]
    assert "depends_on: str | Sequence[str] | None = ('accounts_0001_initial',)" in (
        paths[1].read_text()
    )
    assert "fk_shop_order_user_id_accounts_user" in paths[1].read_text()
    steps = migrate(databases, [shop, accounts], "shop")
    assert [s.revision for s in steps] == ["accounts_0001_initial", "shop_0001_initial"]
    assert tables(engine) == {"accounts_user", "shop_order"}
    assert make_migrations([shop, accounts], registry=registry) == []
    # Unapplying accounts takes the shop migration that needs it along.
    steps = migrate(databases, [shop, accounts], "accounts", "zero")
    assert [s.revision for s in steps] == ["shop_0001_initial", "accounts_0001_initial"]
    assert tables(engine) == set()


def test_fake_records_without_running(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    make(shop, models(item()))
    make(shop, models(item(), tag))

    steps = migrate(databases, [shop], fake=True)

    assert [(s.revision, s.faked) for s in steps] == [
        ("shop_0001_initial", True),
        ("shop_0002_create_shop_tag", True),
    ]
    assert tables(engine) == set()
    assert show_migrations(databases, [shop]) == [
        MigrationStatus("shop", "shop_0001_initial", True, "Initial"),
        MigrationStatus("shop", "shop_0002_create_shop_tag", True, "Create shop tag"),
    ]
    steps = migrate(databases, [shop], "shop", "0001", fake=True)
    assert steps == [MigrationStep("shop", "shop_0002_create_shop_tag", "unapply", faked=True)]
    assert [s.applied for s in show_migrations(databases, [shop])] == [True, False]
    migrate(databases, [shop])  # runs 0002 only: the faked 0001 is taken as done
    assert tables(engine) == {"shop_tag"}
    migrate(databases, [shop], "shop", "zero", fake=True)
    assert [s.applied for s in show_migrations(databases, [shop], "shop")] == [False, False]


def test_a_data_migration_changes_rows(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    registry = models(item())
    make(shop, registry)
    migrate(databases, [shop])
    execute(engine, "INSERT INTO shop_item (id, title, price) VALUES (1, 'Pen', NULL)")

    [path] = make(shop, registry, app_label="shop", empty=True, message="default prices")

    assert path.name == "shop_0002_default_prices.py"
    source = path.read_text()
    assert "connection = op.get_bind()" in source
    items = (
        'items = sa.table("shop_item", sa.column("price", sa.Integer))\n'
        "    connection.execute(items.update().where(items.c.price.is_(None)).values(price=1))"
    )
    path.write_text(
        source.replace("connection = op.get_bind()", f"connection = op.get_bind()\n    {items}", 1)
    )
    migrate(databases, [shop])
    assert rows(engine, "SELECT price FROM shop_item") == [(1,)]
    assert make(shop, registry) == []  # the data migration replays harmlessly


def test_a_failing_migration_is_rolled_back_where_ddl_is_transactional(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    make(shop, models(item()))
    [path] = make(shop, models(item()), app_label="shop", empty=True, message="broken")
    source = path.read_text().replace(
        "connection = op.get_bind()",
        'op.create_table("shop_extra", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.execute("INSERT INTO no_such_table VALUES (1)")',
        1,
    )
    path.write_text(source)

    with pytest.raises(MigrationError, match="shop_0002_broken"):
        migrate(databases, [shop])

    assert [s.applied for s in show_migrations(databases, [shop])] == [True, False]
    if engine.dialect.name != "mysql":  # MariaDB commits DDL as it goes
        assert tables(engine) == {"shop_item"}


def test_errors_name_the_apps_and_revisions(
    databases: Databases, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    make(shop, models(item()))
    with pytest.raises(UnknownAppError, match=r"'blog'.*Installed apps: shop"):
        migrate(databases, [shop], "blog")
    with pytest.raises(MigrationError, match="needs the app label"):
        migrate(databases, [shop], None, "0001")
    with pytest.raises(MigrationError, match=r"no migration '0009'.*shop_0001_initial"):
        migrate(databases, [shop], "shop", "0009")
    blog = make_app("blog")  # no models, no migrations: nothing to do, not an error
    assert migrate(databases, [shop, blog], "blog") == []
    assert migrate(databases, [shop, blog], "blog", "zero") == []
    assert show_migrations(databases, [shop, blog], "blog") == []


def test_every_field_type_is_created_and_dropped(
    databases: Databases,
    engine: sa.Engine,
    make_app: Callable[[str], App],
    models: Models,
    every_type: Callable[..., Callable[[sa.MetaData], None]],
) -> None:
    shop = make_app("shop")
    make(shop, models(every_type()))
    migrate(databases, [shop])
    execute(
        engine,
        "INSERT INTO shop_sample (id, small, flag, name, amount) VALUES (1, 2, TRUE, 'x', 1.5)",
    )
    assert rows(engine, "SELECT small, name FROM shop_sample") == [(2, "x")]
    migrate(databases, [shop], "shop", "zero")
    assert tables(engine) == set()


def test_targets_move_an_app_up_and_down_one_step_at_a_time(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    make(shop, models(item()))
    make(shop, models(item(), tag))
    make(shop, models(item(sa.Column("stock", sa.Integer)), tag))

    assert [s.revision for s in migrate(databases, [shop], "shop", "0002")] == [
        "shop_0001_initial",
        "shop_0002_create_shop_tag",
    ]
    assert migrate(databases, [shop], "shop", "0002") == []
    assert migrate(databases, [shop], "shop", "shop_0002_create_shop_tag") == []
    assert [s.applied for s in show_migrations(databases, [shop])] == [True, True, False]
    assert [s.revision for s in migrate(databases, [shop], "shop")] == [
        "shop_0003_add_shop_item_stock"
    ]
    assert "stock" in columns(engine, "shop_item")


def test_the_pooled_connection_is_handed_back_as_it_was(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    make(shop, models(item()))
    migrate(databases, [shop])
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert raw.isolation_level is None  # type: ignore[union-attr]
        elif engine.dialect.name == "postgresql":
            assert raw.autocommit is True  # type: ignore[union-attr]
        else:
            assert raw.get_autocommit() is True  # type: ignore[union-attr]


def test_two_lines_of_work_in_one_app_are_applied_then_merged(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    make(shop, models(item()))
    [theirs] = make(shop, models(item(), tag))
    # A colleague's migration, made from the same starting point.
    (theirs.parent / "shop_0002_stock.py").write_text(
        theirs.read_text()
        .replace("shop_0002_create_shop_tag", "shop_0002_stock")
        .replace("op.drop_table('shop_tag')", "op.drop_column('shop_item', 'stock')")
        .split("op.create_table(")[0]
        + "op.add_column('shop_item', sa.Column('stock', sa.Integer(), nullable=True))\n\n\n"
        "def downgrade() -> None:\n"
        "    with op.batch_alter_table('shop_item') as batch_op:\n"
        "        batch_op.drop_column('stock')\n"
    )

    steps = migrate(databases, [shop], "shop")

    assert {s.revision for s in steps} == {
        "shop_0001_initial",
        "shop_0002_create_shop_tag",
        "shop_0002_stock",
    }
    [merge] = make(shop, models(item()), app_label="shop", empty=True, message="merge")
    assert "('shop_0002_create_shop_tag', 'shop_0002_stock')" in merge.read_text()
    assert [s.revision for s in migrate(databases, [shop])] == ["shop_0003_merge"]
    assert make(shop, models(item(sa.Column("stock", sa.Integer)), tag)) == []
    assert tables(engine) == {"shop_item", "shop_tag"}


def test_named_check_constraints_are_added_and_removed(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App], models: Models
) -> None:
    shop = make_app("shop")
    make(shop, models(item()))
    migrate(databases, [shop])
    checked = models(item(sa.CheckConstraint("price >= 0", name="shop_item_price_gte_0")))

    [added] = make(shop, checked)

    assert "batch_op.create_check_constraint('shop_item_price_gte_0'" in added.read_text()
    migrate(databases, [shop])
    with pytest.raises(sa.exc.DBAPIError):
        execute(engine, "INSERT INTO shop_item (id, title, price) VALUES (1, 'Pen', -1)")
    assert make(shop, checked) == []

    [removed] = make(shop, models(item()))
    assert "batch_op.drop_constraint('shop_item_price_gte_0', type_='check')" in (
        removed.read_text()
    )
    migrate(databases, [shop])
    execute(engine, "INSERT INTO shop_item (id, title, price) VALUES (1, 'Pen', -1)")
    execute(engine, "DELETE FROM shop_item")
    migrate(databases, [shop], "shop", "0002")  # the downgrade puts it back
    with pytest.raises(sa.exc.DBAPIError):
        execute(engine, "INSERT INTO shop_item (id, title, price) VALUES (2, 'Ink', -2)")
