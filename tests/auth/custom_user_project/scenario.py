"""Run by tests/auth/test_custom_user_model.py in a process of its own (the user model is
chosen once per process): ``python scenario.py make|use DATABASE_URL``; prints JSON."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bastion import Bastion, JSONResponse, path
from bastion.apps import App
from bastion.auth.apps import auth_app
from bastion.auth.hashers import Argon2idHasher, use_hashers
from bastion.auth.mfa import totp
from bastion.auth.middleware import get_user_model
from bastion.auth.models import AuditEvent, TOTPDevice, User, UserObjectPermission
from bastion.auth.permissions import for_user, grant, sync_permissions
from bastion.cli.commands.createsuperuser import _required_fields
from bastion.db.migrations import make_migrations, migrate, pending_changes
from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.settings import SessionConfig, Settings
from bastion.testing import Client

HERE = Path(__file__).resolve().parent
KEY = "custom-user-" + "Kq7vX2mZ9pR4tN8wL1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6b"
PASSWORD = "correct horse battery staple 42"


def whoami(request: Request) -> Response:
    user = request.user  # type: ignore[attr-defined]
    return JSONResponse({"authenticated": user.is_authenticated, "name": str(user)})


def build(database_url: str, user_model: str = "accounts.User") -> Bastion:
    settings = Settings(
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver"],
        DATABASE_URL=database_url,
        SESSIONS=SessionConfig(backend="cache"),
        AUTH_USER_MODEL=user_model,
        SITE_URL="https://testserver",
        EMAIL_URL="memory://",
        BASE_DIR=str(HERE),
    )
    apps = [auth_app, App("accounts"), App("shop")]
    return Bastion(settings, routes=[path("whoami/", whoami)], apps=apps)


def csrf(page: Any) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, "the page has no CSRF input"
    return token.group(1)


def reset_password(app: Bastion, email: str, username: str) -> dict[str, Any]:
    """Reset by mail (the link carries the UUID key), then log in by username with it."""
    client = Client(app)
    asked = client.post(
        "/accounts/password_reset/",
        data={"email": email, "csrf_token": csrf(client.get("/accounts/password_reset/"))},
    )
    link = re.search(r"https://testserver(/accounts/reset/\S+/)", app.mailer.outbox[-1].body)
    assert link is not None
    path = link.group(1)
    new = "a brand new passphrase for 2027"
    done = client.post(
        path,
        data={"new_password1": new, "new_password2": new, "csrf_token": csrf(client.get(path))},
    )
    login = client.post(
        "/accounts/login/",
        data={
            "email": username,
            "password": new,
            "csrf_token": csrf(client.get("/accounts/login/")),
        },
    )
    return {"asked": asked.status_code, "done": done.status_code, "login": login.status_code}


def make(database_url: str) -> dict[str, Any]:
    app = build(database_url)
    written = make_migrations(app.apps)
    depends = {}
    for file in written:
        text = file.read_text()
        found = re.search(r"^depends_on: .* = (.*)$", text, re.M)
        depends[file.name] = found.group(1) if found else None
    return {"written": [f.name for f in written], "depends": depends}


def use(database_url: str) -> dict[str, Any]:
    app = build(database_url)
    result: dict[str, Any] = {"model": get_user_model()._meta.label}
    steps = migrate(app.databases, app.apps)
    result["applied"] = [step.revision for step in steps]
    inspector = sa.inspect(app.databases.engine())
    result["tables"] = sorted(inspector.get_table_names())
    result["foreign_keys"] = {
        table: sorted(
            fk["referred_table"]
            for fk in inspector.get_foreign_keys(table)
            if fk["constrained_columns"] == ["user_id"] or fk["constrained_columns"] == ["owner_id"]
        )
        for table in (
            "auth_auditevent",
            "auth_userobjectpermission",
            "auth_totpdevice",
            "auth_recoverycode",
            "auth_webauthncredential",
            "shop_order",
        )
    }
    result["pending"] = [str(change) for change in pending_changes(app.apps)]
    model = get_user_model()
    with use_hashers([Argon2idHasher(memory_cost=256, time_cost=1, parallelism=1)]):
        with app.databases.activate():
            from shop.models import Order

            sync_permissions([model, Order])
            ann = model.objects.create_user("ann@example.com", PASSWORD, username="ann")
            bob = model.objects.create_user("bob@example.com", PASSWORD, username="bob")
            mine = Order.objects.create(owner=ann, item="tea")
            Order.objects.create(owner=bob, item="coffee")
            grant("shop.view_order", bob, mine)
            result["bob_sees"] = [o.item for o in for_user(Order.objects.all(), bob, "view")]
            result["bob_may_view_mine"] = bob.has_perm("shop.view_order", mine)
            result["ann_orders"] = [o.item for o in ann.orders.all()]
            totp.create_device(ann, app.settings)
            result["devices"] = TOTPDevice.objects.filter(user=ann).count()
            result["grants"] = UserObjectPermission.objects.filter(user=bob).count()
            app.databases.release()
        client = Client(app)
        page = client.get("/accounts/login/")
        result["login_label"] = "Username" in page.text and 'type="text"' in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        login = client.post(
            "/accounts/login/",
            data={"email": "bob", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        result["login_status"] = login.status_code
        result["whoami"] = client.get("/whoami/").json()
        result["reset"] = reset_password(app, "ann@example.com", "ann")
    with app.databases.activate():
        result["audit_kinds"] = sorted({e.kind for e in AuditEvent.objects.filter(user_id=bob.pk)})
        app.databases.release()
    os.environ["BASTION_SUPERUSER_USERNAME"] = "root"
    result["superuser_fields"] = _required_fields({}, noinput=True)
    try:
        User.objects.all()
    except AttributeError as exc:
        result["stock_manager"] = str(exc)
    try:
        build(database_url, "auth.User")
    except ImproperlyConfigured as exc:
        result["second_choice"] = str(exc)
    app.close()
    return result


def wrong(database_url: str) -> dict[str, Any]:
    try:
        build(database_url, "shop.Order")
    except ImproperlyConfigured as exc:
        return {"error": str(exc)}
    return {"error": None}


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    action, url = sys.argv[1], sys.argv[2]
    print(json.dumps({"make": make, "use": use, "wrong": wrong}[action](url)))
