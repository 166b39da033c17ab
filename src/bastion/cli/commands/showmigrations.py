"""``bastion showmigrations``: every migration of each app and whether it is applied."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bastion.cli.commands.migrate import migration_errors, project_databases
from bastion.cli.discovery import ProjectContext, pass_project

if TYPE_CHECKING:
    from bastion.db.migrations import MigrationStatus

__all__ = ["format_statuses", "showmigrations_command"]


def format_statuses(statuses: list[MigrationStatus], labels: list[str]) -> str:
    """Each app's label, then ``[X]`` (applied) or ``[ ]`` and each migration's id."""
    lines: list[str] = []
    for label in labels:
        lines.append(label)
        own = [status for status in statuses if status.app_label == label]
        if not own:
            lines.append(" (no migrations)")
        for status in own:
            mark = "X" if status.applied else " "
            lines.append(f" [{mark}] {status.revision}")
    return "\n".join(lines)


@click.command("showmigrations")
@click.argument("app_label", metavar="[APP]", required=False)
@click.option(
    "--database",
    "alias",
    default="default",
    show_default=True,
    metavar="ALIAS",
    help="The database to report on.",
)
@pass_project
def showmigrations_command(project: ProjectContext, app_label: str | None, alias: str) -> None:
    """List the migrations of each app (or APP), marking those the database has applied."""
    from bastion.db.migrations import MigrationError, show_migrations

    app = project.load_app()
    try:
        with project_databases(app) as databases:
            statuses = show_migrations(databases, app.apps, app_label, alias=alias)
    except MigrationError as exc:
        raise migration_errors(exc) from exc
    labels = [a.label for a in app.apps if app_label is None or a.label == app_label]
    click.echo(format_statuses(statuses, labels))
