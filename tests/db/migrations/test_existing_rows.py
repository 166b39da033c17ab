"""New NOT NULL columns on tables that already have rows: filled from the model's default.

The models here are real model classes (their fields carry the defaults), defined in the
process's model registry under an app label of their own. The registry's table list and
model index are swapped for copies while a test runs, so nothing is left behind.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bastion.apps import App
from bastion.db import models
from bastion.db.engine import Databases
from bastion.db.migrations import (
    NAMING_CONVENTION,
    MigrationError,
    MigrationNow,
    make_migrations,
    migrate,
    migration_now,
    pending_changes,
    sql_migrate,
)
from bastion.db.models.registry import ModelRegistry, registry

MOTTO = "'Don't' \\ C:\\path\\n ''"
"""Quotes (also at both ends), backslashes and what MariaDB would read as an escape."""

AT = dt.datetime(2024, 1, 2, 3, 4, 5, 600000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
CODE = uuid.UUID("12345678-1234-5678-1234-567812345678")
DATA = {"say": "it's \\ json", "n": [1, 2]}


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 3


class Kind(enum.StrEnum):
    BOOK = "book"
    PEN = "pen"


def new_fields() -> dict[str, models.Field[Any]]:
    """One new NOT NULL field per kind of constant default."""
    return {
        "flag": models.BooleanField(default=False),
        "active": models.BooleanField(default=True),
        "status": models.CharField(max_length=20, default="draft"),
        "motto": models.CharField(max_length=40, default=MOTTO),
        "body": models.TextField(default="long text"),
        "count": models.IntegerField(default=0),
        "offset": models.IntegerField(default=-7),
        "ratio": models.FloatField(default=0.25),
        "price": models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("3.50")),
        "day": models.DateField(default=dt.date(2024, 2, 29)),
        "at": models.DateTimeField(default=AT),
        "alarm": models.TimeField(default=dt.time(7, 30, 15)),
        "span": models.DurationField(default=dt.timedelta(hours=1, microseconds=5)),
        "level": models.IntegerField(choices=Level, default=Level.HIGH),
        "kind": models.CharField(max_length=10, choices=Kind, default=Kind.BOOK),
        "data": models.JSONField(default=DATA),
        "tags": models.JSONField(default=list),
        "code": models.UUIDField(default=CODE),
    }


EXPECTED: dict[str, object] = {
    "flag": False,
    "active": True,
    "status": "draft",
    "motto": MOTTO,
    "body": "long text",
    "count": 0,
    "offset": -7,
    "ratio": 0.25,
    "price": Decimal("3.50"),
    "day": dt.date(2024, 2, 29),
    "at": AT,
    "alarm": dt.time(7, 30, 15),
    "span": dt.timedelta(hours=1, microseconds=5),
    "level": 3,
    "kind": "book",
    "data": DATA,
    "tags": [],
    "code": CODE,
}


DefineItem = Callable[..., type[models.Model]]


@pytest.fixture
def app(make_app: Callable[[str], App]) -> App:
    """An app with a label of its own, so its models cannot meet another test's."""
    return make_app(f"fill{uuid.uuid4().hex[:8]}")


@pytest.fixture
def define_item(app: App, monkeypatch: pytest.MonkeyPatch) -> DefineItem:
    """``define_item(**fields)``: (re)define the app's ``Item`` model with ``title`` + fields.

    Each definition replaces the previous one, as editing models.py between two
    ``makemigrations`` does.
    """
    monkeypatch.setattr(
        registry, "metadata", sa.MetaData(naming_convention=registry.metadata.naming_convention)
    )
    monkeypatch.setattr(registry, "_models", dict(registry._models))

    def define(**fields: models.Field[Any]) -> type[models.Model]:
        meta = type("Meta", (), {"app_label": app.label})
        body: dict[str, Any] = {
            "__module__": __name__,
            "__qualname__": "Item",
            "Meta": meta,
            "title": models.CharField(max_length=50),
            **fields,
        }
        return type("Item", (models.Model,), body)

    return define


def make(app: App, *others: App) -> list[Path]:
    return make_migrations([app, *others], registry=registry)


def written(app: App) -> list[str]:
    return sorted(path.name for path in (app.path / "migrations").glob("*_0*.py"))


def two_rows(databases: Databases, app: App, define_item: DefineItem) -> None:
    """The item table made by the app's first migration, with two rows in it."""
    define_item()
    make(app)
    migrate(databases, [app])
    with databases.activate():
        old = define_item()
        old.objects.create(title="first")
        old.objects.create(title="second")


