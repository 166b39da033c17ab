"""The migration files of a project's apps, read as one Alembic script directory.

Each app keeps its migrations in ``<app package>/migrations/`` as one Alembic branch labelled
with the app label. Alembic is given all those folders as ``version_locations`` of one
``ScriptDirectory``, so a migration of one app can depend on another app's (a foreign key
into a table of that app) and Alembic orders the two. Which app a revision belongs to is
decided by the folder its file is in, never by parsing its id.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from bastion.apps import App
from bastion.db.migrations.errors import MigrationError, UnknownAppError

__all__ = [
    "DirectoryFor",
    "MigrationScripts",
    "Revision",
    "alembic_config",
    "as_apps",
    "load_models",
    "migrations_dir",
    "select_apps",
]

DirectoryFor = Callable[[App], Path]
"""Where an app's migration files live (tests and unusual layouts pass their own)."""

ENVIRONMENT_DIR = Path(__file__).resolve().parent
"""Alembic's "script location": the folder of this package, which holds ``env.py``."""


def migrations_dir(app: App) -> Path:
    """``<app package>/migrations``: the default home of an app's migration files."""
    return app.path / "migrations"


def as_apps(apps: App | Sequence[App]) -> tuple[App, ...]:
    """One app or several, as a tuple (the API accepts both)."""
    return (apps,) if isinstance(apps, App) else tuple(apps)


def select_apps(apps: Sequence[App], app_label: str | None) -> tuple[App, ...]:
    """All ``apps``, or the one labelled ``app_label``.

    Raises:
        UnknownAppError: no app has that label.
    """
    if app_label is None:
        return tuple(apps)
    chosen = tuple(app for app in apps if app.label == app_label)
    if not chosen:
        raise UnknownAppError(app_label, [app.label for app in apps])
    return chosen


def load_models(apps: Sequence[App]) -> None:
    """Import each app's ``models`` module, which registers its tables.

    The application does this at setup; doing it again here is free (modules import once)
    and keeps the migration commands right even for an app the application has not loaded.
    """
    for app in apps:
        name = f"{app.package}.models"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def _escape(value: str) -> str:
    """Alembic options go through ``configparser`` interpolation, where ``%`` is special."""
    return value.replace("%", "%%")


def alembic_config(directories: Sequence[Path], **attributes: Any) -> Config:
    """An Alembic ``Config`` built in code: no ``alembic.ini``, Bastion's ``env.py``.

    Args:
        directories: the version folders of every app (missing ones are skipped by Alembic).
        attributes: what ``env.py`` reads from ``config.attributes`` (the connection...).
    """
    config = Config()
    config.set_main_option("script_location", _escape(str(ENVIRONMENT_DIR)))
    config.set_main_option("path_separator", "os")
    locations = os.pathsep.join(str(path) for path in directories)
    if locations:
        config.set_main_option("version_locations", _escape(locations))
    config.attributes.update(attributes)
    return config


