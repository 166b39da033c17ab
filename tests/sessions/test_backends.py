"""The stores on their own: choosing one, the memory store's bounds, the cookie store's size."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.security.signing import Signer
from bastion.sessions import (
    CacheSessionStore,
    DatabaseSessionStore,
    MemorySessionStore,
    SessionRecord,
    SessionTampered,
    SessionTooLarge,
    SignedCookieStore,
    new_session_key,
    store_from_settings,
)
from bastion.sessions.backends import COOKIE_SALT, ID_SALT, MAX_COOKIE_SIZE
from bastion.settings import SessionConfig, Settings

KEY = "backend-test-key-0123456789-abcdefghijklmnopqrstuvwxyz"
REQUEST = Request(settings=Settings(SECRET_KEY=KEY))


def settings(backend: str, **options: Any) -> Settings:
    return Settings(SECRET_KEY=KEY, SESSIONS=SessionConfig(backend=backend, **options))  # type: ignore[arg-type]


def record(**data: Any) -> SessionRecord:
    return SessionRecord(key=new_session_key(), data=data, created=100, activity=200)


@pytest.mark.parametrize(
    ("backend", "kind"),
    [
        ("signed_cookie", SignedCookieStore),
        ("cache", CacheSessionStore),
        ("database", DatabaseSessionStore),
        ("memory", MemorySessionStore),
    ],
)
def test_store_from_settings_picks_backend(backend: str, kind: type) -> None:
    assert isinstance(store_from_settings(settings(backend)), kind)


def test_store_from_settings_needs_secret_key() -> None:
    with pytest.raises(ImproperlyConfigured, match="needs a SECRET_KEY"):
        store_from_settings(Settings())


def test_signed_cookie_store_round_trip() -> None:
    store = SignedCookieStore(Signer(KEY, salt=COOKIE_SALT))
    original = record(cart=[1, 2], name="Zoë")
    value = store.save(REQUEST, original, ttl=60)
    assert value.startswith(("j1.", "z1."))
    assert store.load(REQUEST, value) == original
    store.delete(REQUEST, original.key)  # nothing server-side: a no-op


def test_signed_cookie_store_refuses_oversized_session() -> None:
    store = SignedCookieStore(Signer(KEY, salt=COOKIE_SALT))
    big = record(notes=secrets.token_urlsafe(4000), avatar="x")  # random: does not compress
    with pytest.raises(SessionTooLarge, match=r"over the 3985 bytes browsers keep") as info:
        store.save(REQUEST, big, ttl=60)
    message = str(info.value)
    assert "keys: avatar, notes" in message
    assert "SESSIONS.backend = 'cache'" in message


def test_signed_cookie_store_limit_counts_cookie_name() -> None:
    store = SignedCookieStore(Signer(KEY, salt=COOKIE_SALT), cookie_name="a-much-longer-name")
    assert store._limit == MAX_COOKIE_SIZE - len("__Host-a-much-longer-name=")


def test_signed_cookie_store_compresses_repetitive_data() -> None:
    store = SignedCookieStore(Signer(KEY, salt=COOKIE_SALT))
    value = store.save(REQUEST, record(text="la " * 3000), ttl=60)
    assert value.startswith("z1.")
    assert len(value) < 400


def test_memory_store_expires_entries() -> None:
    store = MemorySessionStore(Signer(KEY, salt=ID_SALT))
    cookie = store.save(REQUEST, record(a=1), ttl=0)
    assert store.load(REQUEST, cookie) is None
    assert len(store) == 0


def test_memory_store_evicts_expired_then_oldest(monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemorySessionStore(Signer(KEY, salt=ID_SALT), max_entries=2)
    expired = store.save(REQUEST, record(a=1), ttl=0)
    first = store.save(REQUEST, record(a=2), ttl=60)
    second = store.save(REQUEST, record(a=3), ttl=60)
    assert len(store) == 2  # the expired entry went first
    third = store.save(REQUEST, record(a=4), ttl=60)
    assert len(store) == 2  # then the oldest
    assert store.load(REQUEST, expired) is None
    assert store.load(REQUEST, first) is None
    assert store.load(REQUEST, second) is not None
    assert store.load(REQUEST, third) is not None


def test_memory_store_keeps_copies_not_objects() -> None:
    store = MemorySessionStore(Signer(KEY, salt=ID_SALT))
    original = record(cart=[1])
    cookie = store.save(REQUEST, original, ttl=60)
    original.data["cart"].append(2)
    loaded = store.load(REQUEST, cookie)
    assert loaded is not None
    assert loaded.data == {"cart": [1]}


def test_server_store_rejects_signed_malformed_id() -> None:
    signer = Signer(KEY, salt=ID_SALT)
    store = MemorySessionStore(signer)
    with pytest.raises(SessionTampered, match="malformed id"):
        store.load(REQUEST, signer.sign("../../etc/passwd"))


@pytest.mark.parametrize(
    "document",
    [
        None,
        "text",
        [1, 2],
        {"v": 2, "d": {}, "c": 1, "a": 1},
        {"v": 1, "d": [], "c": 1, "a": 1},
        {"v": 1, "d": {}, "c": "1", "a": 1},
        {"v": 1, "d": {}, "c": 1, "a": True},
        {"v": 1, "d": {}, "c": -1, "a": 1},
        {"v": 1, "d": {}, "c": 1},
    ],
)
def test_cache_store_rejects_malformed_record(document: Any) -> None:
    class Planted:
        def get(self, key: str) -> Any:
            return document

        def set(self, key: str, value: Any, timeout: int) -> None:
            raise AssertionError("not called")

        def delete(self, key: str) -> bool:
            return False

    signer = Signer(KEY, salt=ID_SALT)
    store = CacheSessionStore(signer, cache=Planted())
    cookie = signer.sign(new_session_key())
    if document is None:
        assert store.load(REQUEST, cookie) is None
    else:
        with pytest.raises(SessionTampered):
            store.load(REQUEST, cookie)
