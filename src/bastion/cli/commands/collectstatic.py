"""``bastion collectstatic``: copy every static file into ``STATIC.root`` for the web server.

The copying, hashing and manifest are :meth:`bastion.staticfiles.StaticFiles.collect`'s work;
this command asks before writing (the destination may be a shared folder) and reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bastion.cli.discovery import ProjectContext, pass_project

if TYPE_CHECKING:
    from bastion.staticfiles import CollectResult

__all__ = ["collectstatic_command", "confirmation", "summary"]


def confirmation(root: object, *, clear: bool) -> str:
    """The question asked before collecting into ``root``.

    Args:
        root: the destination folder.
        clear: whether the destination is emptied first (the question says so).
    """
    action = (
        "This will DELETE every file in it, then copy the static files there."
        if clear
        else "This will overwrite existing files with the same names."
    )
    return f"Static files will be collected into {root}.\n{action}\nContinue?"


def summary(result: CollectResult) -> str:
    """What was done, in a few lines: counts, then any skipped path."""
    copied = f"{result.copied} static file{'s' if result.copied != 1 else ''} copied"
    lines = [f"{copied} to {result.root}, {result.unchanged} unchanged."]
    lines.extend(f"Skipped {path}" for path in result.skipped)
    return "\n".join(lines)


@click.command("collectstatic")
@click.option("--clear", is_flag=True, help="Delete the destination's files first.")
@click.option("--noinput", "--no-input", "noinput", is_flag=True, help="Do not ask to confirm.")
@pass_project
def collectstatic_command(project: ProjectContext, clear: bool, noinput: bool) -> None:
    """Copy static files into STATIC.root.

    Each file gets a content-hashed copy, listed in the manifest. Run it on every
    deployment; nginx (or any web server) then serves STATIC.root.
    """
    static = project.load_app().static
    if not noinput:
        click.confirm(confirmation(static.root, clear=clear), abort=True)
    click.echo(summary(static.collect(clear=clear)))
