"""``request.user``: lazy, from the session's user id and auth hash, anonymous otherwise."""

from __future__ import annotations

import pytest
from login_support import (
    KEY,
    PASSWORD,
    auth_routes,
    cheap_hashers,
    create_user,
    csrf_token,
    post_login,
    whoami,
)

from bastion import Bastion, JSONResponse, path
from bastion.auth.login import update_session_auth_hash
from bastion.auth.middleware import (
    AuthenticationMiddleware,
    LazyUser,
    get_user,
    session_auth_hash,
    unwrap_user,
    verify_session_auth_hash,
)
from bastion.auth.models import AnonymousUser, User
from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.routing import include
from bastion.settings import Settings
from bastion.testing import Client

SESSION = "__Host-session"


def logged_in(app: Bastion, email: str = "ann@example.com") -> Client:
    client = Client(app)
    assert post_login(client, email, PASSWORD).status_code == 303
    return client


def test_anonymous_request_user(app: Bastion) -> None:
    assert Client(app).get("/whoami/").json() == {"authenticated": False, "email": None}


def test_a_page_that_never_asks_loads_no_session(app: Bastion, ann: User) -> None:
    client = logged_in(app)
    response = client.get("/plain/")
    assert response.status_code == 200
    assert "Vary" not in response.headers  # the session was never read
    assert "Set-Cookie" not in response.headers


def test_logged_in_request_user(app: Bastion, ann: User) -> None:
    assert logged_in(app).get("/whoami/").json() == {
        "authenticated": True,
        "email": "ann@example.com",
    }


def test_changing_the_password_ends_other_sessions(app: Bastion, ann: User) -> None:
    laptop, phone = logged_in(app), logged_in(app)
    with app.databases.activate():
        user = User.objects.get(pk=ann.pk)
        user.set_password("a brand new passphrase 99")
        user.save()
        app.databases.release()
    assert laptop.get("/whoami/").json()["authenticated"] is False
    assert phone.get("/whoami/").json()["authenticated"] is False
    assert SESSION not in laptop.cookies  # the stale session was flushed, cookie deleted


def test_deactivated_or_deleted_users_are_anonymous(app: Bastion, ann: User) -> None:
    create_user(app, "bob@example.com")
    ann_client, bob_client = logged_in(app), logged_in(app, "bob@example.com")
    with app.databases.activate():
        User.objects.filter(pk=ann.pk).update(is_active=False)
        User.objects.filter(email="bob@example.com").delete()
        app.databases.release()
    assert ann_client.get("/whoami/").json()["authenticated"] is False
    assert bob_client.get("/whoami/").json()["authenticated"] is False


def test_a_forged_auth_hash_is_refused(app: Bastion, ann: User) -> None:
    # Another site's key (or a guess) makes a hash this site does not accept.
    forged = session_auth_hash(ann.password, "x" * 50)
    assert verify_session_auth_hash(forged, ann.password, [KEY]) is None
    assert verify_session_auth_hash(session_auth_hash(ann.password, KEY), ann.password, [KEY])
    assert verify_session_auth_hash(None, ann.password, [KEY]) is None
    assert verify_session_auth_hash("", ann.password, [KEY]) is None


def test_fallback_keys_still_verify_and_report_which_key() -> None:
    stored = session_auth_hash("argon2id$hash", "old-key")
    assert verify_session_auth_hash(stored, "argon2id$hash", ["new-key", "old-key"]) == "old-key"
    assert verify_session_auth_hash(stored, "argon2id$other", ["new-key", "old-key"]) is None
    # The password hash itself is never what the session holds.
    assert "argon2id" not in stored


def test_update_session_auth_hash_keeps_the_current_session(app: Bastion, ann: User) -> None:
    def change(request: Request) -> Response:
        user = unwrap_user(request.user)  # type: ignore[attr-defined]
        user.set_password("another passphrase 2024")
        user.save()
        update_session_auth_hash(request, user)
        return JSONResponse({"ok": True})

    with cheap_hashers():
        local = Bastion(
            app.settings,
            routes=[
                path("accounts/", include(auth_routes(None))),
                path("whoami/", whoami),
                path("change/", change),
            ],
            apps=list(app.apps),
            middleware=[AuthenticationMiddleware()],
        )
        try:
            here, elsewhere = logged_in(local), logged_in(local)
            before = here.cookies[SESSION]
            assert here.post("/change/", data={"csrf_token": csrf_token(here)}).json()["ok"]
            assert here.cookies[SESSION] != before  # a new id for the new credentials
            assert here.get("/whoami/").json()["authenticated"] is True
            assert elsewhere.get("/whoami/").json()["authenticated"] is False
        finally:
            local.close()


def test_lazy_user_behaves_like_the_user() -> None:
    calls: list[int] = []

    def load() -> AnonymousUser:
        calls.append(1)
        return AnonymousUser()

    lazy = LazyUser(load)
    assert repr(lazy) == "<LazyUser (not loaded)>"
    assert calls == []
    assert bool(lazy) is True
    assert calls == []
    assert isinstance(lazy, AnonymousUser)
    assert lazy.is_authenticated is False
    assert lazy == AnonymousUser()
    assert str(lazy) == "AnonymousUser"
    assert hash(lazy) == hash(AnonymousUser())
    assert calls == [1]  # looked up once
    assert type(unwrap_user(lazy)) is AnonymousUser
    assert unwrap_user(None) is None


def test_without_a_session_layer_the_middleware_refuses() -> None:
    request = Request(settings=Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"]))
    with pytest.raises(ImproperlyConfigured, match="SessionMiddleware"):
        AuthenticationMiddleware()(request, lambda r: Response(b""))
    assert isinstance(get_user(request), AnonymousUser)
    assert repr(AuthenticationMiddleware()) == "<AuthenticationMiddleware>"