def test_constant_defaults_fill_the_rows_already_there(
    databases: Databases, engine: sa.Engine, app: App, define_item: DefineItem
) -> None:
    two_rows(databases, app, define_item)

    item = define_item(**new_fields())
    [path] = make(app)

    assert path.name.startswith(f"{app.label}_0002_add_")
    migrate(databases, [app])
    with databases.activate():
        item.objects.create(title="third")  # the ORM fills the defaults on insert
        rows = list(item.objects.order_by("id"))
    assert [row.title for row in rows] == ["first", "second", "third"]
    for row in rows:
        assert {name: getattr(row, name) for name in EXPECTED} == EXPECTED, row.title


def test_the_server_defaults_are_gone_afterwards(
    databases: Databases, engine: sa.Engine, app: App, define_item: DefineItem
) -> None:
    define_item()
    make(app)
    migrate(databases, [app])
    table = f"{app.label}_item"
    with engine.begin() as connection:
        connection.execute(sa.text(f"INSERT INTO {table} (id, title) VALUES (1, 'kept')"))
    define_item(**new_fields())
    make(app)

    migrate(databases, [app])

    columns = {c["name"]: c for c in sa.inspect(engine).get_columns(table)}
    assert {name: columns[name]["default"] for name in EXPECTED} == dict.fromkeys(EXPECTED)
    assert not any(columns[name]["nullable"] for name in EXPECTED)
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as connection:
        connection.execute(sa.text(f"INSERT INTO {table} (id, title) VALUES (2, 'raw')"))
    assert pending_changes([app], registry=registry) == []
    assert make(app) == []
    # And back: the downgrade drops the columns and keeps the row.
    migrate(databases, [app], app.label, "0001")
    assert [c["name"] for c in sa.inspect(engine).get_columns(table)] == ["id", "title"]
    with engine.connect() as connection:
        assert connection.execute(sa.text(f"SELECT title FROM {table}")).all() == [("kept",)]


def test_the_migration_says_what_it_does(app: App, define_item: DefineItem) -> None:
    define_item()
    make(app)
    define_item(
        flag=models.BooleanField(default=False),
        motto=models.CharField(max_length=40, default=MOTTO),
        at=models.DateTimeField(default=AT),
        price=models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("3.50")),
        note=models.CharField(max_length=10, null=True),
    )

    [path] = make(app)

    source = path.read_text()
    assert "server_default=sa.false()" in source
    assert f"server_default={MOTTO!r}" in source
    # The field stores a datetime in UTC, with the offset only where the column keeps one.
    assert (
        "server_default=('2024-01-02 03:04:05.600000+02:00' if op.get_context().dialect.name "
        "== 'postgresql' else '2024-01-02 01:04:05.600000')"
    ) in source
    # SQLite keeps decimals as text (as the field does); the others get a number.
    assert (
        "server_default=('3.50' if op.get_context().dialect.name == 'sqlite' else sa.text('3.50'))"
    ) in source
    assert "sa.Column('note', sa.String(length=10), autoincrement=False, nullable=True)" in source
    assert source.count("server_default=None") == 4
    assert "# Rows already in the table get the default above" in source
    upgrade = source.split("def upgrade")[1].split("def downgrade")[0]
    assert upgrade.index("add_column") < upgrade.index("server_default=None")


@pytest.mark.parametrize(
    ("dialect", "added"),
    [
        ("postgresql", "ADD COLUMN motto VARCHAR(40) DEFAULT 'it''s a \\ here' NOT NULL;"),
        ("mysql", "ADD COLUMN motto VARCHAR(40) NOT NULL DEFAULT 'it''s a \\\\ here';"),
    ],
)
def test_sql_migrate_quotes_a_string_default_for_each_database(
    app: App, define_item: DefineItem, dialect: str, added: str
) -> None:
    define_item()
    make(app)
    define_item(motto=models.CharField(max_length=40, default="it's a \\ here"))
    make(app)

    sql = sql_migrate([app], "0002", dialect, app_label=app.label)

    assert added in sql
    assert "ALTER COLUMN motto DROP DEFAULT" in sql


def make_code() -> str:
    return uuid.uuid4().hex[:8]


def right_now() -> dt.datetime:
    """``timezone.now`` as a project writes it: a default computed for each row."""
    return dt.datetime.now(dt.UTC)


