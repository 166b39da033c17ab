"""The ``database`` backend on real databases: rows written, read, expired, cycled, deleted."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from scratchdb import VENDORS, scratch_database, tables_on

from bastion.db import Databases
from bastion.sessions import DatabaseSessionStore, store_from_settings
from bastion.sessions.models import Session
from bastion.testing import Client

from .conftest import AppFactory, Clock, settings_for


@pytest.fixture(scope="module", params=VENDORS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A scratch database of each kind for this module (dropped afterwards)."""
    with scratch_database(request.param, tmp_path_factory, "sessions") as url:
        yield url


@pytest.fixture
def dbs(database_url: str) -> Iterator[Databases]:
    """The scratch database, activated, with an empty session table."""
    with tables_on(database_url, [Session._meta.table]) as databases:
        yield databases


@pytest.fixture
def client(dbs: Databases, database_url: str, make_app: AppFactory, clock: Clock) -> Client:
    # The application serves requests on its own databases: point it at the scratch one.
    return Client(make_app("database", extra={"DATABASE_URL": database_url}))


def put(client: Client, query: str) -> str:
    """Set session keys through the app; return the session's id (known once it is saved)."""
    client.get(f"/put?{query}")
    key: str = client.get("/show").json()["key"]
    return key


def only_row() -> Session:
    rows = list(Session.objects.all())
    assert len(rows) == 1
    return rows[0]


def test_store_from_settings_builds_the_database_store() -> None:
    assert isinstance(store_from_settings(settings_for("database")), DatabaseSessionStore)


def test_round_trip_keeps_data_in_a_row(client: Client, clock: Clock) -> None:
    key = put(client, "name=Zoë&n=1")
    row = only_row()
    assert row.session_key == key
    assert "Zoë" in row.session_data
    assert key not in row.session_data
    assert row.expire_date.timestamp() == clock.now + 14 * 24 * 3600  # the idle timeout
    assert key not in repr(row)  # the id is a credential: never in reprs or logs
    assert client.get("/show").json() == {"data": {"name": "Zoë", "n": "1"}, "key": key}


def test_saving_again_updates_the_same_row(client: Client, clock: Clock) -> None:
    key = put(client, "a=1")
    clock.advance(3600)
    client.get("/put?b=2")
    row = only_row()
    assert row.session_key == key
    assert row.expire_date.timestamp() == clock.now + 14 * 24 * 3600


def test_cycle_key_deletes_the_old_row(client: Client) -> None:
    old = put(client, "user=7")
    cycled = client.get("/cycle").json()
    assert cycled["old"] == old
    assert cycled["new"] != old
    assert only_row().session_key == cycled["new"]
    assert client.get("/show").json()["data"] == {"user": "7"}


def test_flush_deletes_the_row(client: Client) -> None:
    client.get("/put?user=7")
    client.get("/flush")
    assert not Session.objects.exists()


def test_expired_row_is_never_loaded(client: Client) -> None:
    client.get("/put?user=7")
    Session.objects.update(expire_date=only_row().expire_date - timedelta(days=15))
    assert client.get("/show").json() == {"data": {}, "key": None}


def test_clear_expired_deletes_only_expired_rows(client: Client, clock: Clock) -> None:
    client.get("/put?user=7")
    client.clear_cookies()
    clock.advance(10 * 24 * 3600)
    fresh = put(client, "user=8")
    clock.advance(5 * 24 * 3600)  # the first session is past its idle timeout, not the second
    store = store_from_settings(settings_for("database"))
    assert isinstance(store, DatabaseSessionStore)
    assert store.clear_expired() == 1
    assert only_row().session_key == fresh


def test_malformed_row_starts_a_new_session(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    client.get("/put?user=7")
    Session.objects.update(session_data='{"v": 1, "d": "not a dict"}')
    with caplog.at_level(logging.WARNING):
        assert client.get("/show").json() == {"data": {}, "key": None}
    assert "SessionTampered" in caplog.text


def test_unreachable_database_reads_as_empty_and_refuses_changes(
    dbs: Databases, database_url: str, make_app: AppFactory, clock: Clock
) -> None:
    healthy = make_app("database", extra={"DATABASE_URL": database_url})
    down = make_app("database", extra={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"})
    client = Client(healthy, raise_server_exceptions=False)
    put(client, "user=7")
    client.app = down  # the same browser, while the database is unreachable
    assert client.get("/show").json() == {"data": {}, "key": None}  # nobody is let in
    assert client.get("/put?a=1").status_code == 500  # the change is not lost silently
    client.app = healthy
    assert client.get("/show").json()["data"] == {"user": "7"}  # back when it returns
