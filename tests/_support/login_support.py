"""A real application for the login tests: auth routes, sessions, CSRF, a scratch SQLite file.

``make_app(tmp_path)`` builds ``Bastion(settings, routes=..., apps=[auth_app])`` with the
``AuthenticationMiddleware``, migrates its own database, and serves a few protected pages.
Hashing uses cheap Argon2id parameters (``cheap_hashers``) so the tests stay fast while
running the real code path.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bastion import Bastion, JSONResponse, path
from bastion.auth.apps import auth_app
from bastion.auth.decorators import login_required, permission_required, user_passes_test
from bastion.auth.hashers import Argon2idHasher, use_hashers
from bastion.auth.lockout import LockoutPolicy
from bastion.auth.middleware import AuthenticationMiddleware
from bastion.auth.models import User
from bastion.auth.views import LoginView, LogoutView, SignupDoneView, SignupView
from bastion.db.migrations import migrate
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.routing import include
from bastion.settings import SessionConfig, Settings
from bastion.testing import Client
from bastion.views import View

KEY = "login-tests-" + "Kq7vX2mZ9pR4tN8wL1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6b"
PASSWORD = "correct horse battery staple 42"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def whoami(request: Request) -> Response:
    user = request.user  # type: ignore[attr-defined]
    return JSONResponse({"authenticated": user.is_authenticated, "email": user.email or None})


@login_required
def private(request: Request) -> Response:
    return JSONResponse({"email": request.user.email})  # type: ignore[attr-defined]


@permission_required("auth.view_user", raise_exception=True)
def staff_only(request: Request) -> Response:
    return JSONResponse({"ok": True})


def plain(request: Request) -> Response:
    return JSONResponse({"plain": True})


@login_required
class PrivateView(View):
    def get(self, request: Request) -> Response:
        return JSONResponse({"email": request.user.email})  # type: ignore[attr-defined]


@user_passes_test(lambda user: bool(user.is_staff))
class StaffView(View):
    def get(self, request: Request) -> Response:
        return JSONResponse({"staff": True})


@permission_required("auth.view_user")
def view_users(request: Request) -> Response:
    return JSONResponse({"ok": True})


EXTRA_ROUTES = [
    path("whoami/", whoami, name="whoami"),
    path("plain/", plain, name="plain"),
    path("private/", private, name="private"),
    path("private-class/", PrivateView.as_view(), name="private_class"),
    path("staff-class/", StaffView.as_view(), name="staff_class"),
    path("staff/", staff_only, name="staff"),
    path("users/", view_users, name="users"),
]


def settings_for(database: Path, *, cache_url: str = "locmem://", **extra: Any) -> Settings:
    options: dict[str, Any] = {
        "SECRET_KEY": KEY,
        "ALLOWED_HOSTS": ["testserver"],
        "DATABASE_URL": f"sqlite:///{database}",
        "CACHE_URL": cache_url,
        "SESSIONS": SessionConfig(backend="cache"),
    }
    options.update(extra)
    return Settings(**options)


def auth_routes(policy: LockoutPolicy | None) -> list[Any]:
    """``bastion.auth.urls.routes``, with the login view under ``policy``."""
    return [
        path("login/", LoginView.as_view(lockout_policy=policy), name="login"),
        path("logout/", LogoutView.as_view(), name="logout"),
        path("signup/", SignupView.as_view(), name="signup"),
        path("signup/done/", SignupDoneView.as_view(), name="signup_done"),
    ]


def make_app(
    database: Path,
    *,
    cache_url: str = "locmem://",
    policy: LockoutPolicy | None = None,
    migrated: bool = True,
    **extra: Any,
) -> Bastion:
    """An application on the SQLite file ``database`` (migrated unless told otherwise)."""
    app = Bastion(
        settings_for(database, cache_url=cache_url, **extra),
        routes=[path("accounts/", include(auth_routes(policy))), *EXTRA_ROUTES],
        apps=[auth_app],
        middleware=[AuthenticationMiddleware()],
    )
    if migrated:
        migrate(app.databases, app.apps)
    return app


@contextmanager
def cheap_hashers() -> Iterator[None]:
    with use_hashers([Argon2idHasher(memory_cost=256, time_cost=1, parallelism=1)]):
        yield


def create_user(app: Bastion, email: str, password: str | None = PASSWORD, **extra: Any) -> User:
    with app.databases.activate():
        user: User = User.objects.create_user(email, password, **extra)
        app.databases.release()
    return user


def reload(app: Bastion, user: User) -> User:
    with app.databases.activate():
        fresh: User = User.objects.get(pk=user.pk)
        app.databases.release()
    return fresh


def csrf_token(client: Client, url: str = "/accounts/login/") -> str:
    match = TOKEN.search(client.get(url).text)
    assert match is not None, "the page has no CSRF input"
    return match.group(1)


def post_login(
    client: Client,
    email: str,
    password: str,
    *,
    next_url: str | None = None,
    ip: str | None = None,
) -> Any:
    """Log in as a browser would: the form's CSRF token, then the POST."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if next_url is not None:
        data["next"] = next_url
    environ = {"REMOTE_ADDR": ip} if ip else None
    return client.post("/accounts/login/", data=data, environ=environ)


def strict_policy(**overrides: int) -> LockoutPolicy:
    values = {"max_failures": 3, "lock_seconds": 60, "client_max_failures": 10}
    values.update(overrides)
    return LockoutPolicy(**values)


def unique_prefix() -> str:
    return f"bastion-login-tests-{secrets.token_hex(4)}"


# -- password change and reset (tests/auth/test_password_views.py and the attack tests) --------

SITE_URL = "https://www.example.com"


def make_password_app(database: Path, **extra: Any) -> Bastion:
    """``make_app`` plus ``password_routes`` under ``/accounts/``, mail kept in memory."""
    from bastion.auth.views.password import password_routes

    options: dict[str, Any] = {
        "EMAIL_URL": "memory://",
        "SITE_URL": SITE_URL,
        "DEFAULT_FROM_EMAIL": "accounts@example.com",
    }
    options.update(extra)
    app = Bastion(
        settings_for(database, **options),
        routes=[
            path("accounts/", include([*auth_routes(None), *password_routes])),
            *EXTRA_ROUTES,
        ],
        apps=[auth_app],
        middleware=[AuthenticationMiddleware()],
    )
    migrate(app.databases, app.apps)
    return app


RESET_LINK = re.compile(r"https?://\S+/accounts/reset/[^/\s]+/[^/\s]+/")


def outbox(app: Bastion) -> list[Any]:
    """The messages the application's ``memory://`` mailer has sent."""
    return list(app.mailer.outbox)  # type: ignore[attr-defined]


def reset_links(app: Bastion) -> list[str]:
    """Every reset link in the text bodies of the mail sent so far."""
    return [link for message in outbox(app) for link in RESET_LINK.findall(message.body)]


def request_reset(client: Client, email: str, **options: Any) -> Any:
    """Ask for a reset link for ``email`` as a browser would (form token, then POST)."""
    token = csrf_token(client, "/accounts/password_reset/")
    return client.post(
        "/accounts/password_reset/", data={"email": email, "csrf_token": token}, **options
    )


def events(app: Bastion, kind: str) -> list[Any]:
    """The audit events of ``kind`` recorded in ``app``'s database."""
    from bastion.auth.models import AuditEvent

    with app.databases.activate():
        found = list(AuditEvent.objects.filter(kind=kind))
        app.databases.release()
    return found
