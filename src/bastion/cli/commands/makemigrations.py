"""``bastion makemigrations``: write a migration for each app whose models changed."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bastion.cli.commands.migrate import migration_errors
from bastion.cli.discovery import ProjectContext, pass_project

__all__ = ["ask_rename", "makemigrations_command"]


def ask_rename(table: str, old: str, new: str) -> bool:
    """Ask whether a removed and an added column are one column renamed (keeps its data)."""
    return click.confirm(f"Was {table}.{old} renamed to {table}.{new}?", default=False)


@click.command("makemigrations")
@click.argument("app_label", metavar="[APP]", required=False)
@click.option("--empty", is_flag=True, help="Write an empty migration to fill in (data migration).")
@click.option("-m", "--message", help="What the migration does (it also names the file).")
@pass_project
def makemigrations_command(
    project: ProjectContext, app_label: str | None, empty: bool, message: str | None
) -> None:
    """Write a migration for each app (or APP) whose models differ from its migrations.

    In a terminal, a column removed and another of the same type added are offered as a
    rename, which keeps the column's data.
    """
    from bastion.db.migrations import MigrationError, load_models, make_migrations

    app = project.load_app()
    load_models(app.apps)
    interactive = sys.stdin is not None and sys.stdin.isatty()
    try:
        paths = make_migrations(
            app.apps,
            app_label=app_label,
            message=message,
            empty=empty,
            rename=ask_rename if interactive else None,
        )
    except MigrationError as exc:
        raise migration_errors(exc) from exc
    if not paths:
        scope = f" in app {app_label!r}" if app_label else ""
        click.echo(f"No changes detected{scope}.")
        return
    for path in paths:
        click.echo(f"Created {_shown(path, project.project_dir)}")


def _shown(path: Path, root: Path) -> str:
    """``path`` relative to the project when it is inside it."""
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
