"""A project's own user model (``AUTH_USER_MODEL``), end to end, on each database.

The choice of user model is made once per process (models are classes), so the project in
``custom_user_project/`` runs in processes of its own: one writes its migrations as
``bastion makemigrations`` would, the next migrates a scratch database and uses it. Its user
has UUID keys and logs in by username; its ``shop`` app points at ``"auth.User"``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scratchdb import VENDORS, scratch_database

PROJECT = Path(__file__).parent / "custom_user_project"
USER_TABLES = (
    "auth_auditevent",
    "auth_userobjectpermission",
    "auth_totpdevice",
    "auth_recoverycode",
    "auth_webauthncredential",
)


def run(project: Path, action: str, url: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(  # our own interpreter and script
        [sys.executable, str(project / "scenario.py"), action, url],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with its migrations written (they do not depend on the database)."""
    target = tmp_path_factory.mktemp("custom_user") / "project"
    shutil.copytree(PROJECT, target, ignore=shutil.ignore_patterns("__pycache__"))
    made = run(target, "make", f"sqlite:///{target / 'unused.sqlite3'}")
    made["project"] = target
    return made  # type: ignore[return-value]


@pytest.fixture(scope="module", params=VENDORS)
def used(
    request: pytest.FixtureRequest,
    project: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    with scratch_database(request.param, tmp_path_factory, "customuser") as url:
        yield run(project["project"], "use", url)


def test_makemigrations_orders_the_user_table_between_the_auth_migrations(
    project: dict[str, Any],
) -> None:
    assert project["written"] == ["accounts_0001_initial.py", "shop_0001_initial.py"]
    # The user's roles need auth_group/auth_permission (auth 0001) but not the auth head,
    # whose migration for the swapped user waits for this one: depending on it would cycle.
    assert project["depends"]["accounts_0001_initial.py"] == "('auth_0001_initial',)"
    assert project["depends"]["shop_0001_initial.py"] == "('accounts_0001_initial',)"


def test_the_stock_user_table_is_not_created(used: dict[str, Any]) -> None:
    assert used["model"] == "accounts.User"
    assert "auth_user" not in used["tables"]
    assert "auth_user_groups" not in used["tables"]
    assert {"accounts_user", "accounts_user_groups", "accounts_user_user_permissions"} <= set(
        used["tables"]
    )
    assert used["applied"].index("accounts_0001_initial") < used["applied"].index(
        "auth_0004_swapped_user"
    )


def test_every_key_to_the_user_points_at_the_projects_table(used: dict[str, Any]) -> None:
    assert used["foreign_keys"] == {
        table: ["accounts_user"] for table in [*USER_TABLES, "shop_order"]
    }


def test_models_and_migrations_agree(used: dict[str, Any]) -> None:
    assert used["pending"] == []


def test_permissions_relations_and_mfa_work_with_uuid_keys(used: dict[str, Any]) -> None:
    assert used["bob_sees"] == ["tea"]  # the grant on ann's order; owning one is no grant
    assert used["bob_may_view_mine"] is True
    assert used["ann_orders"] == ["tea"]
    assert used["devices"] == 1
    assert used["grants"] == 1


def test_login_by_username(used: dict[str, Any]) -> None:
    assert used["login_label"] is True
    assert used["login_status"] == 303
    assert used["whoami"] == {"authenticated": True, "name": "bob"}
    assert "login.succeeded" in used["audit_kinds"]


def test_the_stock_model_says_what_replaced_it(used: dict[str, Any]) -> None:
    assert "'auth.User' has been swapped for 'accounts.User'" in used["stock_manager"]


def test_a_second_choice_in_one_process_is_refused(used: dict[str, Any]) -> None:
    assert "AUTH_USER_MODEL is already 'accounts.User'" in used["second_choice"]


def test_password_reset_by_mail_with_uuid_keys(used: dict[str, Any]) -> None:
    assert used["reset"] == {"asked": 303, "done": 303, "login": 303}


def test_createsuperuser_asks_for_the_login_field(used: dict[str, Any]) -> None:
    assert used["superuser_fields"] == {"username": "root"}


def test_a_model_that_is_no_user_is_refused_at_start(project: dict[str, Any]) -> None:
    found = run(project["project"], "wrong", "sqlite://")
    assert "does not subclass bastion.auth.models.AbstractUser" in found["error"]
