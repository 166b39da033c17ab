"""``bastion unlock`` against a throwaway project whose lockouts live in Redis.

The command runs in-process (``CliRunner``) but builds its own application from the
project, as it would on a server: the lock it clears is only visible to it through the
shared cache, the same way a web worker's lock reaches an administrator's terminal.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from login_support import cheap_hashers, unique_prefix
from services import require_service

from bastion import Bastion
from bastion.auth.lockout import Lockout, LockoutPolicy
from bastion.auth.models import AuditEvent, User
from bastion.cli import cli
from bastion.http.request import Request

KEY = "t3st-K3y_" + "u8Wm2Zr5Xn7Lp4Vb9Kd1" * 3
WSGI = """
    from bastion.app import Bastion
    from bastion.auth.apps import auth_app
    from bastion.settings import CacheConfig, Settings

    settings = Settings(
        SECRET_KEY={key!r},
        ALLOWED_HOSTS=["testserver"],
        BASE_DIR={base!r},
        DATABASE_URL="sqlite:///db.sqlite3",
        CACHE_URL="redis://127.0.0.1:6379/6",
        CACHE=CacheConfig(key_prefix={prefix!r}),
    )
    application = Bastion(settings, apps=[auth_app])
"""
CLIENT = "203.0.113.9"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bastion]:
    """The project as the current directory, migrated; yields its application."""
    require_service("Redis", "127.0.0.1", 6379)
    root = tmp_path / "project"
    (root / "unlocksite").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.bastion]\napp = "unlocksite.wsgi:application"\n')
    (root / "unlocksite" / "__init__.py").write_text("")
    wsgi = textwrap.dedent(WSGI).format(key=KEY, base=str(root), prefix=unique_prefix())
    (root / "unlocksite" / "wsgi.py").write_text(wsgi)
    for name in [k for k in os.environ if k.startswith("BASTION_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(root)
    path, modules = list(sys.path), set(sys.modules)
    migrated = run("migrate")
    assert migrated.exit_code == 0, migrated.output
    application: Bastion = sys.modules["unlocksite.wsgi"].application
    try:
        yield application
    finally:
        application.cache.clear()
        application.close()
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            if name.startswith("unlocksite"):
                del sys.modules[name]


def locked_out(app: Bastion) -> Lockout:
    """Ann's account locked and the client blocked, as failed logins would leave them."""
    lockout = Lockout(app.cache, LockoutPolicy(max_failures=1, client_max_failures=1))
    request = Request(settings=app.settings, client_addr=CLIENT, app=app)
    with app.databases.activate(), cheap_hashers():
        User.objects.create_user("ann@example.com", "violet-Harbour-53-quietly")
        assert lockout.register_failure(request, "ann@example.com")
        lockout.register_failure(request, "ann@example.com")
        app.databases.release()
    assert lockout.is_locked("ann@example.com")
    assert lockout.client_retry_after(request) is not None
    return lockout


def test_unlock_clears_the_account_and_the_client_and_is_audited(project: Bastion) -> None:
    lockout = locked_out(project)
    result = run("unlock", "ANN@example.com", "--client", CLIENT)
    assert result.exit_code == 0, result.output
    assert f"Unlocked ANN@example.com. Throttle lifted for {CLIENT}." in result.output
    assert not lockout.is_locked("ann@example.com")
    request = Request(settings=project.settings, client_addr=CLIENT, app=project)
    assert lockout.client_retry_after(request) is None
    with project.databases.activate():
        event = AuditEvent.objects.get(kind="login.unlocked")
        assert event.detail["by"] == "cli"
        assert event.user is not None
        assert event.user.email == "ann@example.com"
        project.databases.release()


def test_without_client_the_throttle_stays(project: Bastion) -> None:
    lockout = locked_out(project)
    assert run("unlock", "ann@example.com").exit_code == 0
    assert not lockout.is_locked("ann@example.com")
    request = Request(settings=project.settings, client_addr=CLIENT, app=project)
    assert lockout.client_retry_after(request) is not None


@pytest.mark.parametrize("address", ["203.0.113", "evil.example", "::g"])
def test_a_client_that_is_no_address_is_a_usage_error(project: Bastion, address: str) -> None:
    result = run("unlock", "ann@example.com", "--client", address)
    assert result.exit_code == 2
    assert "is not an IP address" in result.output