class LocalDateTimeField(models.DateTimeField):
    """A project's field that stores local time everywhere: not what migration_now() writes."""

    def db_converter(self, vendor: str) -> Callable[[Any], Any] | None:
        return lambda value: value.astimezone(dt.timezone(dt.timedelta(hours=1)))


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        (models.CharField(max_length=10), "no default"),
        (models.CharField(max_length=10, default=None), "no default"),
        (
            models.DateTimeField(default=right_now),
            "default right_now is a function, computed for each row; for when a row was "
            "written, auto_now_add=True fills with the migration's time",
        ),
        (models.DateTimeField(auto_now_add=True, unique=True), "unique: one time for every"),
        (LocalDateTimeField(auto_now=True), "auto_now/auto_now_add on LocalDateTimeField"),
        (models.UUIDField(default=uuid.uuid4), "default uuid4 is a function"),
        (models.CharField(max_length=8, default=make_code), "default make_code is a function"),
        (models.IntegerField(default=lambda: 1), "default <lambda> is a function"),
        (models.CharField(max_length=10, default="x", unique=True), "unique"),
        (models.BinaryField(default=b"x"), "no SQL literal for a default of type bytes"),
        (models.IntegerField(default="many"), "default 'many' is not valid"),
    ],
)
def test_a_column_that_cannot_be_filled_stops_every_app(
    make_app: Callable[[str], App],
    app: App,
    define_item: DefineItem,
    field: models.Field[Any],
    reason: str,
) -> None:
    other = make_app("other")
    define_item()
    make(app)
    # Another app with a change of its own, handled in the same run.
    sa.Table(
        "other_tag",
        registry.metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        info={"app_label": "other"},
    )
    define_item(extra=field)

    with pytest.raises(MigrationError) as caught:
        make(app, other)

    message = str(caught.value)
    assert f"{app.label}_item.extra ({reason}" in message
    assert "null=True" in message
    assert "bastion makemigrations APP --empty" in message
    assert written(app) == [f"{app.label}_0001_initial.py"]
    assert not (other.path / "migrations").exists()


def test_every_unfillable_column_is_named_at_once(app: App, define_item: DefineItem) -> None:
    define_item()
    make(app)
    define_item(
        one=models.CharField(max_length=10),
        two=models.UUIDField(default=uuid.uuid4),
        fine=models.IntegerField(default=0),
    )

    with pytest.raises(MigrationError, match=r"_item\.one \(no default\); .*_item\.two \("):
        make(app)


def test_new_tables_and_nullable_columns_need_no_filling(app: App, define_item: DefineItem) -> None:
    define_item(code=models.UUIDField(default=uuid.uuid4))  # a new table has no rows
    [initial] = make(app)
    assert "server_default" not in initial.read_text()
    define_item(
        code=models.UUIDField(default=uuid.uuid4),
        maybe=models.CharField(max_length=10, null=True),
        seen=models.DateTimeField(null=True, default=None),
    )

    [added] = make(app)

    assert "server_default" not in added.read_text()


def plain_item(*extra: sa.Column[Any]) -> ModelRegistry:
    """A registry with ``shop_item`` as a plain table (no model class): id plus ``extra``."""
    plain = ModelRegistry()
    plain.metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    sa.Table(
        "shop_item",
        plain.metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        *extra,
        info={"app_label": "shop"},
    )
    return plain


def test_plain_tables_use_the_columns_own_defaults(
    databases: Databases, engine: sa.Engine, make_app: Callable[[str], App]
) -> None:
    shop = make_app("shop")
    make_migrations([shop], registry=plain_item())
    migrate(databases, [shop])
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO shop_item (id) VALUES (1)"))

    def columns() -> list[sa.Column[Any]]:
        return [
            sa.Column("stock", sa.Integer, nullable=False, default=5),
            sa.Column("data", sa.JSON, nullable=False, default=dict),
            sa.Column("kept", sa.String(10), nullable=False, server_default="as is"),
        ]

    [path] = make_migrations([shop], registry=plain_item(*columns()))

    source = path.read_text()
    assert "server_default=sa.text('5')" in source
    assert "server_default='{}'" in source
    assert "server_default='as is'" in source
    assert source.count("server_default=None") == 2
    migrate(databases, [shop])
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT stock, data, kept FROM shop_item")).one()
    assert (row[0], row[1] in ("{}", {}), row[2]) == (5, True, "as is")
    code = sa.Column("code", sa.Uuid, nullable=False, default=uuid.uuid4)
    with pytest.raises(MigrationError, match=r"shop_item\.code \(default uuid4 is a function"):
        make_migrations([shop], registry=plain_item(*columns(), code))


