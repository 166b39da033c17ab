"""The migration commands, run in-process on a throwaway project with one app (SQLite).

The project is a real package in ``tmp_path``: ``wsgi.py`` builds the application with the
app ``shopapp`` (label ``shop``), whose ``models.py`` puts a table into the process's model
registry, as model classes do. Everything the project adds to the interpreter (modules,
``sys.path``, registry tables) is undone after each test.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from bastion.cli import cli
from bastion.cli.commands.makemigrations import ask_rename
from bastion.db.models.registry import registry

KEY = "t3st-K3y_" + "q8Wm2Zr5Xn7Lp4Vb9Kd1" * 3

FILES = {
    "pyproject.toml": """
        [tool.bastion]
        app = "migsite.wsgi:application"
    """,
    "migsite/__init__.py": "",
    "migsite/wsgi.py": """
        from bastion.app import Bastion
        from bastion.apps import App
        from bastion.settings import Settings

        settings = Settings(
            DEBUG=True, SECRET_KEY={key!r}, BASE_DIR={base!r}, DATABASE_URL={url!r}
        )
        application = Bastion(settings, apps=[App("shopapp", label="shop")])
    """,
    "shopapp/__init__.py": "",
    "shopapp/models.py": """
        import sqlalchemy as sa

        from bastion.db.models.registry import registry

        items = sa.Table(
            "shop_item",
            registry.metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("title", sa.String(100), nullable=False),
            info={{"app_label": "shop"}},
        )
    """,
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The project folder (the current directory while the test runs)."""
    root = tmp_path / "project"
    values = {"key": KEY, "base": str(root), "url": f"sqlite:///{root / 'db.sqlite3'}"}
    for name, text in FILES.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text.format(**values)).lstrip())
    for name in [k for k in os.environ if k.startswith("BASTION_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(root)
    path, modules = list(sys.path), set(sys.modules)
    try:
        yield root
    finally:
        wsgi = sys.modules.get("migsite.wsgi")
        close = getattr(getattr(wsgi, "application", None), "close", None)
        if close is not None:  # the application installed its databases process-wide
            close()
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(tmp_path)):
                del sys.modules[name]
        for table in list(registry.metadata.tables.values()):
            if table.info.get("app_label") == "shop":
                registry.metadata.remove(table)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_make_show_apply_and_unapply(project: Path) -> None:
    made = run("makemigrations")
    assert made.exit_code == 0, made.output
    assert made.output == "Created shopapp/migrations/shop_0001_initial.py\n"
    assert (project / "shopapp" / "migrations" / "shop_0001_initial.py").is_file()
    assert run("makemigrations").output == "No changes detected.\n"
    assert run("makemigrations", "shop").output == "No changes detected in app 'shop'.\n"

    assert run("showmigrations").output == "shop\n [ ] shop_0001_initial\n"
    applied = run("migrate")
    assert applied.exit_code == 0, applied.output
    assert applied.output == "Applied shop_0001_initial\n"
    assert run("migrate").output == "No migrations to apply.\n"
    assert run("showmigrations", "shop").output == "shop\n [X] shop_0001_initial\n"

    assert run("migrate", "shop", "zero").output == "Unapplied shop_0001_initial\n"
    faked = run("migrate", "--fake")
    assert faked.output == "Applied shop_0001_initial (fake)\n"


def test_sqlmigrate_prints_the_sql(project: Path) -> None:
    run("makemigrations")
    result = run("sqlmigrate", "shop", "0001")
    assert result.exit_code == 0, result.output
    assert "CREATE TABLE shop_item" in result.output
    assert "title VARCHAR(100) NOT NULL" in result.output
    backwards = run("sqlmigrate", "shop", "shop_0001_initial", "--backwards")
    assert "DROP TABLE shop_item" in backwards.output


def test_empty_migration_with_a_message(project: Path) -> None:
    run("makemigrations")
    result = run("makemigrations", "shop", "--empty", "-m", "Fill titles")
    assert result.exit_code == 0, result.output
    assert result.output == "Created shopapp/migrations/shop_0002_fill_titles.py\n"
    source = (project / "shopapp" / "migrations" / "shop_0002_fill_titles.py").read_text()
    assert '"""Fill titles' in source
    assert "connection = op.get_bind()" in source
    assert run("migrate").output == "Applied shop_0001_initial\nApplied shop_0002_fill_titles\n"


@pytest.mark.parametrize(
    "args",
    [
        ["makemigrations", "blog"],
        ["migrate", "blog"],
        ["showmigrations", "blog"],
        ["sqlmigrate", "blog", "0001"],
    ],
)
def test_an_unknown_app_label_lists_the_labels(project: Path, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "No installed app has the label 'blog'. Installed apps: shop." in result.output


def test_failures_are_reported_without_a_traceback(project: Path) -> None:
    run("makemigrations")
    unknown = run("sqlmigrate", "shop", "0009")
    assert unknown.exit_code == 1
    assert "App 'shop' has no migration '0009'" in unknown.output
    target = run("migrate", "shop", "0009")
    assert target.exit_code == 1
    assert target.output.startswith("Error: App 'shop' has no migration '0009'")
    empty = run("makemigrations", "--empty")
    assert (empty.exit_code, empty.output) == (0, "Created shopapp/migrations/shop_0002_data.py\n")
    database = run("migrate", "--database", "replica")
    assert database.exit_code == 2
    assert "No database 'replica'" in database.output
    sql_database = run("sqlmigrate", "shop", "0001", "--database", "replica")
    assert sql_database.exit_code == 2
    assert "No database 'replica'" in sql_database.output


@pytest.mark.parametrize("name", ["makemigrations", "migrate", "showmigrations", "sqlmigrate"])
def test_help_texts(name: str) -> None:
    result = run(name, "--help")
    assert result.exit_code == 0
    assert f"Usage: cli {name} [OPTIONS]" in result.output


def test_the_rename_question() -> None:
    @click.command()
    def ask() -> None:
        click.echo(ask_rename("shop_item", "title", "name"))

    answered = CliRunner().invoke(ask, input="y\n")
    assert "Was shop_item.title renamed to shop_item.name? [y/N]: y\nTrue" in answered.output
    assert CliRunner().invoke(ask, input="\n").output.endswith("False\n")
