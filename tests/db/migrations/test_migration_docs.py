"""docs/migrations.md covers every migration command, option and function as they are."""

from __future__ import annotations

import inspect
from pathlib import Path

import click
import pytest

from bastion.cli import cli
from bastion.db import migrations

DOC = Path(__file__).resolve().parents[3] / "docs" / "migrations.md"
COMMANDS = ["makemigrations", "migrate", "showmigrations", "sqlmigrate"]
FUNCTIONS = [
    "make_migrations",
    "migrate",
    "show_migrations",
    "sql_migrate",
    "pending_changes",
    "migration_now",
]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_and_option_is_documented(name: str) -> None:
    text = DOC.read_text()
    command = cli.commands[name]
    assert f"## `bastion {name}" in text
    for param in command.params:
        if isinstance(param, click.Option):
            assert any(f"{opt}" in text for opt in param.opts), (name, param.opts)


def _shown(func: object) -> str:
    """A signature as the page writes it: names, defaults, ``*``; no annotations."""
    parts: list[str] = []
    star = False
    for param in inspect.signature(func).parameters.values():  # type: ignore[arg-type]
        if param.kind is param.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        text = param.name
        if param.default is not param.empty:
            default = param.default
            value = getattr(default, "__name__", None) if callable(default) else None
            text += "=" + (value or repr(default).replace("'", '"'))
        parts.append(text)
    return f"{getattr(func, '__name__', '')}({', '.join(parts)})"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_signatures_match_the_page(name: str) -> None:
    assert f"`{_shown(getattr(migrations, name))}`" in DOC.read_text()


def test_naming_convention_table_matches_the_code() -> None:
    text = DOC.read_text()
    assert set(migrations.NAMING_CONVENTION) == {"pk", "ix", "uq", "fk"}
    for name in ("pk_<table>", "ix_<table>_<column>", "uq_<table>_<column>", "fk_<table>_"):
        assert name in text
    assert f"`{migrations.VERSION_TABLE}`" in text
