"""The ``bastion`` command: project tools on top of a discovered application.

Built-in commands live one per module in :mod:`bastion.cli.commands`; each is a thin click
wrapper over a plain function. Installed apps add theirs through ``App(commands=[...])``:
they are looked up lazily, only when a name is not built in or when help is listed, so
``bastion --help`` and ``bastion startproject`` work outside any project.

Exit statuses come from exception classes: 0 success, 1 a command's own failure (a check
above the fail level, an aborted prompt), 2 a usage error, an application that cannot be
found, or :class:`~bastion.exceptions.ImproperlyConfigured` (its message on stderr, no
traceback).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from bastion.cli.commands import BUILTIN_COMMANDS
from bastion.cli.commands.createsuperuser import createsuperuser_command
from bastion.cli.commands.makemigrations import makemigrations_command
from bastion.cli.commands.migrate import migrate_command
from bastion.cli.commands.showmigrations import showmigrations_command
from bastion.cli.commands.sqlmigrate import sqlmigrate_command
from bastion.cli.commands.unlock import unlock_command
from bastion.cli.discovery import DiscoveryError, ProjectContext, pass_project
from bastion.exceptions import ImproperlyConfigured

__all__ = ["BastionGroup", "ConfigurationError", "ProjectContext", "cli", "main", "pass_project"]

_APP_ERROR = "bastion.app_error"


class ConfigurationError(click.ClickException):
    """:class:`ImproperlyConfigured` as the CLI reports it: the message alone, exit status 2."""

    exit_code = 2


class BastionGroup(click.Group):
    """A click group whose commands are the built-in ones plus those of the installed apps.

    App commands are found by loading the application, which is done only when needed: for a
    name that is not built in, and for help listings (where a failure to load is shown as a
    note, never as an error).
    """

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Create the context with a fresh :class:`ProjectContext` unless one was given."""
        extra.setdefault("obj", ProjectContext())
        return super().make_context(info_name, args, parent, **extra)

    def _app_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        """The installed apps' commands by name (first app wins), loading the app once.

        Raises:
            DiscoveryError, ImproperlyConfigured: the application cannot be loaded.
        """
        project = ctx.ensure_object(ProjectContext)
        commands: dict[str, click.Command] = {}
        for app in project.load_app().apps:
            for command in app.commands:
                if not isinstance(command, click.Command) or not command.name:
                    raise ImproperlyConfigured(
                        f"App {app.label!r} lists {command!r} in commands; each must be a "
                        "click command (decorated with @click.command())."
                    )
                commands.setdefault(command.name, command)
        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in names, then the apps' when the application loads."""
        names = set(super().list_commands(ctx))
        try:
            names.update(self._app_commands(ctx))
        except DiscoveryError:
            pass  # outside a project: the built-in commands are all there is
        except Exception as exc:  # help must never fail; the note says why
            ctx.meta[_APP_ERROR] = f"{type(exc).__name__}: {exc}"
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A built-in command, else an app's; the built-in wins a name clash."""
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        try:
            return self._app_commands(ctx).get(cmd_name)
        except DiscoveryError as exc:
            if ctx.resilient_parsing:
                return None
            ctx.meta[_APP_ERROR] = exc.format_message()
            return None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Resolve as click does; an unknown name also says why no app commands were found."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            reason = ctx.meta.get(_APP_ERROR)
            if not reason:
                raise
            raise click.UsageError(f"{exc.message} ({reason})", exc.ctx) from None

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Add a note to the help when the application was found but failed to load."""
        super().format_epilog(ctx, formatter)
        reason = ctx.meta.get(_APP_ERROR)
        if reason:
            with formatter.section("Note"):
                formatter.write_text(f"Project commands are unavailable: {reason}")

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, turning a configuration error into a clean exit status 2."""
        try:
            return super().invoke(ctx)
        except ImproperlyConfigured as exc:
            raise ConfigurationError(str(exc)) from exc


def _store_app_option(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(ProjectContext).app_option = value


@click.group(
    cls=BastionGroup,
    commands=[
        *BUILTIN_COMMANDS,
        createsuperuser_command,
        makemigrations_command,
        migrate_command,
        showmigrations_command,
        sqlmigrate_command,
        unlock_command,
    ],
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--app",
    metavar="MODULE:ATTR",
    is_eager=True,
    expose_value=False,
    callback=_store_app_option,
    help="The application, e.g. mysite.wsgi:application "
    "(default: $BASTION_APP, then [tool.bastion] app in ./pyproject.toml).",
)
@click.version_option(package_name="bastion", prog_name="bastion")
def cli() -> None:
    """Bastion: create, check and serve a secure-by-default web project."""


def main(args: Sequence[str] | None = None) -> None:
    """Entry point of the ``bastion`` script."""
    cli.main(args=list(args) if args is not None else None, prog_name="bastion")
