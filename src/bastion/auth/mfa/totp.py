"""TOTP devices (RFC 6238, via pyotp): sealed secrets, a ±1 step window, each code used once.

The secret is what the authenticator app and the server share; whoever reads it can make
codes for ever. So it is:

* **sealed** in the database with AES-GCM under a key derived from ``SECRET_KEY`` (the user
  id is the associated data, so a sealed secret copied onto another user's row does not
  open); ``SECRET_KEY_FALLBACKS`` still open secrets sealed before a key rotation;
* **shown once**, on the enrolment page of an unconfirmed device, and never after.

A code is accepted for the current 30-second step and one step either side (clock drift),
and only when its step is *later* than the device's ``last_step``: the row is updated with
a conditional ``UPDATE ... WHERE last_step < step``, so a code (or an earlier one) cannot be
replayed, not even by two requests racing each other.

``now()`` is the one clock of the package; tests replace it with ``monkeypatch``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from typing import Any

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bastion.auth.models import TOTPDevice, WebAuthnCredential

__all__ = [
    "DIGITS",
    "INTERVAL",
    "VALID_WINDOW",
    "confirmed_device",
    "create_device",
    "device_secret",
    "has_mfa",
    "matching_step",
    "normalize_code",
    "now",
    "open_secret",
    "provisioning_uri",
    "seal_secret",
    "verify_code",
]

INTERVAL = 30
DIGITS = 6
VALID_WINDOW = 1  # steps either side of now: ±30 s of clock drift
_SEAL_PREFIX = "v1$"
_KEY_SALT = b"bastion.auth.mfa.totp-secret"


def now() -> float:
    """The current Unix time; the package's only clock (tests monkeypatch it)."""
    return time.time()


def _key(secret_key: str) -> bytes:
    return hmac.new(_KEY_SALT, secret_key.encode("utf-8"), hashlib.sha256).digest()


def _aad(user_id: Any) -> bytes:
    return f"totp:{user_id}".encode()


def seal_secret(secret: str, user_id: Any, secret_key: str) -> str:
    """``secret`` encrypted for storage on ``user_id``'s row (AES-256-GCM, random nonce)."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, secret.encode("ascii"), _aad(user_id))
    return _SEAL_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_secret(sealed: str, user_id: Any, secret_keys: Sequence[str]) -> str | None:
    """The secret inside ``sealed``, trying each of ``secret_keys``; None if none opens it."""
    if not sealed.startswith(_SEAL_PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed[len(_SEAL_PREFIX) :].encode("ascii"))
    except ValueError:
        return None
    nonce, body = raw[:12], raw[12:]
    for key in secret_keys:
        try:
            return AESGCM(_key(key)).decrypt(nonce, body, _aad(user_id)).decode("ascii")
        except (InvalidTag, ValueError):
            continue
    return None


def _keys(settings: Any) -> list[str]:
    return [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]


def create_device(user: Any, settings: Any, *, name: str = "Authenticator app") -> TOTPDevice:
    """A new, unconfirmed device for ``user`` with a fresh 160-bit secret.

    Any earlier unconfirmed device of the user is deleted: only the QR code shown last
    can be confirmed.
    """
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    secret = pyotp.random_base32(32)
    sealed = seal_secret(secret, user.pk, settings.SECRET_KEY)
    device: TOTPDevice = TOTPDevice.objects.create(user=user, name=name, secret=sealed)
    return device


def device_secret(device: TOTPDevice, settings: Any) -> str | None:
    """The clear secret of ``device`` (for the enrolment page and verification only)."""
    return open_secret(device.secret, device.user_id, _keys(settings))  # type: ignore[attr-defined]


def provisioning_uri(device: TOTPDevice, settings: Any, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI the QR code carries."""
    secret = device_secret(device, settings) or ""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account, issuer_name=issuer
    )


def confirmed_device(user: Any) -> TOTPDevice | None:
    """``user``'s active device, or None."""
    device: TOTPDevice | None = (
        TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()
    )
    return device


def has_mfa(user: Any) -> bool:
    """Whether ``user`` must pass the second step at login (a confirmed device or a passkey)."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return True
    return bool(WebAuthnCredential.objects.filter(user=user).exists())


def matching_step(secret: str, code: str, at: float) -> int | None:
    """The time step within ±:data:`VALID_WINDOW` of ``at`` whose code is ``code``, or None.

    Every step of the window is compared (in constant time) so the answer's timing does
    not depend on which step matched.
    """
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    current = int(at) // INTERVAL
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        expected = totp.generate_otp(step)
        if hmac.compare_digest(expected.encode(), code.encode()) and found is None:
            found = step
    return found


def normalize_code(code: object) -> str:
    """``code`` without the spaces and dashes people type between digit groups."""
    if not isinstance(code, str):
        return ""
    return "".join(code.split()).replace("-", "")


def verify_code(device: TOTPDevice, code: object, settings: Any) -> bool:
    """Whether ``code`` is a fresh valid code of ``device``; if so it is spent.

    "Fresh" means its time step is later than the last one accepted for this device,
    checked and recorded in one conditional UPDATE (race-free replay protection).
    """
    secret = device_secret(device, settings)
    if secret is None:
        return False
    step = matching_step(secret, normalize_code(code), now())
    if step is None or step <= device.last_step:
        return False
    won = TOTPDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
    if won != 1:
        return False
    device.last_step = step
    return True
