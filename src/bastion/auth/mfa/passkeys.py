"""Passkeys (WebAuthn, via ``webauthn``) as a second factor: registration and assertions.

A passkey is a key pair held by an authenticator (a security key, a phone, the platform); the
server keeps only the public key (:class:`~bastion.auth.models.WebAuthnCredential`), so a
database dump gives nobody a second factor. Every ceremony is the same two steps:

1. **begin** — a fresh 256-bit challenge is stored in the session (with its purpose, the user
   and the time) and the options for ``navigator.credentials.create()``/``get()`` are
   returned as JSON;
2. **finish** — the challenge is *popped* before anything is checked (one use, even when the
   response is wrong), refused when older than :data:`CHALLENGE_TTL` or meant for another
   purpose or user, then the response is verified by ``webauthn``.

The relying party id and the origin come from ``settings.SITE_URL`` and never from the
request's ``Host`` header: a response signed for another site (a phishing page proxying ours)
names that site's origin and fails. An assertion must come from a credential registered to
*the user being logged in*, and its signature counter must have grown since the last use
when either value is non-zero (a cloned authenticator lags behind the original); the new
counter is written with a conditional UPDATE, so two racing requests cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import webauthn
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from bastion.auth.mfa import totp
from bastion.auth.models import WebAuthnCredential
from bastion.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from bastion.http.request import Request

__all__ = [
    "CHALLENGE_SESSION_KEY",
    "CHALLENGE_TTL",
    "authenticate",
    "authentication_options",
    "has_passkey",
    "origin",
    "register",
    "registration_options",
    "rp_id",
    "user_credentials",
]

CHALLENGE_SESSION_KEY: Final = "_passkey_challenge"
CHALLENGE_TTL: Final = 120
"""Seconds a challenge stays usable: the browser's prompt times out after 60."""
_TIMEOUT_MS: Final = 60_000
_MAX_CREDENTIAL_ID: Final = 512  # base64url characters: the column's width
_USER_HANDLE_SALT: Final = b"bastion.auth.mfa.passkeys.user-handle"


def _site(settings: Any) -> tuple[str, str]:
    """(rp id, origin) from ``SITE_URL``; a site without one cannot offer passkeys."""
    site = urlsplit(str(getattr(settings, "SITE_URL", "") or ""))
    if site.scheme not in ("http", "https") or not site.hostname:
        raise ImproperlyConfigured("Passkeys need SITE_URL (the site's public https:// URL).")
    host = site.hostname
    if _is_ip(host):
        raise ImproperlyConfigured(
            f"Passkeys need a domain name in SITE_URL, not the address {host}: browsers refuse "
            "an IP address as the relying party (in development use http://localhost:PORT)."
        )
    port = f":{site.port}" if site.port is not None else ""
    return host, f"{site.scheme}://{host}{port}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def rp_id(settings: Any) -> str:
    """The relying party id: the host name of ``SITE_URL``."""
    return _site(settings)[0]


def origin(settings: Any) -> str:
    """The origin a browser reports for our pages: scheme, host and port of ``SITE_URL``."""
    return _site(settings)[1]


def has_passkey(user: Any) -> bool:
    """Whether ``user`` has at least one registered passkey."""
    return bool(WebAuthnCredential.objects.filter(user=user).exists())


def user_credentials(user: Any) -> list[WebAuthnCredential]:
    """``user``'s passkeys, oldest first."""
    return list(WebAuthnCredential.objects.filter(user=user).order_by("id"))


def _user_handle(user: Any, settings: Any) -> bytes:
    # Stable per user (an authenticator replaces its own passkey for the same handle) but
    # not the primary key: the handle is readable by anyone holding the authenticator.
    key = hmac.new(_USER_HANDLE_SALT, settings.SECRET_KEY.encode(), hashlib.sha256).digest()
    return hmac.new(key, str(user.pk).encode(), hashlib.sha256).digest()


def _descriptors(user: Any) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(c.credential_id))
        for c in user_credentials(user)
    ]


def _remember(request: Request, kind: str, user: Any, challenge: bytes) -> None:
    request.session[CHALLENGE_SESSION_KEY] = {
        "kind": kind,
        "uid": str(user.pk),  # JSON-safe and compared as text, whatever the key's type
        "at": totp.now(),
        "c": bytes_to_base64url(challenge),
    }


