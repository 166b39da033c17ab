"""``bastion startproject``: create a new project that runs at once and is ready to deploy.

The files come from :mod:`bastion.cli.project_template`. Names ending in ``-tpl`` are filled
in with :class:`string.Template` (``$project_name``, ``$secret_key``) and lose the suffix
(so the template's Python files are never imported or linted as code); other files are copied
byte for byte, since Jinja templates and CSS have their own ``{{ }}`` and ``$``. A folder called
``project_name`` takes the project's name.

Nothing is overwritten: every destination is checked before the first file is written.
"""

from __future__ import annotations

import importlib.util
import keyword
import os
import re
import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import click

from bastion.cli.commands.secretkey import generate_secret_key

__all__ = [
    "RESERVED_NAMES",
    "PlannedFile",
    "create_project",
    "name_problem",
    "plan_project",
    "startproject_command",
]

RESERVED_NAMES = frozenset({"bastion", "home", "static", "templates", "staticfiles", "tests"})
"""Names a project cannot take: the framework's, or a folder the new project already has."""
_MODULE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_RENAMES = {"gitignore": ".gitignore"}
_TEMPLATE_SUFFIX = "-tpl"
_PLACEHOLDER_DIR = "project_name"
INSECURE_PREFIX = "insecure-"
"""Marks the generated key as development-only: Bastion refuses it when DEBUG is off."""


def name_problem(name: str) -> str | None:
    """Say why ``name`` cannot name a project (it becomes a Python package), or return None."""
    if not _MODULE_NAME.fullmatch(name) or keyword.iskeyword(name):
        return (
            f"{name!r} is not a valid project name: use lower-case letters, digits and "
            "underscores, not starting with a digit (it becomes a Python package)."
        )
    if name in RESERVED_NAMES:
        return f"{name!r} is reserved in a Bastion project; choose another name."
    if name in sys.stdlib_module_names:
        return f"{name!r} is the name of a standard library module; choose another name."
    try:
        taken = importlib.util.find_spec(name) is not None
    except ValueError:  # a loaded module without a spec, such as __main__
        taken = True
    if taken:
        return f"{name!r} is already an installed module; choose another name."
    return None


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """One file of the new project.

    Attributes:
        destination: where it is written.
        source: the template file.
        render: whether ``$`` placeholders are filled in (``-tpl`` files).
    """

    destination: Path
    source: Traversable
    render: bool


def _walk(
    folder: Traversable, parts: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Traversable]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            yield from _walk(entry, (*parts, entry.name))
        else:
            yield (*parts, entry.name), entry


def plan_project(name: str, target: Path) -> list[PlannedFile]:
    """Every file :func:`create_project` would write for project ``name`` into ``target``.

    Args:
        name: the project's package name (replaces the ``project_name`` folder).
        target: the project folder.
    """
    planned = []
    for parts, source in _walk(files("bastion.cli").joinpath("project_template")):
        *folders, filename = parts
        render = filename.endswith(_TEMPLATE_SUFFIX)
        filename = filename.removesuffix(_TEMPLATE_SUFFIX)
        filename = _RENAMES.get(filename, filename)
        folders = [name if folder == _PLACEHOLDER_DIR else folder for folder in folders]
        planned.append(PlannedFile(target.joinpath(*folders, filename), source, render))
    return planned


def create_project(name: str, target: Path, *, secret_key: str | None = None) -> list[Path]:
    """Create project ``name`` in ``target`` (created if needed) and return the files written.

    Args:
        name: the project's package name.
        target: the project folder; it may exist, but none of the files may.
        secret_key: the development key's random part (default: a new random key).

    Raises:
        click.BadParameter: ``name`` is not usable (see :func:`name_problem`).
        click.ClickException: a file already exists, or ``target`` is a file.
    """
    problem = name_problem(name)
    if problem:
        raise click.BadParameter(problem, param_hint="NAME")
    if target.exists() and not target.is_dir():
        raise click.ClickException(f"{target} exists and is not a directory.")
    planned = plan_project(name, target)
    existing = [str(item.destination) for item in planned if item.destination.exists()]
    if existing:
        raise click.ClickException(
            "Refusing to overwrite existing files:\n  " + "\n  ".join(existing)
        )
    values = {
        "project_name": name,
        "secret_key": INSECURE_PREFIX + (secret_key or generate_secret_key()),
    }
    for item in planned:
        data = item.source.read_bytes()
        if item.render:
            data = string.Template(data.decode("utf-8")).substitute(values).encode("utf-8")
        item.destination.parent.mkdir(parents=True, exist_ok=True)
        # "x": fail rather than overwrite a file created since the check above.
        with item.destination.open("xb") as out:
            out.write(data)
    return [item.destination for item in planned]


def _shown(path: Path) -> str:
    """``path`` relative to the current directory when it is inside it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


@click.command("startproject")
@click.argument("name")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def startproject_command(name: str, directory: Path | None) -> None:
    """Create project NAME in DIRECTORY (default: ./NAME).

    The project runs at once with `bastion runserver`, and with `gunicorn NAME.wsgi:application`
    once the production environment variables are set (see its settings.py).
    """
    target = directory if directory is not None else Path(name)
    create_project(name, target)
    shown = _shown(target)
    click.echo(f"Created project {name} in {shown}.")
    click.echo("Next:")
    if shown != ".":
        click.echo(f"  cd {shown}")
    click.echo("  bastion runserver")
