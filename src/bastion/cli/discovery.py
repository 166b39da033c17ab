"""Find the project's application for the ``bastion`` command.

The application is named as ``module:attr``, looked up in this order:

1. the ``--app`` option of the ``bastion`` group;
2. the ``BASTION_APP`` environment variable;
3. ``app = "..."`` in the ``[tool.bastion]`` table of ``./pyproject.toml`` (written by
   ``bastion startproject``).

``attr`` may be a :class:`~bastion.Bastion` instance or a function taking no arguments that
returns one. The current directory goes on ``sys.path`` first, so a project's modules import
the same way they do under ``gunicorn project.wsgi:application`` started from the project root.
Nothing is guessed beyond this list: a command that runs the wrong application is worse than
one that asks.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from inspect import Parameter
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from bastion.app import Bastion

__all__ = [
    "APP_ENV",
    "NOT_FOUND_HINT",
    "AppRef",
    "DiscoveryError",
    "ProjectContext",
    "find_app_ref",
    "load_app",
    "parse_app_ref",
    "pass_project",
]

APP_ENV = "BASTION_APP"
DEFAULT_ATTR = "application"
NOT_FOUND_HINT = (
    "Run inside a project created by `bastion startproject`, or pass --app mysite.wsgi:application."
)
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


class DiscoveryError(click.ClickException):
    """The application could not be found or loaded; exit status 2, like a usage error."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class AppRef:
    """Where the application lives.

    Attributes:
        module: the dotted module name, ``mysite.wsgi``.
        attr: the name in that module, ``application``.
        source: where the reference was read from, for error messages.
    """

    module: str
    attr: str
    source: str

    def __str__(self) -> str:
        return f"{self.module}:{self.attr}"


def parse_app_ref(value: str, source: str) -> AppRef:
    """Parse ``module:attr`` (``attr`` defaults to ``application``).

    Args:
        value: the reference as written by the user.
        source: where it was written (``--app``, ``BASTION_APP``...), for error messages.

    Returns:
        The parsed reference.

    Raises:
        DiscoveryError: ``value`` is not of that form.
    """
    module, _, attr = value.strip().partition(":")
    attr = attr or DEFAULT_ATTR
    if not _DOTTED.fullmatch(module) or not attr.isidentifier():
        raise DiscoveryError(
            f"{source} names the application {value!r}; expected module:attribute, "
            "such as mysite.wsgi:application."
        )
    return AppRef(module, attr, source)


def _from_pyproject(path: Path) -> str | None:
    """The ``[tool.bastion] app`` value of ``path``, or None when there is none."""
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DiscoveryError(f"{path} is not valid TOML: {exc}") from None
    tool = data.get("tool", {})
    table = tool.get("bastion", {}) if isinstance(tool, dict) else {}
    value = table.get("app") if isinstance(table, dict) else None
    if value is None:
        return None
    if not isinstance(value, str):
        raise DiscoveryError(f"[tool.bastion] app in {path} must be a string, got {value!r}.")
    return value


