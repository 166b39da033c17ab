"""Fixtures for the template engine: a template folder, an engine over it, a request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bastion.http.request import Request
from bastion.settings import Settings, TemplateConfig
from bastion.templating import TemplateEngine


def fake_reverse(name: str, /, **params: Any) -> str:
    """A stand-in for ``Bastion.reverse``: ``blog:detail, slug=x`` → ``/blog/detail/x``."""
    tail = "".join(f"/{value}" for value in params.values())
    return "/" + name.replace(":", "/") + tail


def fake_static(path: str) -> str:
    """A stand-in for ``StaticFiles.url``."""
    return f"/static/{path}"


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    """An empty template folder."""
    folder = tmp_path / "templates"
    folder.mkdir()
    return folder


@pytest.fixture
def write_template(templates_dir: Path) -> Callable[[str, str], Path]:
    """Write a template (creating sub-folders) into ``templates_dir``."""

    def write(name: str, source: str) -> Path:
        path = templates_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        return path

    return write


@pytest.fixture
def make_engine(templates_dir: Path) -> Callable[..., TemplateEngine]:
    """Build an engine over ``templates_dir`` (or other folders) with fake url/static."""

    def make(
        settings: Settings | None = None,
        *,
        search_dirs: Sequence[Path] | None = None,
        **templates: Any,
    ) -> TemplateEngine:
        if settings is None:
            settings = Settings(TEMPLATES=TemplateConfig(**templates))
        return TemplateEngine(
            settings,
            search_dirs=[templates_dir] if search_dirs is None else search_dirs,
            url=fake_reverse,
            static=fake_static,
        )

    return make


@pytest.fixture
def engine(make_engine: Callable[..., TemplateEngine]) -> TemplateEngine:
    """An engine over ``templates_dir`` with production settings."""
    return make_engine()


@pytest.fixture
def make_request(engine: TemplateEngine) -> Callable[..., Request]:
    """Build a request whose application renders with ``engine``."""

    def make(**kwargs: Any) -> Request:
        kwargs.setdefault("settings", Settings())
        kwargs.setdefault("app", SimpleNamespace(templates=engine))
        return Request(**kwargs)

    return make
