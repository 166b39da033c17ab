"""Signing: hand a value to the client and know, when it comes back, that it is unchanged.

Built on itsdangerous, with the choices its compatibility keeps it from making by default:
HMAC-SHA-256, a signing key derived per purpose (the *salt*) with HMAC, and a short format
tag in front of every value so the format can move later without breaking old values.

Every signed value carries the time it was signed, so one format serves plain signing and
expiring links: ``unsign(value, max_age=3600)``.

Keys rotate without logging anyone out: values are signed with ``SECRET_KEY`` and verified
with it and every key of ``SECRET_KEY_FALLBACKS``. A value signed with an old key keeps
working until that key is dropped from the fallbacks; :meth:`Signer.uses_fallback_key` tells a
caller (the session layer) to sign it again with the current key.

Formats (the tag is covered by the signature, so one kind cannot pass for another)::

    s1.<value>.<timestamp>.<signature>          sign() / unsign()
    j1.<base64 JSON>.<timestamp>.<signature>    dumps() / loads()
    z1.<base64 zlib JSON>.<timestamp>.<signature>  dumps(compress=True), when shorter
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from itsdangerous import BadSignature as _ItsBadSignature
from itsdangerous import TimestampSigner as _TimestampSigner
from itsdangerous.encoding import want_bytes

from bastion.exceptions import ImproperlyConfigured, SuspiciousOperation

if TYPE_CHECKING:
    from bastion.settings import Settings

__all__ = [
    "CLOCK_SKEW",
    "BadSignature",
    "SignatureExpired",
    "Signer",
    "signer_from_settings",
]

CLOCK_SKEW: Final = 60
"""Seconds a timestamp may lie in the future and still pass a ``max_age`` check.

Servers behind one load balancer disagree on the time by a little; without this allowance a
value signed by one worker could be refused by the next as "signed in the future".
"""

_STRING_TAG: Final = "s1."
_JSON_TAG: Final = "j1."
_ZLIB_TAG: Final = "z1."
_JSON_TAGS: Final = (_JSON_TAG, _ZLIB_TAG)
_SALT_NAMESPACE: Final = "bastion.signing:"


class BadSignature(SuspiciousOperation):
    """A signed value was altered, signed with an unknown key, or is not a signed value.

    A :class:`~bastion.exceptions.SuspiciousOperation`: a view that lets it escape answers
    400 and logs to ``bastion.security.BadSignature`` (not a 500).
    """


class SignatureExpired(BadSignature):
    """The signature is genuine but older than ``max_age`` (or implausibly in the future).

    Attributes:
        date_signed: when the value was signed (UTC), to tell the user how stale a link is.
    """

    def __init__(self, message: str, *, date_signed: datetime) -> None:
        super().__init__(message)
        self.date_signed = date_signed


class _Signer(_TimestampSigner):
    """itsdangerous' timestamp signer with the derived keys computed once, not per call."""

    def __init__(self, keys: list[str], salt: str) -> None:
        super().__init__(keys, salt=salt, key_derivation="hmac", digest_method=hashlib.sha256)
        derive = super().derive_key
        self._derived = {key: derive(key) for key in self.secret_keys}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        if secret_key is None:
            return self._derived[self.secret_keys[-1]]
        return self._derived[want_bytes(secret_key)]