def find_app_ref(
    option: str | None, *, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> AppRef:
    """Decide which application to use (``--app``, then ``BASTION_APP``, then pyproject.toml).

    Args:
        option: the value of ``--app``, if given.
        environ: where to read ``BASTION_APP`` (default: ``os.environ``).
        cwd: the folder holding ``pyproject.toml`` (default: the current directory).

    Returns:
        The reference found first.

    Raises:
        DiscoveryError: none of the three names an application, or one is malformed.
    """
    if option:
        return parse_app_ref(option, "--app")
    env = os.environ if environ is None else environ
    if env.get(APP_ENV):
        return parse_app_ref(env[APP_ENV], APP_ENV)
    pyproject = (Path.cwd() if cwd is None else cwd) / "pyproject.toml"
    value = _from_pyproject(pyproject)
    if value is not None:
        return parse_app_ref(value, f"[tool.bastion] app in {pyproject}")
    raise DiscoveryError(f"No Bastion application found. {NOT_FOUND_HINT}")


def _put_on_path(directory: Path) -> None:
    entry = str(directory)
    if entry not in sys.path:
        sys.path.insert(0, entry)


def load_app(ref: AppRef, *, cwd: Path | None = None) -> Bastion:
    """Import ``ref`` and return the application, calling it first if it is a factory.

    Args:
        ref: which module and attribute to load.
        cwd: the project folder, put first on ``sys.path`` (default: the current directory).

    Returns:
        The application.

    Raises:
        DiscoveryError: the module does not exist, the name is missing, or it is neither an
            application nor a factory returning one.
        ImproperlyConfigured: the project's settings are refused (raised by the project).
    """
    from bastion.app import Bastion

    _put_on_path(Path.cwd() if cwd is None else cwd)
    try:
        module = importlib.import_module(ref.module)
    except ModuleNotFoundError as exc:
        # Only a missing *project* module is a discovery problem; a module the project
        # itself fails to import is a bug in the project and keeps its traceback.
        if exc.name is None or not (ref.module + ".").startswith(exc.name + "."):
            raise
        raise DiscoveryError(
            f"Cannot import {ref.module!r} (from {ref.source}): there is no module named "
            f"{exc.name!r} here. {NOT_FOUND_HINT}"
        ) from None
    try:
        found = getattr(module, ref.attr)
    except AttributeError:
        raise DiscoveryError(
            f"Module {ref.module!r} has no {ref.attr!r} (from {ref.source})."
        ) from None
    if isinstance(found, Bastion):
        return found
    if callable(found):
        if _needs_arguments(found):
            raise DiscoveryError(
                f"{ref} is a function that needs arguments; point to the application or to a "
                "factory that takes none."
            )
        built = found()
        if isinstance(built, Bastion):
            return built
        raise DiscoveryError(f"{ref}() returned {built!r}, not a Bastion application.")
    raise DiscoveryError(f"{ref} is {found!r}, not a Bastion application or a factory.")


def _needs_arguments(func: Callable[..., object]) -> bool:
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # no signature to read (a builtin): just try the call
        return False
    kinds = (Parameter.POSITIONAL_ONLY, Parameter.POSITIONAL_OR_KEYWORD, Parameter.KEYWORD_ONLY)
    return any(p.default is p.empty and p.kind in kinds for p in parameters)


class ProjectContext:
    """The ``bastion`` command's context object: finds and keeps the application.

    The application is loaded on first use, once, so commands that do not need a project
    (``startproject``, ``secretkey``, ``--help``) work anywhere.

    Args:
        app_option: the value of ``--app``.
        app: an application to use directly (tests, or embedding the CLI).
        cwd: the project directory (default: the current directory).
        environ: the environment to read ``BASTION_APP`` from (default: ``os.environ``).
    """

    def __init__(
        self,
        app_option: str | None = None,
        *,
        app: Bastion | None = None,
        cwd: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.app_option = app_option
        self.cwd = cwd
        self.environ = environ
        self._app = app
        self.loaded_from: AppRef | None = None
        """The reference the application was loaded from (None when it was given)."""

    @property
    def project_dir(self) -> Path:
        """The directory the project lives in (and the reloader watches)."""
        return (Path.cwd() if self.cwd is None else self.cwd).resolve()

    def app_ref(self) -> AppRef:
        """Which application to load (see :func:`find_app_ref`)."""
        return find_app_ref(self.app_option, environ=self.environ, cwd=self.project_dir)

    @property
    def loaded(self) -> bool:
        """Whether the application is already loaded."""
        return self._app is not None

    def load_app(self) -> Bastion:
        """The application, imported on the first call.

        Raises:
            DiscoveryError: no application could be found.
            ImproperlyConfigured: the project's configuration is refused.
        """
        if self._app is None:
            ref = self.app_ref()
            self._app = load_app(ref, cwd=self.project_dir)
            self.loaded_from = ref
        return self._app


pass_project = click.make_pass_decorator(ProjectContext, ensure=True)
"""Hand a command the :class:`ProjectContext` as its first argument."""
