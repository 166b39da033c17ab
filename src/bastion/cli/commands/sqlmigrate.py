"""``bastion sqlmigrate``: print the SQL one migration runs, without running it."""

from __future__ import annotations

import click

from bastion.cli.commands.migrate import migration_errors, project_databases
from bastion.cli.discovery import ProjectContext, pass_project

__all__ = ["sqlmigrate_command"]


@click.command("sqlmigrate")
@click.argument("app_label", metavar="APP")
@click.argument("revision")
@click.option(
    "--database",
    "alias",
    default="default",
    show_default=True,
    metavar="ALIAS",
    help="Write the SQL of this database's kind (PostgreSQL, MariaDB, SQLite).",
)
@click.option("--backwards", is_flag=True, help="The SQL that unapplies the migration.")
@pass_project
def sqlmigrate_command(
    project: ProjectContext, app_label: str, revision: str, alias: str, backwards: bool
) -> None:
    """Print the SQL of APP's migration REVISION (its id or its number, such as 0002)."""
    from bastion.db.migrations import MigrationError, sql_migrate
    from bastion.db.urls import vendor_of

    app = project.load_app()
    with project_databases(app) as databases:
        urls = dict(databases.urls)
    if alias not in urls:
        raise click.BadParameter(
            f"No database {alias!r}; configured: {', '.join(sorted(urls))}.",
            param_hint="--database",
        )
    try:
        sql = sql_migrate(
            app.apps, revision, vendor_of(urls[alias]), app_label=app_label, backwards=backwards
        )
    except MigrationError as exc:
        raise migration_errors(exc) from exc
    click.echo(sql.rstrip("\n"))