class Signer:
    """Sign and verify values for one purpose (the ``salt``).

    Args:
        secret_key: the current key; new values are signed with it.
        fallback_keys: older keys, newest first (as ``SECRET_KEY_FALLBACKS``); values signed
            with them still verify. Drop a key from the list to invalidate what it signed.
        salt: the purpose, e.g. ``"myapp.unsubscribe"``. A value signed for one purpose never
            verifies for another, so a token from one feature cannot be replayed at another.

    Security: every fallback key still forges valid values. Keep an old key only as long as
    what it signed must live (the session absolute lifetime), and never keep a key that
    leaked: remove it at once, accepting that its sessions end.

    Raises:
        ImproperlyConfigured: a key or the salt is empty.
    """

    __slots__ = ("_current", "_signer", "salt")

    def __init__(self, secret_key: str, *, fallback_keys: Sequence[str] = (), salt: str) -> None:
        if not secret_key:
            raise ImproperlyConfigured(
                "Signing needs a SECRET_KEY. Set BASTION_SECRET_KEY to the output of "
                "`bastion secretkey`."
            )
        if isinstance(fallback_keys, str) or not all(fallback_keys):
            raise ImproperlyConfigured("SECRET_KEY_FALLBACKS must be a list of non-empty keys.")
        if not salt:
            raise ImproperlyConfigured("A Signer needs a salt naming its purpose.")
        self.salt = salt
        namespaced = _SALT_NAMESPACE + salt
        # itsdangerous takes keys oldest to newest; it signs with the last and verifies with
        # all of them, newest first.
        self._signer = _Signer([*reversed(fallback_keys), secret_key], namespaced)
        self._current = self._signer if not fallback_keys else _Signer([secret_key], namespaced)

    def __repr__(self) -> str:
        keys = len(self._signer.secret_keys)
        return f"<Signer salt={self.salt!r} keys={keys}>"

    # -- strings ---------------------------------------------------------------------------

    def sign(self, value: str) -> str:
        """Return ``value`` with a timestamp and a signature appended.

        The result contains ``value`` in clear: signing proves integrity, it does not hide
        anything. It is URL- and cookie-safe when ``value`` is.
        """
        return self._signer.sign(_STRING_TAG + value).decode("utf-8")

    def unsign(self, signed: str, *, max_age: int | None = None) -> str:
        """Return the value inside ``signed`` after checking its signature (and age).

        Args:
            signed: what :meth:`sign` returned.
            max_age: refuse values signed more than this many seconds ago.

        Raises:
            SignatureExpired: the signature is genuine but too old.
            BadSignature: anything else is wrong with ``signed``.
        """
        data = self._verify(signed, (_STRING_TAG,), max_age)
        return data[len(_STRING_TAG) :]

    # -- JSON -----------------------------------------------------------------------------

    def dumps(self, obj: Any, *, compress: bool = False) -> str:
        """Serialise ``obj`` as JSON, then sign it; the result is URL- and cookie-safe.

        Args:
            obj: a JSON value (dict, list, str, int, float, bool, None).
            compress: zlib-compress the JSON when that makes it shorter.

        Raises:
            TypeError: ``obj`` holds something JSON cannot represent.
            ValueError: ``obj`` holds NaN or infinity.
        """
        raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
        tag = _JSON_TAG
        if compress:
            packed = zlib.compress(raw)
            if len(packed) < len(raw):
                raw, tag = packed, _ZLIB_TAG
        payload = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
        return self._signer.sign(tag + payload).decode("ascii")

    def loads(self, signed: str, *, max_age: int | None = None) -> Any:
        """Return the JSON value inside ``signed``, after checking signature and age.

        The payload is decoded only after the signature verified, and only as JSON: never
        pickle, so a leaked or guessed format cannot run code.

        Raises:
            SignatureExpired: the signature is genuine but too old.
            BadSignature: anything else is wrong with ``signed``.
        """
        data = self._verify(signed, _JSON_TAGS, max_age)
        payload = data[len(_JSON_TAG) :]
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            if data.startswith(_ZLIB_TAG):
                raw = zlib.decompress(raw)
            return _DECODER.decode(raw.decode("utf-8"))
        except (ValueError, binascii.Error, zlib.error, RecursionError) as exc:
            raise BadSignature("The signed payload is not valid JSON.") from exc

    # -- rotation ---------------------------------------------------------------------------

    def uses_fallback_key(self, signed: str) -> bool:
        """Whether ``signed`` verifies only with a fallback key, not with the current one.

        Call it after :meth:`unsign` or :meth:`loads` succeeded: True means "sign this again
        now", so that the old key can be retired without logging anyone out.
        """
        if self._current is self._signer:
            return False
        return not self._current.validate(signed)

    # -- internals --------------------------------------------------------------------------

    def _verify(self, signed: str, tags: tuple[str, ...], max_age: int | None) -> str:
        """The signed data (tag included) of ``signed``, verified, with its age checked."""
        if not isinstance(signed, str) or not signed.startswith(tags):
            raise BadSignature("The value is not a signed value of a known format.")
        try:
            raw = signed.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: nothing we signed
            raise BadSignature("The value is not a signed value of a known format.") from None
        # base64 leaves spare bits in the last character, and the decoder ignores them: "...A"
        # and "...B" would verify alike. Only the canonical spelling is accepted, so a signed
        # value has exactly one valid form (a "used tokens" list cannot be dodged).
        parts = raw.rsplit(b".", 2)
        if len(parts) != 3 or not (_canonical(parts[1]) and _canonical(parts[2])):
            raise BadSignature("The signature does not match.")
        try:
            if max_age is None:  # the common case: no datetime to build
                data = self._signer.unsign(raw)
            else:
                data, date_signed = self._signer.unsign(raw, return_timestamp=True)
                _check_age(date_signed, max_age)
        except _ItsBadSignature as exc:
            raise BadSignature("The signature does not match.") from exc
        # ``raw`` is UTF-8 and ``data`` a part of it cut at an ASCII ".": it decodes.
        return data.decode("utf-8")


def _canonical(segment: bytes) -> bool:
    """Whether ``segment`` is the one unpadded base64url spelling of the bytes it encodes."""
    try:
        decoded = base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return False
    return base64.urlsafe_b64encode(decoded).rstrip(b"=") == segment


def _check_age(date_signed: datetime, max_age: int) -> None:
    age = int(time.time()) - int(date_signed.timestamp())
    if age > max_age:
        raise SignatureExpired(
            f"The signature is {age} seconds old (max_age={max_age}).", date_signed=date_signed
        )
    if age < -CLOCK_SKEW:
        raise SignatureExpired(
            f"The signature is dated {-age} seconds in the future; check the servers' clocks.",
            date_signed=date_signed,
        )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every call (json.loads with options builds a new one each time).
_DECODER: Final = json.JSONDecoder(parse_constant=_refuse_constant)


def signer_from_settings(settings: Settings, salt: str) -> Signer:
    """A :class:`Signer` for ``salt`` with the project's ``SECRET_KEY`` and its fallbacks.

    Raises:
        ImproperlyConfigured: ``SECRET_KEY`` is empty.
    """
    return Signer(settings.SECRET_KEY, fallback_keys=settings.SECRET_KEY_FALLBACKS, salt=salt)
