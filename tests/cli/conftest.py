"""Fixtures for the CLI tests: a click runner, throwaway projects, and clean global state.

Projects are real packages written to ``tmp_path`` and imported, so every test that imports
one restores ``sys.path`` and ``sys.modules`` afterwards (two tests may both create a
``mysite``), and the ``bastion`` logger that ``configure_logging`` touches.
"""

from __future__ import annotations

import logging
import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

KEY = "t3st-K3y_" + "q8Wm2Zr5Xn7Lp4Vb9Kd1" * 3

PROJECT_FILES = {
    "pyproject.toml": """
        [tool.bastion]
        app = "{pkg}.wsgi:application"
    """,
    "{pkg}/__init__.py": "",
    "{pkg}/wsgi.py": """
        from bastion.app import Bastion
        from bastion.http.response import PlainTextResponse
        from bastion.routing import path
        from bastion.settings import Settings

        def hello(request):
            return PlainTextResponse("hello")

        def create_app():
            settings = Settings(
                DEBUG={debug}, SECRET_KEY={key!r}, BASE_DIR={base!r}, ALLOWED_HOSTS={hosts!r}
            )
            return Bastion(settings, routes=[path("", hello, name="hello")])

        application = create_app()
    """,
}


@pytest.fixture(autouse=True)
def restore_globals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Undo what loading projects does to the interpreter and to the ``bastion`` logger."""
    temp = str(tmp_path_factory.getbasetemp())
    path = list(sys.path)
    modules = set(sys.modules)
    logger = logging.getLogger("bastion")
    handlers, level = list(logger.handlers), logger.level
    cwd = Path.cwd()
    yield
    os.chdir(cwd)
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        # Only the projects' modules: unloading framework modules would split class identity.
        location = getattr(sys.modules[name], "__file__", None) or ""
        search = getattr(sys.modules[name], "__path__", None) or []
        if location.startswith(temp) or any(str(p).startswith(temp) for p in search):
            del sys.modules[name]
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write_files(tmp_path: Path) -> Callable[..., Path]:
    """Write ``{relative path: text}`` under ``tmp_path`` (dedented) and return the folder."""

    def write(files: dict[str, str], root: Path | None = None, **values: object) -> Path:
        base = root or tmp_path
        for name, text in files.items():
            target = base / name.format(**values)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text.format(**values)).lstrip())
        return base

    return write


@pytest.fixture
def make_project(write_files: Callable[..., Path], tmp_path: Path) -> Callable[..., Path]:
    """Write a minimal project (one route, ``/``) and move the cwd into it."""

    def make(pkg: str = "clipkg", *, debug: bool = True, hosts: tuple[str, ...] = ()) -> Path:
        root = tmp_path / pkg
        values = {"pkg": pkg, "debug": debug, "key": KEY, "base": str(root), "hosts": hosts}
        write_files(PROJECT_FILES, root, **values)
        os.chdir(root)
        return root

    return make


@pytest.fixture
def project(make_project: Callable[..., Path]) -> Path:
    """A minimal project (package ``clipkg``, DEBUG on); the cwd is its folder."""
    return make_project()
