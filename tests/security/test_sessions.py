"""Attacks on sessions: fixation, forged and replayed cookies, key rotation, pickle, size.

Each test plays the attacker against a real application through the test client.
"""

from __future__ import annotations

import base64
import logging
import pickle
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from services import require_service

from bastion import Bastion, JSONResponse, PlainTextResponse, default_middleware, path
from bastion.cache import Cache, cache_from_url
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.middleware import HTTPSRedirectMiddleware, SessionMiddleware
from bastion.security.signing import Signer, signer_from_settings
from bastion.sessions import CacheSessionStore, MemorySessionStore, SessionStore, SessionTooLarge
from bastion.sessions.backends import COOKIE_SALT, ID_SALT
from bastion.settings import CacheConfig, SessionConfig, Settings
from bastion.testing import Client

KEY = "current-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
OLD_KEY = "retired-key-9876543210-zyxwvutsrqponmlkjihgfedcba-FEDCBA"
NAME = "__Host-session"
BACKENDS = ["signed_cookie", "cache", "memory"]
TAMPER_LOG = "bastion.security.SessionTampered"
REDIS_URL = "redis://127.0.0.1:6379/0"


# -- the application under attack ----------------------------------------------------------


def show(request: Request) -> Response:
    session = request.session  # type: ignore[attr-defined]
    return JSONResponse({"data": dict(session), "key": session.session_key})


def login(request: Request) -> Response:
    session = request.session  # type: ignore[attr-defined]
    session.cycle_key()
    session["user"] = request.query.get("user", "alice")
    return show(request)


def put(request: Request) -> Response:
    session = request.session  # type: ignore[attr-defined]
    for name, value in request.query.items():
        session[name] = value
    return show(request)


def logout(request: Request) -> Response:
    request.session.flush()  # type: ignore[attr-defined]
    return PlainTextResponse("bye")


ROUTES = [path("show", show), path("login", login), path("put", put), path("logout", logout)]


def settings_for(
    backend: str, *, secret: str = KEY, fallbacks: tuple[str, ...] = (), **options: Any
) -> Settings:
    return Settings(
        SECRET_KEY=secret,
        SECRET_KEY_FALLBACKS=fallbacks,
        ALLOWED_HOSTS=["testserver"],
        SESSIONS=SessionConfig(backend=backend, **options),  # type: ignore[arg-type]
    )


def make_app(
    backend: str,
    *,
    cache: Cache | None = None,
    store: SessionStore | None = None,
    https_redirect: bool = True,
    **kw: Any,
) -> Bastion:
    """An app with the framework's default layers and the given session options.

    ``cache`` shares one cache between apps (else each uses ``app.cache``); ``store`` gives
    the session layer that store. ``https_redirect=False`` takes the HTTPS redirect out, so
    that plain-HTTP requests reach the session layer (to mint the non-``__Host-`` cookie an
    attacker would plant).
    """
    settings = settings_for(backend, **kw)
    if cache is not None:
        store = CacheSessionStore(signer_from_settings(settings, ID_SALT), cache=cache)
    security = default_middleware(settings)
    if store is not None:
        security = security.replace(SessionMiddleware(settings, store=store))
    if not https_redirect:
        security = security.without(HTTPSRedirectMiddleware, reason="tests plain-HTTP cookies")
    return Bastion(settings, routes=ROUTES, security=security)


def require_redis() -> None:
    require_service("Redis", "127.0.0.1", 6379)