@contextmanager
def alembic_errors(action: str) -> Iterator[None]:
    """Re-raise Alembic's ``CommandError`` as a :class:`MigrationError` saying what failed."""
    try:
        yield
    except CommandError as exc:
        raise MigrationError(f"Cannot {action}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Revision:
    """One migration file.

    Attributes:
        app_label: the app whose folder holds the file.
        revision: the revision id (``shop_0002_add_price``).
        down_revisions: the revisions of the same branch it follows (two for a merge).
        depends_on: revisions of other apps it needs first.
        message: the first line of its docstring.
        path: the file.
    """

    app_label: str
    revision: str
    down_revisions: tuple[str, ...]
    depends_on: tuple[str, ...]
    message: str
    path: Path


class MigrationScripts:
    """The migration files of a set of apps, loaded once, with per-app questions answered.

    Args:
        apps: every installed app (a migration may depend on any of them).
        directory_for: where an app's files live (default :func:`migrations_dir`).

    Raises:
        MigrationError: a file cannot be loaded, or two apps share a folder.
    """

    def __init__(self, apps: Sequence[App], directory_for: DirectoryFor = migrations_dir) -> None:
        self.apps = tuple(apps)
        self.directories = {app.label: directory_for(app).resolve() for app in self.apps}
        owners: dict[Path, str] = {}
        for label, directory in self.directories.items():
            if directory in owners:
                raise MigrationError(
                    f"Apps {owners[directory]!r} and {label!r} share the migrations folder "
                    f"{directory}; each app needs its own."
                )
            owners[directory] = label
        self.config = alembic_config(list(self.directories.values()))
        self.script = ScriptDirectory.from_config(self.config)
        scripts = _load(self.script)
        scripts.reverse()  # walk_revisions goes from the heads down; keep base first
        self._revisions: dict[str, Revision] = {}
        for script in scripts:
            owner = owners.get(Path(script.path).resolve().parent)
            if owner is not None:  # Alembic only reads the folders it was given
                self._revisions[script.revision] = _revision_of(owner, script)

    def label_of(self, revision: str) -> str:
        """The app a revision belongs to.

        Raises:
            MigrationError: no migration file has that id.
        """
        try:
            return self._revisions[revision].app_label
        except KeyError:
            raise MigrationError(f"No migration file has the revision {revision!r}.") from None

    def get(self, revision: str) -> Revision:
        """The migration file of ``revision`` (see :meth:`label_of` for the error)."""
        self.label_of(revision)
        return self._revisions[revision]

    def ordered(self) -> list[Revision]:
        """Every migration of every app, each after all those it follows or depends on."""
        return list(self._revisions.values())

    def revision_in_traceback(self, exc: BaseException) -> str | None:
        """The migration whose code raised ``exc`` (the innermost file in its traceback)."""
        files = {str(rev.path.resolve()): rev.revision for rev in self.ordered()}
        found = None
        traceback = exc.__traceback__
        while traceback is not None:
            filename = str(Path(traceback.tb_frame.f_code.co_filename).resolve())
            found = files.get(filename, found)
            traceback = traceback.tb_next
        return found

    def revisions(self, app_label: str) -> list[Revision]:
        """An app's migrations, each after the ones it follows."""
        return [rev for rev in self._revisions.values() if rev.app_label == app_label]

    def heads(self, app_label: str) -> tuple[str, ...]:
        """The app's latest revisions, sorted: one, or several until two lines of work merge."""
        own = self.revisions(app_label)
        followed = {down for rev in own for down in rev.down_revisions}
        return tuple(sorted(rev.revision for rev in own if rev.revision not in followed))

    def applied(self, heads: Sequence[str]) -> set[str]:
        """Every revision that the database's version rows ``heads`` imply are applied.

        Raises:
            MigrationError: a recorded revision has no file (it was deleted or renamed).
        """
        applied: set[str] = set()
        for head in heads:
            with alembic_errors(f"find the recorded revision {head!r}"):
                applied.update(
                    script.revision for script in self.script.iterate_revisions(head, "base")
                )
        return applied

    def resolve(self, app_label: str, name: str) -> str:
        """The full id of an app's revision named by id, by number (``0002``) or by prefix.

        Raises:
            MigrationError: nothing, or more than one revision, matches.
        """
        own = [rev.revision for rev in self.revisions(app_label)]
        if name in own:
            return name
        candidates = [rev for rev in own if rev.startswith((name, f"{app_label}_{name}"))]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            listing = ", ".join(own) if own else "none"
            raise MigrationError(
                f"App {app_label!r} has no migration {name!r} (its migrations: {listing})."
            )
        raise MigrationError(
            f"{name!r} matches several migrations of {app_label!r}: {', '.join(candidates)}."
        )


def _load(script: ScriptDirectory) -> list[Script]:
    """Every migration file, heads first; what Alembic only warns about is an error here.

    A file naming a ``down_revision`` that no file has, or two files with one revision id,
    are warnings to Alembic and errors later; they are reported at once instead, as is a
    file that does not import.
    """
    try:
        with warnings.catch_warnings():
            # "Revision x referenced from y is not present", "... is present more than once"
            warnings.filterwarnings("error", message="Revision ", category=UserWarning)
            return list(script.walk_revisions())
    except (CommandError, UserWarning) as exc:
        raise MigrationError(f"Cannot load the migration files: {exc}") from exc
    except Exception as exc:  # a migration file that fails to import
        raise MigrationError(
            f"Cannot load the migration files: {type(exc).__name__}: {exc}"
        ) from exc


def _revision_of(app_label: str, script: Script) -> Revision:
    down = script.down_revision
    downs = (down,) if isinstance(down, str) else tuple(down or ())
    depends = script.dependencies
    deps = (depends,) if isinstance(depends, str) else tuple(depends or ())
    return Revision(
        app_label=app_label,
        revision=script.revision,
        down_revisions=downs,
        depends_on=deps,
        message=script.doc,
        path=Path(script.path),
    )
