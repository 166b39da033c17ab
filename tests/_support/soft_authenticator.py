"""A software WebAuthn authenticator (EC P-256, "none" attestation) for tests without a browser.

It builds what a browser would post after ``navigator.credentials.create()`` / ``get()``, in
the JSON form ``webauthn`` parses, and lets a test lie where an attacker would: the origin in
clientDataJSON, the rp id, the signature counter, the challenge.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def challenge_of(options: dict[str, Any]) -> str:
    return str(options["challenge"])


class SoftAuthenticator:
    """One credential: a fresh P-256 key pair and a random 32-byte id."""

    def __init__(self, rp_id: str = "example.com", origin: str = "https://example.com") -> None:
        self.rp_id, self.origin = rp_id, origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.counter = 0

    @property
    def id(self) -> str:
        return b64(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: x, -3: y})

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps(data).encode()

    def _auth_data(self, flags: int, counter: int, rp_id: str | None) -> bytes:
        rp_hash = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", counter)

    def register(
        self, options: dict[str, Any], *, origin: str | None = None, rp_id: str | None = None
    ) -> dict[str, Any]:
        """The response to ``create()`` for the options the server sent."""
        attested = (
            bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
        ) + self._cose_key()
        auth_data = self._auth_data(UP | UV | AT, self.counter, rp_id) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", challenge_of(options), origin)
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {"clientDataJSON": b64(client_data), "attestationObject": b64(attestation)},
            "clientExtensionResults": {},
        }

    def sign(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        counter: int | None = None,
    ) -> dict[str, Any]:
        """The response to ``get()``; the counter goes up by one unless ``counter`` is given."""
        if counter is None:
            self.counter += 1
            counter = self.counter
        auth_data = self._auth_data(UP | UV, counter, rp_id)
        client_data = self._client_data("webauthn.get", challenge_of(options), origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(signature),
            },
            "clientExtensionResults": {},
        }


# -- an application with the passkey routes, and the browser's side of each ceremony --------

SITE = "https://example.com"
BEGIN = "/accounts/passkeys/register/begin/"
FINISH = "/accounts/passkeys/register/finish/"
VERIFY_BEGIN = "/accounts/passkeys/verify/begin/"
VERIFY_FINISH = "/accounts/passkeys/verify/finish/"


def make_passkey_app(
    database: Any, *, policy: Any = None, middleware: Any = (), **extra: Any
) -> Any:
    """``mfa_support.make_mfa_app`` plus ``passkey_routes``, with ``SITE_URL`` set.

    ``middleware`` goes after the authentication layer (``MFAEnrolmentMiddleware``...).
    """
    from login_support import EXTRA_ROUTES, auth_routes, settings_for

    from bastion import Bastion, path
    from bastion.auth.apps import auth_app
    from bastion.auth.mfa.passkey_views import passkey_routes
    from bastion.auth.mfa.views import mfa_routes
    from bastion.auth.middleware import AuthenticationMiddleware
    from bastion.db.migrations import migrate
    from bastion.routing import include

    extra.setdefault("SITE_URL", SITE)
    routes = [*auth_routes(policy), *mfa_routes, *passkey_routes]
    app = Bastion(
        settings_for(database, **extra),
        routes=[path("accounts/", include(routes)), *EXTRA_ROUTES],
        apps=[auth_app],
        middleware=[AuthenticationMiddleware(), *middleware],
    )
    migrate(app.databases, app.apps)
    return app


@pytest.fixture
def held_app(tmp_path: Path) -> Iterator[Any]:
    """A passkey application with ``MFA_REQUIRED="all"``: a user without a factor is held at
    enrolment after the password (import the fixture into the test module to use it)."""
    from login_support import cheap_hashers

    with cheap_hashers():
        application = make_passkey_app(tmp_path / "held.sqlite3", MFA_REQUIRED="all")
        try:
            yield application
        finally:
            application.close()


def add_passkey(client: Any, authenticator: SoftAuthenticator, name: str = "Key") -> Any:
    """Register ``authenticator`` for the client's logged-in user; the finish response."""
    options = client.post(BEGIN, json={}).json()
    credential = authenticator.register(options)
    return client.post(FINISH, json={"credential": credential, "name": name})


def passkey_step(client: Any, authenticator: SoftAuthenticator, **lie: Any) -> Any:
    """The second login step with ``authenticator``; the finish response."""
    options = client.post(VERIFY_BEGIN, json={}).json()
    return client.post(VERIFY_FINISH, json={"credential": authenticator.sign(options, **lie)})
