"""The ``signed_cookie`` backend: the whole session, signed and timestamped, in the cookie.

Nothing is stored on the server, so it needs no cache and scales without shared state. The
data is signed, not encrypted: the user can read it (base64 JSON), so keep secrets out of it.

Security: a cookie session cannot be revoked on the server. :meth:`Session.flush` deletes the
cookie in the browser, but a copy taken earlier (by malware, or from a shared computer)
stays valid until it expires by the idle timeout or the absolute lifetime, and an old copy
can be replayed to bring back older data. Where logout must end a session everywhere, use
the ``cache`` backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from bastion.security.signing import BadSignature, Signer
from bastion.sessions.base import SessionRecord, SessionTampered, SessionTooLarge
from bastion.sessions.serializer import record_from_json, record_to_json

if TYPE_CHECKING:
    from bastion.http.request import Request

__all__ = ["MAX_COOKIE_SIZE", "SignedCookieStore"]

MAX_COOKIE_SIZE: Final = 4000
"""Largest ``name=value`` of a session cookie, in bytes.

RFC 6265 asks browsers to keep cookies of at least 4096 bytes counting name, value *and*
attributes; beyond that they may drop the cookie without a word. 96 bytes are left for
``Max-Age``, ``Expires``, ``Path``, ``Secure``, ``HttpOnly`` and ``SameSite``.
"""


class SignedCookieStore:
    """Keep each session in its cookie, as signed (zlib-compressed when shorter) JSON.

    Args:
        signer: signs the cookie; use a salt of its own (``bastion.sessions.cookie``).
        cookie_name: the configured name, to count its length (with ``__Host-``) against
            :data:`MAX_COOKIE_SIZE`.
    """

    __slots__ = ("_limit", "_signer")

    def __init__(self, signer: Signer, *, cookie_name: str = "session") -> None:
        self._signer = signer
        self._limit = MAX_COOKIE_SIZE - len(f"__Host-{cookie_name}=")

    def load(self, request: Request, cookie: str) -> SessionRecord:
        """The record in ``cookie``.

        Raises:
            SessionTampered: the signature does not match (any key), or the payload is not a
                session record.
        """
        try:
            document = self._signer.loads(cookie)
        except BadSignature as exc:
            raise SessionTampered(f"The session cookie failed verification: {exc}") from None
        record = record_from_json(document)
        record.needs_save = self._signer.uses_fallback_key(cookie)
        return record

    def save(self, request: Request, record: SessionRecord, ttl: int) -> str:
        """The cookie value holding ``record`` (``ttl`` is enforced from the record's times).

        Raises:
            SessionTooLarge: the signed value is longer than a browser keeps.
        """
        value = self._signer.dumps(record_to_json(record, with_key=True), compress=True)
        if len(value) > self._limit:
            raise SessionTooLarge(
                f"The session needs a {len(value)}-byte cookie, over the {self._limit} bytes "
                f"browsers keep (keys: {', '.join(sorted(record.data))[:200]}). Browsers would "
                "drop it silently. Keep ids rather than objects in the session, or set "
                "SESSIONS.backend = 'cache' to keep the data on the server."
            )
        return value

    def delete(self, request: Request, key: str) -> None:
        """Nothing to do: there is no server-side copy (the middleware deletes the cookie)."""
