"""The shared half of server-side backends: a random id in a signed cookie, data elsewhere.

The cookie carries only the session id, signed (``s1.<id>.<time>.<signature>``). Signing an
id that is already 256 random bits does not make it harder to guess; it makes a planted or
made-up id fail *before* the store is asked (no cache round trip for garbage), and it lets a
forged cookie be told apart from one that merely expired, for the security log.

An id is never adopted from the client: when no record exists under a (validly signed) id,
the request gets a new session with a new id, so an attacker cannot choose or plant the id
of a session that someone else will then log in to.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Final

from bastion.security.signing import BadSignature, Signer
from bastion.sessions.base import SessionRecord, SessionTampered, is_session_key
from bastion.sessions.serializer import record_from_json, record_to_json

if TYPE_CHECKING:
    from bastion.http.request import Request

__all__ = ["KEY_PREFIX", "ServerSideStore"]

KEY_PREFIX: Final = "session:"
"""Prefix of the name under which a session is stored: ``session:<id>``."""


class ServerSideStore(ABC):
    """A store that keeps records on the server under ``session:<id>``.

    Subclasses implement :meth:`_get`, :meth:`_set` and :meth:`_delete` on final names and
    JSON-ready documents.

    Args:
        signer: signs the id in the cookie; use a salt of its own (``bastion.sessions.id``).
    """

    __slots__ = ("_signer",)

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def load(self, request: Request, cookie: str) -> SessionRecord | None:
        """The record named by the id in ``cookie``, or None when there is none any more.

        Raises:
            SessionTampered: the cookie's signature does not match, or the stored record is
                malformed.
        """
        try:
            key = self._signer.unsign(cookie)
        except BadSignature as exc:
            raise SessionTampered(f"The session cookie failed verification: {exc}") from None
        if not is_session_key(key):  # only a key holder could sign it: refuse, loudly
            raise SessionTampered("The session cookie holds a malformed id.")
        document = self._get(request, KEY_PREFIX + key)
        if document is None:
            return None
        record = record_from_json(document, key)
        record.needs_save = self._signer.uses_fallback_key(cookie)
        return record

    def save(self, request: Request, record: SessionRecord, ttl: int) -> str:
        """Store ``record`` for ``ttl`` seconds; return the signed id for the cookie."""
        self._set(request, KEY_PREFIX + record.key, record_to_json(record, with_key=False), ttl)
        return self._signer.sign(record.key)

    def delete(self, request: Request, key: str) -> None:
        """Delete the record ``key``, if it is still there."""
        self._delete(request, KEY_PREFIX + key)

    @abstractmethod
    def _get(self, request: Request, name: str) -> Any:
        """The decoded JSON stored under ``name``, or None."""

    @abstractmethod
    def _set(self, request: Request, name: str, document: dict[str, Any], ttl: int) -> None:
        """Store ``document`` under ``name`` for ``ttl`` seconds, replacing any value."""

    @abstractmethod
    def _delete(self, request: Request, name: str) -> None:
        """Remove ``name`` (missing is fine)."""
