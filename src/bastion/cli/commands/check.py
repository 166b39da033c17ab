"""``bastion check``: run the system checks and fail when something serious is found."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bastion.checks import LEVELS, CheckMessage, run_checks
from bastion.cli.discovery import ProjectContext, pass_project

if TYPE_CHECKING:
    from bastion.app import Bastion

__all__ = ["check_command", "format_report", "run"]


def run(app: Bastion, *, deploy: bool, fail_level: str) -> tuple[list[CheckMessage], bool]:
    """Run the checks; return the messages and whether any is at or above ``fail_level``.

    Args:
        app: the application to check.
        deploy: also run the production checks.
        fail_level: the level (``WARNING``, ``ERROR``...) from which a message fails the run.
    """
    messages = run_checks(app, deploy=deploy)
    return messages, any(message.is_serious(fail_level) for message in messages)


def format_report(messages: list[CheckMessage]) -> str:
    """The text ``bastion check`` prints: one block per message, then a summary line."""
    if not messages:
        return "System check identified no issues."
    lines = [str(message) for message in messages]
    count = len(messages)
    lines.append(f"System check identified {count} issue{'s' if count != 1 else ''}.")
    return "\n".join(lines)


@click.command("check")
@click.option("--deploy", is_flag=True, help="Also run the production (deployment) checks.")
@click.option(
    "--fail-level",
    type=click.Choice(list(LEVELS), case_sensitive=False),
    default="ERROR",
    show_default=True,
    help="Exit with status 1 when a message is at or above this level.",
)
@pass_project
def check_command(project: ProjectContext, deploy: bool, fail_level: str) -> None:
    """Check the project's configuration.

    Each message has a stable ID (see docs/checks.md). Exits with status 1 when a message
    reaches --fail-level.
    """
    messages, failed = run(project.load_app(), deploy=deploy, fail_level=fail_level)
    click.echo(format_report(messages), err=failed)
    if failed:
        raise SystemExit(1)
