"""A site factory for the generic view tests: an application on a scratch SQLite file.

The application serves requests on its own databases (``DATABASE_URL``), as in production;
the ``Note`` table is created in it, and tests seed rows through ``site.databases``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bastion import Bastion
from bastion.db import models as orm
from bastion.settings import Settings, TemplateConfig
from bastion.testing import Client

HERE = Path(__file__).resolve().parent
KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"


def _load_models() -> ModuleType:
    """``tests/views/models.py``, imported once as ``viewtests_models`` (no test packages)."""
    module = sys.modules.get("viewtests_models")
    if module is None:
        spec = importlib.util.spec_from_file_location("viewtests_models", HERE / "models.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["viewtests_models"] = module
        spec.loader.exec_module(module)
    return module


_load_models()


class Site:
    """An application, its test client, and a way to seed rows."""

    def __init__(self, app: Bastion) -> None:
        self.app = app
        self.client = Client(app)

    def notes(self, *titles: str, owner: str = "ann") -> list[Any]:
        """Create one note per title (slug derived from the title)."""
        from viewtests_models import Note

        with self.app.databases.activate():
            return [
                Note.objects.create(owner=owner, title=t, slug=t.lower().replace(" ", "-"))
                for t in titles
            ]

    def query(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` with the application's databases active."""
        with self.app.databases.activate():
            return fn()


SiteFactory = Callable[[Sequence[Any], Mapping[str, str]], Site]


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator[SiteFactory]:
    """Build a site from routes and ``{template name: source}``; closed after the test."""
    from viewtests_models import Note

    built: list[Bastion] = []

    def factory(routes: Sequence[Any], templates: Mapping[str, str]) -> Site:
        folder = tmp_path / "templates"
        for name, source in templates.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(source)
        folder.mkdir(exist_ok=True)
        settings = Settings(
            SECRET_KEY=KEY,
            ALLOWED_HOSTS=["testserver"],
            BASE_DIR=str(tmp_path),
            DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
            TEMPLATES=TemplateConfig(dirs=(str(folder),)),
        )
        app = Bastion(settings, routes=routes)
        built.append(app)
        orm.registry.metadata.create_all(app.databases.engine(), tables=[Note._meta.table])
        return Site(app)

    yield factory
    for app in built:
        app.close()
