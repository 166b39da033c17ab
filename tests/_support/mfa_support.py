"""An application with the MFA routes mounted, a controllable clock and enrolment helpers.

``make_mfa_app(path)`` is :func:`login_support.make_app` plus ``mfa_routes`` under
``accounts/``; ``Clock`` replaces :func:`bastion.auth.mfa.totp.now` (the package's only
clock) so tests move time by whole TOTP steps instead of sleeping.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyotp
import pytest
from login_support import EXTRA_ROUTES, PASSWORD, auth_routes, csrf_token, post_login, settings_for

from bastion import Bastion, path
from bastion.auth.apps import auth_app
from bastion.auth.lockout import LockoutPolicy
from bastion.auth.mfa import recovery, totp
from bastion.auth.mfa.views import mfa_routes
from bastion.auth.middleware import AuthenticationMiddleware
from bastion.auth.models import TOTPDevice, User
from bastion.db.migrations import migrate
from bastion.routing import include
from bastion.testing import Client

START = 1_800_000_000.0  # a step boundary (divisible by 30): codes are easy to reason about
SESSION = "__Host-session"
VERIFY = "/accounts/mfa/verify/"
SETUP = "/accounts/mfa/setup/"
SECRET_TEXT = re.compile(r"<code>([A-Z2-7 ]{20,})</code>")


class Clock:
    """The time :func:`bastion.auth.mfa.totp.now` answers; ``advance`` moves it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: float = START) -> None:
        self.value = start
        monkeypatch.setattr(totp, "now", lambda: self.value)

    def advance(self, seconds: float) -> None:
        self.value += seconds


def make_mfa_app(
    database: Path,
    *,
    policy: LockoutPolicy | None = None,
    migrated: bool = True,
    middleware: Sequence[Any] = (),
    **extra: Any,
) -> Bastion:
    app = Bastion(
        settings_for(database, **extra),
        routes=[path("accounts/", include([*auth_routes(policy), *mfa_routes])), *EXTRA_ROUTES],
        apps=[auth_app],
        middleware=[AuthenticationMiddleware(), *middleware],
    )
    if migrated:
        migrate(app.databases, app.apps)
    return app


def enrol(app: Bastion, user: User) -> str:
    """Give ``user`` a confirmed device; return its secret."""
    with app.databases.activate():
        device = totp.create_device(user, app.settings)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        secret = totp.device_secret(device, app.settings)
        app.databases.release()
    assert secret is not None
    return secret


def give_codes(app: Bastion, user: User) -> list[str]:
    with app.databases.activate():
        codes = recovery.generate_codes(user)
        app.databases.release()
    return codes


def devices(app: Bastion, user: User) -> list[TOTPDevice]:
    with app.databases.activate():
        found = list(TOTPDevice.objects.filter(user=user))
        app.databases.release()
    return found


def code_at(secret: str, at: float) -> str:
    return str(pyotp.TOTP(secret).at(at))


def post_code(client: Client, code: str, url: str = VERIFY) -> Any:
    """Submit ``code`` on ``url`` as a browser would (the page's CSRF token first)."""
    return client.post(url, data={"code": code, "csrf_token": csrf_token(client, url)})


def password_step(client: Client, email: str, password: str = PASSWORD, **kw: Any) -> Any:
    return post_login(client, email, password, **kw)
