"""A session behaves like a dict kept between requests, whatever sequence of operations.

Hypothesis drives a browser through random sequences of requests (set, delete, clear,
cycle_key, flush, read) and checks every answer against a plain dict model.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bastion import Bastion, JSONResponse, path
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.settings import SessionConfig, Settings
from bastion.testing import Client

KEY = "stateful-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCD"
NAMES = st.sampled_from(["a", "b", "user", "cart"])
VALUES = st.one_of(
    st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=3), st.none()
)


def operate(request: Request) -> Response:
    session = request.session  # type: ignore[attr-defined]
    op = request.query["op"]
    if op == "set":
        session[request.query["k"]] = json.loads(request.query["v"])
    elif op == "del":
        session.pop(request.query["k"], None)
    elif op == "clear":
        session.clear()
    elif op == "cycle":
        session.cycle_key()
    elif op == "flush":
        session.flush()
    return JSONResponse({"data": dict(session), "key": session.session_key})


def make_client(backend: str) -> Client:
    settings = Settings(
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver"],
        SESSIONS=SessionConfig(backend=backend),  # type: ignore[arg-type]
    )
    return Client(Bastion(settings, routes=[path("op", operate)]))


class SessionMachine(RuleBasedStateMachine):
    backend = "signed_cookie"

    def __init__(self) -> None:
        super().__init__()
        self.client = make_client(self.backend)
        self.model: dict[str, Any] = {}
        self.key: str | None = None

    def send(self, op: str, **extra: Any) -> dict[str, Any]:
        response = self.client.get("/op", query={"op": op, **extra})
        assert response.status_code == 200
        result: dict[str, Any] = response.json()
        return result

    @rule(name=NAMES, value=VALUES)
    def set_value(self, name: str, value: Any) -> None:
        self.send("set", k=name, v=json.dumps(value))
        self.model[name] = value

    @rule(name=NAMES)
    def delete_value(self, name: str) -> None:
        self.send("del", k=name)
        self.model.pop(name, None)

    @rule()
    def clear(self) -> None:
        self.send("clear")
        self.model.clear()

    @rule()
    def cycle(self) -> None:
        before = self.send("read")["key"]
        after = self.send("cycle")["key"]
        assert after != before

    @rule()
    def flush(self) -> None:
        assert self.send("flush")["data"] == {}
        self.model.clear()

    @invariant()
    def matches_model(self) -> None:
        answer = self.send("read")
        assert answer["data"] == self.model
        assert (answer["key"] is None) == (not self.model)


class SignedCookieMachine(SessionMachine):
    backend = "signed_cookie"


class CacheMachine(SessionMachine):
    backend = "cache"


SMALL = hypothesis_settings(max_examples=25, stateful_step_count=15, deadline=None)
TestSignedCookieSessions = SignedCookieMachine.TestCase
TestSignedCookieSessions.settings = SMALL
TestCacheSessions = CacheMachine.TestCase
TestCacheSessions.settings = SMALL