FILL_CODES = """\
connection = op.get_bind()
    items = sa.table("{table}", sa.column("id", sa.Integer), sa.column("code", sa.Uuid))
    empty = sa.select(items.c.id).where(items.c.code.is_(None))
    for (id_,) in connection.execute(empty).all():
        connection.execute(items.update().where(items.c.id == id_).values(code=uuid.uuid4()))"""
"""The data migration of docs/migrations.md, 'New columns on tables with rows'."""


def test_a_function_default_takes_the_three_documented_migrations(
    databases: Databases, engine: sa.Engine, app: App, define_item: DefineItem
) -> None:
    define_item()
    make(app)
    migrate(databases, [app])
    with databases.activate():
        define_item().objects.create(title="old")
        define_item().objects.create(title="older")

    define_item(code=models.UUIDField(default=uuid.uuid4, null=True))
    make(app)
    [fill] = make_migrations(
        [app], registry=registry, app_label=app.label, empty=True, message="fill codes"
    )
    source = fill.read_text().replace(
        "connection = op.get_bind()", FILL_CODES.format(table=f"{app.label}_item"), 1
    )
    fill.write_text(
        source.replace("import sqlalchemy as sa\n", "import uuid\n\nimport sqlalchemy as sa\n", 1)
    )
    item = define_item(code=models.UUIDField(default=uuid.uuid4))
    [required] = make(app)
    assert "nullable=False" in required.read_text()
    assert "autoincrement" not in required.read_text()  # Alembic warns on two databases

    migrate(databases, [app])

    with databases.activate():
        item.objects.create(title="new")
        codes = [row.code for row in item.objects.order_by("id")]
    assert len(codes) == len(set(codes)) == 3
    assert all(isinstance(code, uuid.UUID) for code in codes)
    assert pending_changes([app], registry=registry) == []


def timestamps() -> dict[str, models.Field[Any]]:
    """The fields Django users add to an existing model most often."""
    return {
        "created": models.DateTimeField(auto_now_add=True),
        "updated": models.DateTimeField(auto_now=True),
        "day": models.DateField(auto_now_add=True),
    }


def test_auto_now_columns_get_the_time_of_the_migration(
    databases: Databases, engine: sa.Engine, app: App, define_item: DefineItem
) -> None:
    two_rows(databases, app, define_item)
    item = define_item(**timestamps())
    [path] = make(app)
    assert path.name.startswith(f"{app.label}_0002_add_")

    before = dt.datetime.now(dt.UTC)
    migrate(databases, [app])
    after = dt.datetime.now(dt.UTC)

    with databases.activate():
        rows = list(item.objects.order_by("id"))
        item.objects.create(title="third")
        new = item.objects.get(title="third")
    assert [row.title for row in rows] == ["first", "second"]
    created = rows[0].created
    assert created.utcoffset() == dt.timedelta(0)
    assert before <= created <= after
    # One time for every row and every column: the time of the migration.
    assert {(row.created, row.updated, row.day) for row in rows} == {
        (created, created, created.date())
    }
    assert type(rows[0].day) is dt.date
    assert after <= new.created <= new.updated  # the ORM reads the clock for each field
    assert new.created.date() <= new.day <= dt.datetime.now(dt.UTC).date()
    table = f"{app.label}_item"
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns(table)}
    for name in ("created", "updated", "day"):
        assert (columns[name]["nullable"], columns[name]["default"]) == (False, None), name
    assert pending_changes([app], registry=registry) == []
    assert make(app) == []
    # And back: the downgrade drops the columns and keeps the rows.
    migrate(databases, [app], app.label, "0001")
    assert [c["name"] for c in sa.inspect(engine).get_columns(table)] == ["id", "title"]
    with engine.connect() as connection:
        titles = connection.execute(sa.text(f"SELECT title FROM {table} ORDER BY id")).all()
    assert titles == [("first",), ("second",), ("third",)]


