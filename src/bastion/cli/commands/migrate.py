"""``bastion migrate``: apply the apps' migrations to a database, or move one app to a target."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from bastion.cli.discovery import ProjectContext, pass_project

if TYPE_CHECKING:
    from bastion.app import Bastion
    from bastion.db.engine import Databases
    from bastion.db.migrations import MigrationStep

__all__ = ["format_steps", "migrate_command", "migration_errors", "project_databases"]


def _databases_of(app: Bastion) -> Databases:
    """The project's databases: the application's own, else built from ``DATABASE_URL``.

    The one place the migration commands get their databases from.
    """
    from bastion.db.engine import Databases

    own = getattr(app, "databases", None)
    if isinstance(own, Databases):
        return own
    return Databases({"default": app.settings.DATABASE_URL})


@contextmanager
def project_databases(app: Bastion) -> Iterator[Databases]:
    """The databases of :func:`_databases_of`, closed afterwards unless the app owns them."""
    databases = _databases_of(app)
    try:
        yield databases
    finally:
        if databases is getattr(app, "databases", None):
            databases.release()
        else:
            databases.close()


def _has_auth_tables(databases: Databases, alias: str) -> bool:
    """Whether the auth app's tables exist (``migrate auth zero`` removes them)."""
    import sqlalchemy as sa

    return sa.inspect(databases.engine(alias)).has_table("auth_permission")


def migration_errors(error: Exception) -> click.ClickException:
    """A migration error as the CLI reports it: an unknown app label is a usage error (2)."""
    from bastion.db.migrations import UnknownAppError

    if isinstance(error, UnknownAppError):
        return click.BadParameter(str(error), param_hint="APP")
    return click.ClickException(str(error))


def format_steps(steps: list[MigrationStep]) -> str:
    """One line per migration applied or unapplied (``(fake)`` when only recorded)."""
    if not steps:
        return "No migrations to apply."
    verbs = {"apply": "Applied", "unapply": "Unapplied"}
    return "\n".join(
        f"{verbs[step.action]} {step.revision}{' (fake)' if step.faked else ''}" for step in steps
    )


@click.command("migrate")
@click.argument("app_label", metavar="[APP]", required=False)
@click.argument("target", metavar="[TARGET]", required=False)
@click.option("--fake", is_flag=True, help="Record the migrations as applied without running them.")
@click.option(
    "--database",
    "alias",
    default="default",
    show_default=True,
    metavar="ALIAS",
    help="The database to migrate.",
)
@pass_project
def migrate_command(
    project: ProjectContext, app_label: str | None, target: str | None, fake: bool, alias: str
) -> None:
    """Apply migrations: all apps to their latest, or APP to TARGET.

    TARGET is a migration of APP (its id, or its number such as 0002); one lower than the
    applied one unapplies the later ones, and "zero" unapplies all of APP's migrations.
    """
    # The migration machinery (Alembic, SQLAlchemy) loads only when a command needs it.
    from bastion.db.migrations import MigrationError, load_models, migrate

    app = project.load_app()
    load_models(app.apps)
    try:
        with project_databases(app) as databases:
            steps = migrate(databases, app.apps, app_label, target, fake=fake, alias=alias)
            if any(installed.label == "auth" for installed in app.apps) and _has_auth_tables(
                databases, alias
            ):
                # Every model gets its add/change/delete/view permissions once its table exists.
                from bastion.auth.permissions import sync_permissions

                with databases.activate():
                    sync_permissions()
    except MigrationError as exc:
        raise migration_errors(exc) from exc
    click.echo(format_steps(steps))
