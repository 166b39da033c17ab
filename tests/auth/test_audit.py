"""The audit log: who, when, from where, and never a secret in the details."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bastion import Bastion, path
from bastion.auth.audit import REDACTED, audit, is_secret_key, redact
from bastion.auth.models import AuditEvent, User
from bastion.http.request import Request
from bastion.http.response import PlainTextResponse
from bastion.settings import Settings
from bastion.testing import Client

pytestmark = pytest.mark.usefixtures("db")

KEY = "a7Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"


def test_event_records_kind_user_time_and_detail() -> None:
    ann = User.objects.create_user("ann@example.com")
    event = audit("mfa.enrolled", user=ann, method="totp")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.kind == "mfa.enrolled"
    assert stored.user_id == ann.pk  # type: ignore[attr-defined]
    assert stored.ip is None
    assert stored.created is not None
    assert stored.detail == {"method": "totp"}
    assert "mfa.enrolled" in str(stored)


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "new_password",
        "old_password1",
        "passwd",
        "token",
        "reset_token",
        "csrfToken",
        "code",
        "totp_code",
        "recoveryCodes",
        "otp",
        "secret",
        "client_secret",
        "api_key",
        "apiKey",
        "session_key",
        "sessionid",
        "cookie",
        "Authorization",
        "hash",
        "salt",
        "signature",
        "private_key",
        "pin",
    ],
)
def test_secret_looking_keys_are_redacted(key: str) -> None:
    assert is_secret_key(key)
    event = audit("password.changed", **{key: "hunter2-VERY-SECRET", "email": "a@example.com"})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.detail == {key: REDACTED, "email": "a@example.com"}
    assert "hunter2" not in str(stored.detail)


@pytest.mark.parametrize("key", ["email", "method", "reason", "attempts", "perm", "country"])
def test_ordinary_keys_are_kept(key: str) -> None:
    assert not is_secret_key(key)


def test_nested_values_are_redacted_and_made_json() -> None:
    value = {"form": {"email": "a@example.com", "password": "x"}, "items": [{"token": "t"}, 3]}
    assert redact(value) == {
        "form": {"email": "a@example.com", "password": REDACTED},
        "items": [{"token": REDACTED}, 3],
    }
    assert redact(Path("/x")) == "/x"
    assert redact("x" * 1000).endswith("…")
    assert len(redact("x" * 1000)) == 501
    deep: dict[str, object] = {}
    node = deep
    for _ in range(10):
        node["next"] = {}
        node = node["next"]  # type: ignore[assignment]
    assert REDACTED in str(redact(deep))


@pytest.mark.parametrize("kind", ["", "Login", "login failed", "x" * 65, "a\nb", "<script>"])
def test_kinds_are_a_fixed_vocabulary(kind: str) -> None:
    with pytest.raises(ValueError, match="audit kind"):
        audit(kind)
    assert not AuditEvent.objects.exists()


def test_deleting_the_user_keeps_the_trail() -> None:
    ann = User.objects.create_user("gone@example.com")
    event = audit("login.succeeded", user=ann)
    ann.delete()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.user is None
    assert stored.kind == "login.succeeded"


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[Client]:
    """An application on the scratch database whose view records a failed login."""

    def failed(request: Request) -> PlainTextResponse:
        audit("login.failed", request=request, email="a@example.com", password="guess")
        return PlainTextResponse("no")

    settings = Settings(
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver"],
        BASE_DIR=str(tmp_path),
        DATABASE_URL=database_url,
    )
    app = Bastion(settings, routes=[path("login/", failed)])
    try:
        yield Client(app)
    finally:
        app.close()


def test_request_gives_the_client_address(client: Client) -> None:
    client.get("/login/", environ={"REMOTE_ADDR": "203.0.113.9"})
    client.get("/login/", environ={"REMOTE_ADDR": "2001:db8::1"})
    # No proxy is trusted by default: a forged X-Forwarded-For is ignored.
    client.get("/login/", headers={"X-Forwarded-For": "198.51.100.1"})
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.ip for e in events] == ["203.0.113.9", "2001:db8::1", "127.0.0.1"]
    assert all(e.user is None for e in events)
    assert events[0].detail == {"email": "a@example.com", "password": REDACTED}