def test_the_migration_sets_auto_now_columns_with_a_bound_time(
    app: App, define_item: DefineItem
) -> None:
    define_item()
    make(app)
    define_item(
        **timestamps(),
        flag=models.BooleanField(default=False),
        # A constant default wins, as for any field; a function is no constant.
        stamped=models.DateTimeField(auto_now_add=True, default=AT),
        seen=models.DateTimeField(auto_now=True, default=right_now),
    )

    [path] = make(app)

    source = path.read_text()
    table = f"{app.label}_item"
    assert "from bastion.db.migrations import migration_now\n" in source
    assert source.count("now = migration_now(op.get_context().dialect.name)\n") == 1
    assert (
        f"    op.execute(\n"
        f"        sa.table({table!r}, sa.column('created'), sa.column('updated'), "
        "sa.column('day'), sa.column('seen'))\n"
        "        .update()\n"
        "        .values({'created': now.datetime, 'updated': now.datetime, 'day': now.date, "
        "'seen': now.datetime})\n"
        "    )\n\n"
    ) in source
    assert "# Rows already in the table get the time this migration runs" in source
    upgrade = source.split("def upgrade")[1].split("def downgrade")[0]
    assert "sa.Column('created', sa.DateTime(timezone=True)" in upgrade
    assert "sa.Column('day', sa.Date(), autoincrement=False, nullable=True)" in upgrade
    assert "sa.Column('stamped'" in upgrade
    assert "'2024-01-02 01:04:05.600000')" in upgrade  # stamped's server default
    made_not_null = "\n               nullable=False)"
    assert upgrade.count(made_not_null) == 4  # the three timestamps and seen
    assert upgrade.index("add_column") < upgrade.index("op.execute(")
    assert upgrade.index("op.execute(") < upgrade.index(made_not_null)


def test_every_table_gets_the_same_time(
    databases: Databases, app: App, define_item: DefineItem
) -> None:
    def define_note(**fields: models.Field[Any]) -> type[models.Model]:
        meta = type("Meta", (), {"app_label": app.label})
        text = models.CharField(max_length=10, default="")
        body = {"__module__": __name__, "__qualname__": "Note", "Meta": meta, "text": text}
        return type("Note", (models.Model,), {**body, **fields})

    define_item()
    define_note()
    make(app)
    migrate(databases, [app])
    with databases.activate():
        define_item().objects.create(title="old")
        define_note().objects.create()
    item = define_item(created=models.DateTimeField(auto_now_add=True))
    note = define_note(created=models.DateTimeField(auto_now_add=True))
    [path] = make(app)
    assert path.read_text().count("migration_now(") == 1

    migrate(databases, [app])

    with databases.activate():
        assert item.objects.get().created == note.objects.get().created


@pytest.mark.parametrize(
    ("dialect", "update", "not_null"),
    [
        (
            "postgresql",
            r"SET created='\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00', day='[-\d]{10}';",
            "ALTER COLUMN created SET NOT NULL;",
        ),
        (
            "mysql",
            r"SET created='\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}', day='[-\d]{10}';",
            "CHANGE created created DATETIME(6) NOT NULL;",
        ),
    ],
)
def test_sql_migrate_shows_the_time_it_was_written_out(
    app: App, define_item: DefineItem, dialect: str, update: str, not_null: str
) -> None:
    define_item()
    make(app)
    define_item(
        created=models.DateTimeField(auto_now_add=True), day=models.DateField(auto_now=True)
    )
    make(app)

    sql = sql_migrate([app], "0002", dialect, app_label=app.label)

    assert re.search(f"UPDATE {app.label}_item {update}", sql), sql
    assert not_null in sql


PROBE = dt.datetime(2024, 3, 1, 23, 30, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
"""An instant whose date is a day later in UTC."""


@pytest.mark.parametrize(
    ("dialect", "stored"),
    [
        ("postgresql", (PROBE, dt.date(2024, 3, 2))),
        ("mysql", (dt.datetime(2024, 3, 2, 1, 30, 0, 5), dt.date(2024, 3, 2))),
        ("mariadb", (dt.datetime(2024, 3, 2, 1, 30, 0, 5), dt.date(2024, 3, 2))),
        ("sqlite", ("2024-03-02 01:30:00.000005", "2024-03-02")),
    ],
)
def test_migration_now_binds_the_time_as_the_fields_store_it(
    dialect: str, stored: tuple[object, object]
) -> None:
    before = dt.datetime.now(dt.UTC)
    now = migration_now(dialect)
    assert before <= now.at <= dt.datetime.now(dt.UTC)
    assert now.at.tzinfo is dt.UTC

    probe = MigrationNow(PROBE, now.vendor)

    assert (probe.datetime.value, probe.date.value) == stored
    assert (type(probe.datetime.value), type(probe.date.value)) == tuple(map(type, stored))
    assert isinstance(probe.datetime, sa.BindParameter)


def test_migration_now_refuses_an_unknown_database() -> None:
    with pytest.raises(MigrationError, match="'oracle' database; migrations run on PostgreSQL"):
        migration_now("oracle")
