"""bastion.E003 and bastion.W015: relations to missing models, models without migrations."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bastion import App, Bastion
from bastion.checks import run_checks
from bastion.db.migrations import make_migrations
from bastion.settings import Settings

KEY = "d8Kq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"

MODELS = """
    from bastion.db import models

    class Crate(models.Model):
        label = models.CharField(max_length=40)
"""


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An importable app package ``crates`` in tmp_path (models written by each test)."""
    root = tmp_path / "crates"
    root.mkdir()
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [n for n in sys.modules if n == "crates" or n.startswith("crates.")]:
        del sys.modules[name]


def build(tmp_path: Path) -> Bastion:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["example.com"], BASE_DIR=str(tmp_path))
    return Bastion(settings, apps=[App("crates")])


def ids(app: Bastion) -> list[str]:
    return [message.id for message in run_checks(app)]


def test_w015_until_the_models_have_a_migration(package: Path, tmp_path: Path) -> None:
    (package / "models.py").write_text(textwrap.dedent(MODELS))
    app = build(tmp_path)
    try:
        messages = [m for m in run_checks(app) if m.id == "bastion.W015"]
        assert len(messages) == 1
        assert "crates" in messages[0].message
        assert "bastion makemigrations crates" in messages[0].hint
        written = make_migrations(list(app.apps), app_label="crates")
        assert [p.parent.name for p in written] == ["migrations"]
        assert "bastion.W015" not in ids(app)
    finally:
        app.close()


def test_e003_names_a_relation_to_a_model_nobody_defines(package: Path, tmp_path: Path) -> None:
    (package / "models.py").write_text(
        textwrap.dedent(
            """
            from bastion.db import models

            class Label(models.Model):
                box = models.ForeignKey("crates.Box", on_delete=models.CASCADE)
            """
        )
    )
    app = build(tmp_path)
    try:
        messages = [m for m in run_checks(app) if m.id == "bastion.E003"]
        assert [m.level for m in messages] == ["ERROR"]
        assert "crates.box" in messages[0].message
    finally:
        app.close()


def test_projects_without_apps_skip_the_migration_check(tmp_path: Path) -> None:
    app = Bastion(Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["example.com"]))
    try:
        assert "bastion.W015" not in ids(app)
    finally:
        app.close()


def test_makemigrations_refuses_models_with_undefined_relations(
    package: Path, tmp_path: Path
) -> None:
    """Such a model has no table yet; comparing would read it as deleted and drop the table."""
    from bastion.db.migrations import MigrationError

    (package / "models.py").write_text(
        textwrap.dedent(
            """
            from bastion.db import models

            class Sticker(models.Model):
                owner = models.ForeignKey("elsewhere.Owner", on_delete=models.CASCADE)
            """
        )
    )
    app = build(tmp_path)
    try:
        with pytest.raises(MigrationError, match=r"elsewhere\.owner.*no migration was written"):
            make_migrations(list(app.apps), app_label="crates")
        assert not (package / "migrations").exists()
    finally:
        app.close()


def test_w016_account_mail_to_the_console_in_production(tmp_path: Path) -> None:
    from bastion.auth import auth_app

    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["example.com"], BASE_DIR=str(tmp_path))
    app = Bastion(settings, apps=[auth_app])
    try:
        deploy = [m for m in run_checks(app, deploy=True) if m.id == "bastion.W016"]
        assert len(deploy) == 1
        assert "console://" in deploy[0].message
        assert "bastion.W016" not in ids(app)  # development: the console is the point
    finally:
        app.close()
    smtp = Bastion(settings.replace(EMAIL_URL="smtps://mail.example.com"), apps=[auth_app])
    try:
        assert "bastion.W016" not in [m.id for m in run_checks(smtp, deploy=True)]
    finally:
        smtp.close()
