"""Installing ``auth_app`` is enough: account pages at /accounts/ and ``request.user``."""

from __future__ import annotations

from pathlib import Path

from login_support import cheap_hashers

from bastion import Bastion, JSONResponse, Request, Response, path
from bastion.auth import AuthenticationMiddleware, auth_app
from bastion.db.migrations import migrate
from bastion.settings import Settings
from bastion.testing import Client

KEY = "a9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"


def whoami(request: Request) -> Response:
    return JSONResponse({"authenticated": request.user.is_authenticated})


def build(tmp_path: Path, **kwargs: object) -> Bastion:
    settings = Settings(
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver"],
        DATABASE_URL=f"sqlite:///{tmp_path}/auth.sqlite3",
    )
    return Bastion(settings, routes=[path("me/", whoami)], apps=[auth_app], **kwargs)  # type: ignore[arg-type]


def test_auth_app_mounts_account_pages_and_gives_request_user(tmp_path: Path) -> None:
    app = build(tmp_path)
    try:
        migrate(app.databases, app.apps)
        assert sum(isinstance(m, AuthenticationMiddleware) for m in app.middleware) == 1
        client = Client(app)
        with cheap_hashers():
            assert client.get("/accounts/login/").status_code == 200
            assert client.get("/me/").json() == {"authenticated": False}
            assert app.reverse("auth:signup") == "/accounts/signup/"
    finally:
        app.close()


def test_listing_the_middleware_yourself_does_not_add_it_twice(tmp_path: Path) -> None:
    app = build(tmp_path, middleware=[AuthenticationMiddleware()])
    try:
        assert sum(isinstance(m, AuthenticationMiddleware) for m in app.middleware) == 1
    finally:
        app.close()


def test_mfa_required_installs_the_enrolment_layer(tmp_path: Path) -> None:
    from bastion.auth.mfa.policy import MFAEnrolmentMiddleware

    settings = Settings(
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver"],
        DATABASE_URL=f"sqlite:///{tmp_path}/auth.sqlite3",
        MFA_REQUIRED="staff",
    )
    app = Bastion(settings, apps=[auth_app])
    try:
        layers = [type(m).__name__ for m in app.middleware]
        at = layers.index("AuthenticationMiddleware")
        assert layers[at + 1] == "MFAEnrolmentMiddleware"
        enrol = app.middleware[at + 1]
        assert isinstance(enrol, MFAEnrolmentMiddleware)
        assert enrol.exempt == ("/static/",)
        assert app.reverse("auth:mfa_verify") == "/accounts/mfa/verify/"
    finally:
        app.close()
