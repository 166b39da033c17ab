"""The ``Session`` object itself: a lazy mutable mapping with an id, used without an app."""

from __future__ import annotations

import gc

import pytest

from bastion.http.request import Request
from bastion.security.signing import Signer
from bastion.sessions import MemorySessionStore, Session
from bastion.settings import SessionConfig, Settings

SETTINGS = Settings(SECRET_KEY="k" * 50)
CONFIG = SessionConfig(backend="memory")


class CountingStore(MemorySessionStore):
    """A memory store that counts loads (to prove the session is lazy)."""

    def __init__(self) -> None:
        super().__init__(Signer("k" * 50, salt="bastion.sessions.id"))
        self.loads = 0

    def load(self, request: Request, cookie: str):  # type: ignore[no-untyped-def]
        self.loads += 1
        return super().load(request, cookie)


def make_request(cookie: str | None = None) -> Request:
    headers = {"cookie": cookie} if cookie else {}
    return Request(settings=SETTINGS, scheme="https", headers=headers)


def stored_session(store: CountingStore, **data: object) -> tuple[Session, Request]:
    """A session saved in ``store``, reopened on a new request with its cookie."""
    first = Session(store, make_request(), CONFIG)
    first.update(data)
    change = first.commit()
    assert change is not None
    assert change.value is not None
    request = make_request(f"__Host-session={change.value}")
    return Session(store, request, CONFIG), request


def test_session_is_lazy_until_used() -> None:
    store = CountingStore()
    session, _request = stored_session(store, a=1)
    assert store.loads == 0
    assert not session.accessed
    assert repr(session) == "<Session (not loaded)>"
    assert session.commit() is None  # never loaded: nothing to do
    assert session["a"] == 1
    assert store.loads == 1
    assert session.accessed
    session.get("a")
    assert store.loads == 1


def test_session_mapping_methods() -> None:
    session, _request = stored_session(CountingStore(), a=1, b=2)
    assert len(session) == 2
    assert sorted(session) == ["a", "b"]
    assert "a" in session
    assert 1 not in session
    assert session.get("missing", "default") == "default"
    assert session.setdefault("c", 3) == 3
    assert session.pop("b") == 2
    assert session.pop("missing", None) is None
    assert dict(session) == {"a": 1, "c": 3}
    assert session == {"a": 1, "c": 3}
    assert session.modified
    assert repr(session) == "<Session keys=['a', 'c'] modified>"
    del session["a"]
    with pytest.raises(KeyError):
        session["a"]
    assert not session.is_empty


def test_session_reading_does_not_mark_modified() -> None:
    session, _request = stored_session(CountingStore(), a=1)
    assert session["a"] == 1
    assert list(session.items()) == [("a", 1)]
    assert not session.modified
    assert repr(session) == "<Session keys=['a']>"


def test_session_keys_must_be_strings() -> None:
    session = Session(CountingStore(), make_request(), CONFIG)
    with pytest.raises(TypeError, match="Session keys are strings, got 1"):
        session[1] = "x"  # type: ignore[index]


def test_session_key_is_long_and_random() -> None:
    store = CountingStore()
    first, _r1 = stored_session(store, a=1)
    second, _r2 = stored_session(store, a=1)
    assert first.session_key is not None
    assert len(first.session_key) >= 43  # 256 bits in urlsafe base64
    assert first.session_key != second.session_key


def test_session_commit_twice_saves_once() -> None:
    session = Session(CountingStore(), make_request(), CONFIG)
    session["a"] = 1
    assert session.commit() is not None
    assert session.commit() is None


def test_session_closed_can_be_read_but_not_changed() -> None:
    session, _request = stored_session(CountingStore(), a=1)
    session.get("a")
    session.close()
    assert session["a"] == 1
    for change in (
        lambda: session.__setitem__("b", 2),
        lambda: session.__delitem__("a"),
        session.clear,
        session.cycle_key,
        session.flush,
    ):
        with pytest.raises(RuntimeError, match="after the session layer had finished"):
            change()
    assert dict(session) == {"a": 1}


def test_session_closed_before_use_cannot_load() -> None:
    session = Session(CountingStore(), make_request(), CONFIG)
    session.close()
    with pytest.raises(RuntimeError, match="Move that code inside the session layer"):
        session.get("a")


def test_session_close_breaks_the_reference_cycle() -> None:
    request = make_request()
    session = Session(CountingStore(), request, CONFIG)
    request.session = session  # type: ignore[attr-defined]
    session.close()
    gc.collect()
    gc.disable()
    try:
        del request, session  # freed by reference counting alone, no collector needed
        assert gc.collect() == 0
    finally:
        gc.enable()
