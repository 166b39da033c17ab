"""What every session backend shares: the record, the store protocol, ids and errors.

A *store* keeps session records somewhere (in the cookie itself, in the cache, in memory) and
turns them into the value of the session cookie. The :class:`~bastion.sessions.Session` object
decides *when* to load and save; the store only knows *how*.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeGuard

from bastion.exceptions import BastionError, SuspiciousOperation

if TYPE_CHECKING:
    from bastion.http.request import Request

__all__ = [
    "SessionRecord",
    "SessionStore",
    "SessionTampered",
    "SessionTooLarge",
    "SessionUnavailable",
    "is_session_key",
    "new_session_key",
]

_KEY_BYTES: Final = 32
# token_urlsafe(32) gives 43 characters; accept any urlsafe id of 128 bits or more, so the
# length can grow without invalidating sessions, and nothing else reaches a cache key.
_KEY = re.compile(r"[A-Za-z0-9_-]{22,128}")


class SessionTampered(SuspiciousOperation):
    """A session cookie or stored record failed verification or is malformed.

    Never raised to the client: the session layer logs it to
    ``bastion.security.SessionTampered`` and starts a new, empty session instead.
    """


class SessionTooLarge(BastionError):
    """The session does not fit in a cookie (browsers silently drop cookies over ~4 KB).

    Raised when the response is being finished, so the data is never lost silently. Keep
    less in the session (ids rather than objects) or use ``SESSIONS.backend = "cache"``.
    """


class SessionUnavailable(BastionError):
    """The store holding sessions (the cache server) could not be reached.

    While it is down, sessions read as empty (users look logged out, nobody is let in) and
    their cookies are kept, so everyone is back when it returns. A view that changes the
    session in that state gets this error after it returns (a 500), rather than losing the
    change silently.
    """


@dataclass(slots=True)
class SessionRecord:
    """One session as a store keeps it.

    Attributes:
        key: the session's random id (the name of server-side data; for the cookie backend,
            only what makes each session's cookie unique).
        data: the user's keys and JSON values.
        created: when the session (or its last :meth:`~bastion.sessions.Session.cycle_key`)
            began, in Unix seconds; the absolute lifetime counts from here.
        activity: when the session was last saved or refreshed, in Unix seconds; the idle
            timeout counts from here.
        needs_save: set by a store when the cookie should be written again although the
            data did not change (it was signed with a fallback key).
    """

    key: str
    data: dict[str, Any]
    created: int
    activity: int
    needs_save: bool = False


class SessionStore(Protocol):
    """Where sessions live. Implement these three methods to add a backend.

    Each method receives the request being served, so that a store can reach the
    application's services (``request.app.cache``) without holding them.
    """

    def load(self, request: Request, cookie: str) -> SessionRecord | None:
        """The record the cookie value points to, or None when there is none (any more).

        Raises:
            SessionTampered: the cookie or the stored record is forged or malformed.
        """
        ...

    def save(self, request: Request, record: SessionRecord, ttl: int) -> str:
        """Store ``record`` for ``ttl`` seconds and return the new cookie value.

        Raises:
            SessionTooLarge: the result does not fit where it must go.
        """
        ...

    def delete(self, request: Request, key: str) -> None:
        """Forget the record ``key`` (nothing to do for stores without server-side data)."""
        ...


def new_session_key() -> str:
    """A fresh session id: 256 random bits, URL- and cookie-safe (43 characters)."""
    return secrets.token_urlsafe(_KEY_BYTES)


def is_session_key(value: object) -> TypeGuard[str]:
    """Whether ``value`` has the shape of a session id (urlsafe, at least 128 bits)."""
    return isinstance(value, str) and _KEY.fullmatch(value) is not None
