"""Databases: engines per alias, one connection per thread, routers, activation."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from bastion.db import Databases, atomic, databases, models
from bastion.db import engine as engine_module
from bastion.db.exceptions import OperationalError
from bastion.exceptions import ImproperlyConfigured


class Gadget(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "enginetests"


class ReplicaRouter:
    """Reads from "replica", writes to "default"."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return "replica"

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return None


@pytest.fixture
def two_databases(tmp_path: Path) -> Any:
    dbs = Databases(
        {"default": f"sqlite:///{tmp_path}/primary.db", "replica": f"sqlite:///{tmp_path}/r.db"},
        routers=[ReplicaRouter()],
    )
    for alias in ("default", "replica"):
        Gadget._meta.table.create(dbs.engine(alias))
    with dbs.activate():
        yield dbs
    dbs.close()


def test_default_alias_is_required() -> None:
    with pytest.raises(ImproperlyConfigured, match='"default"'):
        Databases({"other": "sqlite:///:memory:"})


def test_unknown_alias_names_the_configured_ones() -> None:
    dbs = Databases({"default": "sqlite:///:memory:"})
    with pytest.raises(ImproperlyConfigured, match=r"No database 'nope'.*\['default'\]"):
        dbs.engine("nope")


def test_routers_send_reads_to_the_replica_and_writes_to_the_primary(two_databases: Any) -> None:
    Gadget.objects.create(name="written")
    assert Gadget.objects.count() == 0  # the replica has not seen it
    assert Gadget.objects.using("default").count() == 1
    with atomic("replica"):
        Gadget.objects.using("replica").create(name="copied")
    assert [g.name for g in Gadget.objects.all()] == ["copied"]
    assert two_databases.db_for_write(Gadget) == "default"


def test_each_thread_has_its_own_connection(two_databases: Any) -> None:
    mine = two_databases.connection()
    theirs: list[Any] = []
    worker = threading.Thread(target=lambda: theirs.append(two_databases.connection()))
    worker.start()
    worker.join()
    assert theirs[0] is not mine
    assert two_databases.connection() is mine


def test_release_returns_the_driver_connection_to_the_pool(two_databases: Any) -> None:
    conn = two_databases.connection()
    Gadget.objects.using("default").count()
    assert conn._raw is not None
    two_databases.release()
    assert conn._raw is None
    assert Gadget.objects.using("default").count() == 0  # checked out again on demand


def test_release_rolls_back_an_abandoned_transaction(two_databases: Any) -> None:
    block = atomic()
    block.__enter__()
    Gadget.objects.create(name="never committed")
    two_databases.release()
    assert Gadget.objects.using("default").count() == 0


def test_activate_wins_over_the_installed_databases(tmp_path: Path) -> None:
    installed = Databases({"default": "sqlite:///:memory:"})
    active = Databases({"default": "sqlite:///:memory:"})
    previous = list(engine_module._installed)
    try:
        installed.install()
        assert databases() is installed
        with active.activate():
            assert databases() is active
        assert databases() is installed
        installed.uninstall()
        with pytest.raises(ImproperlyConfigured, match="build the Bastion application first"):
            databases()
    finally:
        engine_module._installed[:] = previous


def test_unreachable_server_is_an_operational_error() -> None:
    dbs = Databases({"default": "postgresql://nobody@127.0.0.1:1/none"})
    with dbs.activate(), pytest.raises(OperationalError, match="Cannot connect"):
        Gadget.objects.count()
    dbs.close()


def test_vendor_names_the_database_family() -> None:
    assert Databases({"default": "sqlite:///:memory:"}).vendor() == "sqlite"
