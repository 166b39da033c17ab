"""Installable apps: a package that brings routes, templates, static files and commands.

An app is declared with an :class:`App` object (in the app package's ``__init__.py``) and
handed to :class:`bastion.Bastion` as an object, never as a dotted string.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bastion.exceptions import ImproperlyConfigured

__all__ = ["App"]

_LABEL = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class App:
    """One installable app.

    Args:
        package: the app's import name (``__name__`` of its ``__init__.py``); its
            ``templates/`` and ``static/`` folders are found beside it.
        label: a short unique name (default: the last part of ``package``); it is the URL
            namespace of the app's routes.
        routes: the app's routes, mounted at ``prefix``.
        prefix: where the routes are mounted (``""`` for the site root).
        commands: click commands added to the ``bastion`` CLI.
    """

    package: str
    label: str = ""
    routes: Sequence[Any] = ()
    prefix: str = ""
    commands: Sequence[Any] = ()
    path: Path = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        label = self.label or self.package.rpartition(".")[2]
        if not _LABEL.fullmatch(label):
            raise ImproperlyConfigured(
                f"App label {label!r} must be a lower-case Python identifier."
            )
        object.__setattr__(self, "label", label)
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise ImproperlyConfigured(f"App package {self.package!r} cannot be imported.")
        object.__setattr__(self, "path", Path(next(iter(spec.submodule_search_locations))))
        object.__setattr__(self, "routes", tuple(self.routes))
        object.__setattr__(self, "commands", tuple(self.commands))

    @property
    def templates_dir(self) -> Path | None:
        """The app's ``templates/`` folder, when it has one."""
        path = self.path / "templates"
        return path if path.is_dir() else None

    @property
    def static_dir(self) -> Path | None:
        """The app's ``static/`` folder, when it has one."""
        path = self.path / "static"
        return path if path.is_dir() else None
