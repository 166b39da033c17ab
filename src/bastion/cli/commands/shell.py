"""``bastion shell``: an interactive Python session with the project's application loaded."""

from __future__ import annotations

import code
import importlib
import sys
from typing import TYPE_CHECKING, Any

import click

from bastion.cli.discovery import ProjectContext, pass_project

if TYPE_CHECKING:
    from bastion.app import Bastion

__all__ = ["INTERFACES", "namespace", "run_command", "run_python", "shell_command", "start_ipython"]

INTERFACES = ("auto", "ipython", "python")
BANNER = "Bastion shell. Names: app (the application), settings (its settings)."


def namespace(app: Bastion) -> dict[str, Any]:
    """The names a shell session starts with."""
    return {"app": app, "settings": app.settings}


def start_ipython(names: dict[str, Any]) -> bool:
    """Start IPython with ``names``; return False when IPython is not installed."""
    try:
        ipython = importlib.import_module("IPython")
    except ImportError:
        return False
    ipython.start_ipython(argv=[], user_ns=names, display_banner=False)
    return True


def _enable_completion(names: dict[str, Any]) -> None:
    """Tab completion for the plain interpreter, where readline exists."""
    try:
        import readline
        import rlcompleter
    except ImportError:  # pragma: no cover - readline is missing on some platforms only
        return
    readline.set_completer(rlcompleter.Completer(names).complete)
    readline.parse_and_bind("tab: complete")


class _CommandInterpreter(code.InteractiveInterpreter):
    """Runs one ``-c`` command and remembers whether it failed, for the exit status."""

    failed = False

    def showtraceback(self) -> None:
        """Print the traceback and remember the failure."""
        self.failed = True
        super().showtraceback()

    def showsyntaxerror(self, filename: str | None = None, **kwargs: Any) -> None:
        """Print the syntax error and remember the failure."""
        self.failed = True
        super().showsyntaxerror(filename, **kwargs)


def run_command(names: dict[str, Any], command: str) -> bool:
    """Run ``command`` with ``names`` as its globals; return whether it succeeded.

    ``command`` is code the user typed on their own command line, so it runs with exactly
    the trust of the interactive session it replaces. Errors print their traceback.

    Args:
        names: the globals the code sees (``app``, ``settings``).
        command: Python source, one or more statements.
    """
    interpreter = _CommandInterpreter(names)
    if interpreter.runsource(command, "<bastion shell -c>", "exec"):
        click.echo("Error: the command is incomplete (an unclosed block or bracket).", err=True)
        return False
    return not interpreter.failed


def run_python(names: dict[str, Any]) -> None:
    """Run the standard interactive interpreter with ``names``."""
    if sys.stdin.isatty():
        _enable_completion(names)
    code.interact(banner=BANNER, local=names, exitmsg="")


@click.command("shell")
@click.option(
    "-i",
    "--interface",
    type=click.Choice(INTERFACES),
    default="auto",
    show_default=True,
    help="auto uses IPython when it is installed, else the standard interpreter.",
)
@click.option("-c", "--command", help="Run this code instead of an interactive session.")
@pass_project
def shell_command(project: ProjectContext, interface: str, command: str | None) -> None:
    """Open a Python shell with `app` and `settings` defined."""
    names = namespace(project.load_app())
    if command is None and interface != "python":
        if start_ipython(names):
            return
        if interface == "ipython":
            raise click.ClickException("IPython is not installed (pip install ipython).")
    if command is None:
        run_python(names)
    elif not run_command(names, command):
        raise SystemExit(1)
