"""``bastion createsuperuser`` in-process on a throwaway project with the auth app installed.

The project lives in ``tmp_path`` (``susite/wsgi.py`` builds the application with
``auth_app``) on a scratch database of each kind; ``bastion migrate`` creates the tables
first, as a real deployment does.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from scratchdb import VENDORS, scratch_database

from bastion.auth.models import AuditEvent, User
from bastion.cli import cli
from bastion.cli.commands.createsuperuser import PASSWORD_ENV
from bastion.db import Databases

KEY = "t3st-K3y_" + "s8Wm2Zr5Xn7Lp4Vb9Kd1" * 3
GOOD = "violet-Harbour-53-quietly"
WSGI = """
    from bastion.app import Bastion
    from bastion.auth.apps import auth_app
    from bastion.settings import Settings

    settings = Settings(DEBUG=True, SECRET_KEY={key!r}, BASE_DIR={base!r}, DATABASE_URL={url!r})
    application = Bastion(settings, apps=[auth_app])
"""


@pytest.fixture(scope="module", params=VENDORS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with scratch_database(request.param, tmp_path_factory, "su") as url:
        yield url


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> Iterator[Databases]:
    """The project folder as the current directory; yields its database (empty afterwards)."""
    root = tmp_path / "project"
    (root / "susite").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.bastion]\napp = "susite.wsgi:application"\n')
    (root / "susite" / "__init__.py").write_text("")
    wsgi = textwrap.dedent(WSGI).format(key=KEY, base=str(root), url=database_url)
    (root / "susite" / "wsgi.py").write_text(wsgi)
    for name in [k for k in os.environ if k.startswith("BASTION_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(root)
    path, modules = list(sys.path), set(sys.modules)
    dbs = Databases({"default": database_url})
    try:
        yield dbs
    finally:
        run("migrate", "auth", "zero")
        module = sys.modules.get("susite.wsgi")
        application = getattr(module, "application", None)
        if application is not None:
            application.close()
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            if name.startswith("susite"):
                del sys.modules[name]
        dbs.close()


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def users(dbs: Databases) -> list[tuple[str, bool, bool]]:
    with dbs.activate():
        rows = [(u.email, u.is_staff, u.is_superuser) for u in User.objects.all()]
        dbs.release()
    return rows


def test_prompts_without_echo_and_creates_a_superuser(project: Databases) -> None:
    assert run("migrate").exit_code == 0
    result = run("createsuperuser", stdin=f"Root@Example.COM\n{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "Superuser created: Root@example.com" in result.output
    assert GOOD not in result.output  # the password is never echoed
    assert users(project) == [("Root@example.com", True, True)]
    with project.activate():
        user = User.objects.get()
        assert user.check_password(GOOD)
        assert [e.kind for e in AuditEvent.objects.all()] == ["user.superuser_created"]
        project.release()


def test_weak_and_mismatched_passwords_are_asked_again(project: Databases) -> None:
    run("migrate")
    stdin = f"password\npassword\n{GOOD}\nsomething else\n{GOOD}\n{GOOD}\n"
    result = run("createsuperuser", "--email", "a@example.com", stdin=stdin)
    assert result.exit_code == 0, result.output
    assert "Error:" in result.output  # the validators' messages, then the prompt again
    assert "do not match" in result.output.lower() or "don't match" in result.output.lower()
    assert users(project) == [("a@example.com", True, True)]


def test_noinput_reads_the_password_from_the_environment(
    project: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("migrate")
    assert run("createsuperuser", "--noinput").exit_code == 2  # --email is required
    missing = run("createsuperuser", "--noinput", "--email", "b@example.com")
    assert missing.exit_code == 1
    assert PASSWORD_ENV in missing.output
    monkeypatch.setenv(PASSWORD_ENV, "123456")
    weak = run("createsuperuser", "--noinput", "--email", "b@example.com")
    assert weak.exit_code == 1
    assert "123456" not in weak.output
    monkeypatch.setenv(PASSWORD_ENV, GOOD)
    made = run("createsuperuser", "--noinput", "--email", "b@example.com", "--username", "bee")
    assert made.exit_code == 0, made.output
    assert users(project) == [("b@example.com", True, True)]
    again = run("createsuperuser", "--noinput", "--email", "B@EXAMPLE.com")
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_before_migrate_it_says_what_to_do(project: Databases) -> None:
    result = run("createsuperuser", "--email", "c@example.com", stdin=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 1
    assert "bastion migrate" in result.output


def test_migrate_creates_the_permissions_of_every_model(project: Databases) -> None:
    from bastion.auth.models import Permission

    assert run("migrate").exit_code == 0
    with project.activate():
        codenames = set(
            Permission.objects.filter(content_type="auth.group").values_list("codename", flat=True)
        )
        project.release()
    assert codenames == {"add_group", "change_group", "delete_group", "view_group"}
    assert run("migrate").exit_code == 0  # syncing again adds nothing twice
    with project.activate():
        assert Permission.objects.filter(content_type="auth.group").count() == 4
        project.release()