class Deployment:
    """Applications sharing where sessions live, as the workers of one site do.

    ``signed_cookie``: in the cookie. ``locmem``/``redis``: the cache backend on one real
    cache. Neither cache follows the tests' fake clock (locmem counts monotonic time, Redis
    its own), so an entry outliving a session shows that expiry is enforced from the
    session's own times, not only by the cache's TTL.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.cache: Cache | None = None
        if kind == "redis":
            require_redis()
            prefix = f"sec{secrets.token_hex(6)}"
            self.cache = cache_from_url(REDIS_URL, CacheConfig(key_prefix=prefix))
        elif kind == "locmem":
            self.cache = cache_from_url("locmem://")

    def app(self, **kw: Any) -> Bastion:
        backend = "signed_cookie" if self.cache is None else "cache"
        return make_app(backend, cache=self.cache, **kw)

    def close(self) -> None:
        if self.cache is not None:
            self.cache.clear()
            self.cache.close()


@pytest.fixture(params=["signed_cookie", "locmem", "redis"])
def deployment(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    shared = Deployment(request.param)
    yield shared
    shared.close()


@pytest.fixture(params=["locmem", "redis"])
def server(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    """A deployment keeping sessions on the server (the cache backend)."""
    shared = Deployment(request.param)
    yield shared
    shared.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake


def session_cookie(response: Any, name: str = NAME) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return str(header.split(";", 1)[0].split("=", 1)[1])
    return None


# -- session fixation -----------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_fixation_login_cycles_the_session_id(backend: str) -> None:
    client = Client(make_app(backend))
    client.get("/put", query={"theme": "dark"})
    before = client.get("/show").json()["key"]
    planted_cookie = client.cookies[NAME]  # what an attacker fixed in the victim's browser
    after = client.get("/login").json()
    assert after["key"] not in (None, before)
    assert after["data"] == {"theme": "dark", "user": "alice"}
    assert client.cookies[NAME] != planted_cookie
    # The attacker's copy of the pre-login cookie never carries the login.
    replayed = Client(client.app).get("/show", cookies={NAME: planted_cookie})
    assert "user" not in replayed.json()["data"]


@pytest.mark.parametrize("backend", ["cache", "memory"])
def test_fixation_old_id_is_dead_after_login(backend: str) -> None:
    client = Client(make_app(backend))
    client.get("/put", query={"theme": "dark"})
    planted_cookie = client.cookies[NAME]
    client.get("/login")
    replay = Client(client.app).get("/show", cookies={NAME: planted_cookie})
    assert replay.json() == {"data": {}, "key": None}


@pytest.mark.parametrize("planted", ["attacker-chosen-id-0123456789abcdefghijkl", ""])
def test_fixation_unsigned_planted_id_is_never_adopted(
    server: Deployment, planted: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert server.cache is not None
    client = Client(server.app())
    client.set_cookie(NAME, planted)
    with caplog.at_level(logging.WARNING, logger=TAMPER_LOG):
        response = client.get("/login")
    key = response.json()["key"]
    assert key != planted
    assert server.cache.get(f"session:{key}") is not None
    if planted:
        assert server.cache.get(f"session:{planted}") is None
        assert "failed verification" in caplog.text


def test_fixation_validly_signed_unknown_id_is_never_adopted(server: Deployment) -> None:
    # A genuine cookie whose session is gone (expired, or the attacker's own logged-out
    # session): its id is not reused for the new session.
    assert server.cache is not None
    known = secrets.token_urlsafe(32)
    forged = Signer(KEY, salt=ID_SALT).sign(known)
    client = Client(server.app())
    client.set_cookie(NAME, forged)
    key = client.get("/login").json()["key"]
    assert key != known
    assert server.cache.get(f"session:{known}") is None
    assert client.cookies[NAME] != forged


def test_session_ids_have_at_least_128_random_bits() -> None:
    client = Client(make_app("cache"))
    keys = set()
    for _ in range(50):
        client.clear_cookies()
        keys.add(client.get("/login").json()["key"])
    assert len(keys) == 50
    for key in keys:
        assert len(base64.urlsafe_b64decode(key + "=")) * 8 >= 128


# -- forged and tampered cookies ---------------------------------------------------------


def tampered_variants(cookie: str) -> list[str]:
    flip = "A" if cookie[-1] != "A" else "B"
    payload_flip = cookie[:10] + ("x" if cookie[10] != "x" else "y") + cookie[11:]
    return [
        cookie[:-1] + flip,  # signature changed
        payload_flip,  # data changed
        cookie.rsplit(".", 1)[0],  # signature removed
        "v9." + cookie,  # unknown format
        "not-a-session",
        "z1.%%%.###.***",
        "j1.AAAA.AAAA.AAAA",
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_tampered_cookie_gives_new_empty_session_and_is_logged(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(make_app(backend))
    client.get("/put", query={"role": "user"})
    genuine = client.cookies[NAME]
    for forged in tampered_variants(genuine):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=TAMPER_LOG):
            response = Client(client.app).get("/show", cookies={NAME: forged})
        assert response.status_code == 200, forged
        assert response.json() == {"data": {}, "key": None}
        assert session_cookie(response) == ""  # the bad cookie is deleted
        [record] = caplog.records
        assert record.name == TAMPER_LOG
        assert record.levelno == logging.WARNING
        assert forged not in record.getMessage()  # the cookie itself is never logged


@pytest.mark.parametrize("backend", BACKENDS)
def test_cookie_signed_for_another_purpose_is_refused(backend: str) -> None:
    app = make_app(backend)
    other = Signer(KEY, salt="myapp.unsubscribe")
    signed_elsewhere = [
        other.dumps({"v": 1, "i": secrets.token_urlsafe(32), "c": 1, "a": 1, "d": {"x": 1}}),
        other.sign(secrets.token_urlsafe(32)),
    ]
    for forged in signed_elsewhere:
        assert Client(app).get("/show", cookies={NAME: forged}).json()["data"] == {}


def test_cookie_of_one_backend_means_nothing_to_another() -> None:
    server = Client(make_app("memory"))
    server.get("/put", query={"a": "1"})
    cookie = Client(make_app("signed_cookie"))
    assert cookie.get("/show", cookies={NAME: server.cookies[NAME]}).json()["data"] == {}


@pytest.mark.parametrize("backend", BACKENDS)
def test_plain_named_cookie_is_ignored_over_https(backend: str) -> None:
    # A sibling subdomain (or a man in the middle on plain HTTP) can set "session", but
    # never "__Host-session": over HTTPS only the latter is read. The app answers plain HTTP
    # here (no redirect) so that it issues a genuine "session" cookie for the attacker to
    # plant; the victim then uses the same app over HTTPS.
    http = Client(make_app(backend, https_redirect=False), base_url="http://testserver")
    app = http.app
    planted = session_cookie(http.get("/put", query={"role": "attacker"}), "session")
    assert planted
    victim = Client(app)
    victim.set_cookie("session", planted)
    assert victim.get("/show").json()["data"] == {}


# -- expiry enforced on the server --------------------------------------------------------


def test_replayed_cookie_after_idle_timeout_is_refused(
    deployment: Deployment, clock: Clock
) -> None:
    app = deployment.app(idle_timeout=600)
    client = Client(app)
    client.get("/put", query={"user": "alice"})
    stolen = client.cookies[NAME]
    clock.now += 599
    assert Client(app).get("/show", cookies={NAME: stolen}).json()["data"] == {"user": "alice"}
    clock.now += 602  # 601 seconds after the last activity recorded (the refresh above)
    assert Client(app).get("/show", cookies={NAME: stolen}).json()["data"] == {}


def test_active_session_ends_at_absolute_lifetime(deployment: Deployment, clock: Clock) -> None:
    app = deployment.app(idle_timeout=600, absolute_lifetime=3600)
    client = Client(app)
    client.get("/put", query={"user": "alice"})
    for _ in range(6):
        clock.now += 590
        assert client.get("/show").json()["data"] == {"user": "alice"}
    clock.now += 61  # 3601 seconds after login, 61 after the last request
    assert client.get("/show").json()["data"] == {}


def test_logout_kills_server_side_session_for_copied_cookie() -> None:
    app = make_app("cache")
    client = Client(app)
    client.get("/login")
    stolen = client.cookies[NAME]
    client.get("/logout")
    assert Client(app).get("/show", cookies={NAME: stolen}).json()["data"] == {}


# -- key rotation -------------------------------------------------------------------------


def test_cookie_signed_with_fallback_key_is_accepted_and_resigned(deployment: Deployment) -> None:
    before = Client(deployment.app(secret=OLD_KEY))
    before.get("/login")
    old_cookie = before.cookies[NAME]
    rotated = deployment.app(secret=KEY, fallbacks=(OLD_KEY,))
    response = Client(rotated).get("/show", cookies={NAME: old_cookie})
    assert response.json()["data"] == {"user": "alice"}
    new_cookie = session_cookie(response)
    assert new_cookie
    assert new_cookie != old_cookie
    # Once the old key is dropped, the re-signed cookie still works and the old one does not.
    retired = deployment.app(secret=KEY)
    assert Client(retired).get("/show", cookies={NAME: new_cookie}).json()["data"] == {
        "user": "alice"
    }
    assert Client(retired).get("/show", cookies={NAME: old_cookie}).json()["data"] == {}


def test_cookie_signed_with_unknown_key_is_refused(
    deployment: Deployment, caplog: pytest.LogCaptureFixture
) -> None:
    stranger = Client(deployment.app(secret=OLD_KEY))
    stranger.get("/login")
    with caplog.at_level(logging.WARNING, logger=TAMPER_LOG):
        response = Client(deployment.app()).get("/show", cookies={NAME: stranger.cookies[NAME]})
    assert response.json()["data"] == {}
    assert "failed verification" in caplog.text


# -- JSON only, never pickle ----------------------------------------------------------------

UNPICKLED: list[str] = []


def _record_unpickling() -> dict[str, str]:
    UNPICKLED.append("code ran")
    return {"user": "admin"}


class Exploit:
    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return (_record_unpickling, ())


PAYLOAD = pickle.dumps(Exploit())


def test_pickle_in_signed_cookie_is_never_unpickled(caplog: pytest.LogCaptureFixture) -> None:
    # Even an attacker who holds the key gets no code run: the payload is decoded as JSON.
    signer = Signer(KEY, salt=COOKIE_SALT)
    encoded = base64.urlsafe_b64encode(PAYLOAD).rstrip(b"=").decode()
    forged = signer._signer.sign("j1." + encoded).decode()
    UNPICKLED.clear()
    with caplog.at_level(logging.WARNING, logger=TAMPER_LOG):
        response = Client(make_app("signed_cookie")).get("/show", cookies={NAME: forged})
    assert response.json()["data"] == {}
    assert UNPICKLED == []
    assert "failed verification" in caplog.text


def plant(server: Deployment, name: str, raw: bytes) -> None:
    """Write ``raw`` under the cache key ``name`` as another program with access could."""
    assert server.cache is not None
    final = server.cache.make_key(name)
    if server.kind == "redis":
        with redis.Redis.from_url(REDIS_URL) as client:
            client.set(final, raw, ex=600)
    else:
        server.cache._set(final, raw.decode("latin-1"), 600)


def test_pickle_in_cache_entry_is_never_unpickled(server: Deployment) -> None:
    client = Client(server.app())
    key = client.get("/login").json()["key"]
    plant(server, f"session:{key}", PAYLOAD)
    UNPICKLED.clear()
    assert client.get("/show").json()["data"] == {}
    assert UNPICKLED == []


def test_forged_record_in_cache_is_refused(
    server: Deployment, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(server.app())
    key = client.get("/login").json()["key"]
    encoded = base64.b64encode(PAYLOAD).decode()
    plant(server, f"session:{key}", f'{{"v": 1, "d": "{encoded}", "c": 1, "a": 1}}'.encode())
    UNPICKLED.clear()
    with caplog.at_level(logging.WARNING, logger=TAMPER_LOG):
        assert client.get("/show").json()["data"] == {}
    assert UNPICKLED == []
    assert "The stored session is malformed" in caplog.text


def test_pickle_in_memory_store_is_never_unpickled(caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for("memory")
    store = MemorySessionStore(signer_from_settings(settings, ID_SALT))
    client = Client(make_app("memory", store=store))
    client.get("/login")
    [name] = store._entries
    store._entries[name] = (time.time() + 600, PAYLOAD.decode("latin-1"))
    UNPICKLED.clear()
    with caplog.at_level(logging.WARNING, logger=TAMPER_LOG):
        assert client.get("/show").json()["data"] == {}
    assert UNPICKLED == []
    assert "not JSON" in caplog.text


# -- size ---------------------------------------------------------------------------------------


def test_oversized_cookie_session_fails_loudly_instead_of_losing_data() -> None:
    app = make_app("signed_cookie")
    notes = secrets.token_urlsafe(3500)  # random text: compression cannot save it
    with pytest.raises(SessionTooLarge, match=r"SESSIONS\.backend = 'cache'"):
        Client(app).get("/put", query={"notes": notes})
    response = Client(app, raise_server_exceptions=False).get("/put", query={"notes": notes})
    assert response.status_code == 500
    assert response.headers.getlist("Set-Cookie") == []


def test_oversized_session_fits_in_cache_backend() -> None:
    client = Client(make_app("cache"))
    notes = secrets.token_urlsafe(5000)  # 6.7 KB, within the URL limit
    client.get("/put", query={"notes": notes})
    assert client.get("/show").json()["data"] == {"notes": notes}
    assert len(client.cookies[NAME]) < 120