def _consume(request: Request, kind: str, user: Any) -> bytes | None:
    """The stored challenge for ``kind`` and ``user``, removed from the session; else None."""
    session = request.session
    data = session.get(CHALLENGE_SESSION_KEY)
    if CHALLENGE_SESSION_KEY in session:
        del session[CHALLENGE_SESSION_KEY]  # spent whatever happens next
    if not isinstance(data, dict) or data.get("kind") != kind or data.get("uid") != str(user.pk):
        return None
    at, now = data.get("at"), totp.now()
    if (
        not isinstance(at, (int, float))
        or isinstance(at, bool)
        or not 0 <= now - at <= CHALLENGE_TTL
    ):
        return None
    try:
        return webauthn.base64url_to_bytes(str(data.get("c")))
    except ValueError:
        return None


def registration_options(request: Request, user: Any) -> str:
    """JSON options for ``navigator.credentials.create()``; remembers the challenge."""
    settings = request.settings
    challenge = secrets.token_bytes(32)
    options = webauthn.generate_registration_options(
        rp_id=rp_id(settings),
        rp_name=rp_id(settings),
        user_name=str(user.email),
        user_id=_user_handle(user, settings),
        challenge=challenge,
        timeout=_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    _remember(request, "register", user, challenge)
    return webauthn.options_to_json(options)


def register(
    request: Request, user: Any, credential: object, *, name: str = "Passkey"
) -> WebAuthnCredential | None:
    """Verify ``credential`` (the browser's JSON) and store the new passkey; None if refused.

    Refused: no live registration challenge for ``user``, a response ``webauthn`` rejects
    (challenge, origin, rp id, user presence, malformed data), or a credential id already
    registered (to this or another account).
    """
    challenge = _consume(request, "register", user)
    if challenge is None or not isinstance(credential, (dict, str)):
        return None
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(request.settings),
            expected_origin=origin(request.settings),
        )
    except (WebAuthnException, ValueError, TypeError, KeyError):
        return None
    credential_id = bytes_to_base64url(verified.credential_id)
    if len(credential_id) > _MAX_CREDENTIAL_ID:
        return None
    if WebAuthnCredential.objects.filter(credential_id=credential_id).exists():
        return None
    created: WebAuthnCredential = WebAuthnCredential.objects.create(
        user=user,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=(name.strip() or "Passkey")[:64],
    )
    return created


def authentication_options(request: Request, user: Any) -> str:
    """JSON options for ``navigator.credentials.get()`` (``user``'s passkeys only)."""
    challenge = secrets.token_bytes(32)
    options = webauthn.generate_authentication_options(
        rp_id=rp_id(request.settings),
        challenge=challenge,
        timeout=_TIMEOUT_MS,
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _remember(request, "verify", user, challenge)
    return webauthn.options_to_json(options)


def authenticate(request: Request, user: Any, credential: object) -> WebAuthnCredential | None:
    """The passkey of ``user`` that validly signed the live challenge; None if refused.

    On success its counter and ``last_used`` are updated (a conditional UPDATE on the old
    counter, so a response raced through twice is accepted once when counters are in use).
    """
    challenge = _consume(request, "verify", user)
    if challenge is None or not isinstance(credential, dict):
        return None
    raw_id = credential.get("id")
    if not isinstance(raw_id, str) or not raw_id or len(raw_id) > _MAX_CREDENTIAL_ID:
        return None
    stored: WebAuthnCredential | None = WebAuthnCredential.objects.filter(
        user=user, credential_id=raw_id
    ).first()
    if stored is None:
        return None  # unknown, or another account's passkey
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(request.settings),
            expected_origin=origin(request.settings),
            credential_public_key=bytes(stored.public_key),
            credential_current_sign_count=int(stored.sign_count),
        )
    except (WebAuthnException, ValueError, TypeError, KeyError):
        return None
    when = dt.datetime.now(dt.UTC)
    won = WebAuthnCredential.objects.filter(pk=stored.pk, sign_count=stored.sign_count).update(
        sign_count=verified.new_sign_count, last_used=when
    )
    if won != 1 and verified.new_sign_count > 0:
        return None
    stored.sign_count, stored.last_used = verified.new_sign_count, when
    return stored
