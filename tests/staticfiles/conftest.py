"""Fixtures for static files: a project folder with two source folders, and builders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bastion.http.request import Request
from bastion.http.response import Response
from bastion.settings import Settings, StaticConfig
from bastion.staticfiles import StaticFiles


def write(path: Path, content: str | bytes) -> Path:
    """Write ``content`` at ``path``, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def body_of(response: Response) -> bytes:
    """The whole body of a (possibly streamed) response, closing it."""
    try:
        return b"".join(response.iter_body())
    finally:
        response.close()


@pytest.fixture(name="write")
def write_fixture() -> Callable[[Path, str | bytes], Path]:
    """The :func:`write` helper."""
    return write


@pytest.fixture(name="body_of")
def body_of_fixture() -> Callable[[Response], bytes]:
    """The :func:`body_of` helper."""
    return body_of


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    """A project: ``static/`` (project files) and ``app/static/`` (an app's files)."""
    write(tmp_path / "static" / "css" / "site.css", "body { color: red }")
    write(tmp_path / "static" / "both.txt", "from project")
    write(tmp_path / "app" / "static" / "both.txt", "from app")
    write(tmp_path / "app" / "static" / "js" / "app.js", "console.log(1)")
    return tmp_path


@pytest.fixture
def source_dirs(base_dir: Path) -> list[Path]:
    """The source folders in search order: the project's, then the app's."""
    return [base_dir / "static", base_dir / "app" / "static"]


@pytest.fixture
def make_static(base_dir: Path, source_dirs: list[Path]) -> Callable[..., StaticFiles]:
    """Build ``StaticFiles`` for the project; keywords go to ``StaticConfig``."""

    def make(
        *, debug: bool = True, sources: list[Path] | None = None, **config: Any
    ) -> StaticFiles:
        settings = Settings(DEBUG=debug, BASE_DIR=str(base_dir), STATIC=StaticConfig(**config))
        return StaticFiles(settings, source_dirs=source_dirs if sources is None else sources)

    return make


@pytest.fixture
def make_request() -> Callable[..., Request]:
    """Build a request for a path."""

    def make(path: str, method: str = "GET") -> Request:
        return Request(settings=Settings(DEBUG=True), method=method, path=path)

    return make
