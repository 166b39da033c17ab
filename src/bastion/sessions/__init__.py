"""Sessions: per-visitor data kept between requests, JSON only, expiring, lazily loaded.

:class:`~bastion.middleware.sessions.SessionMiddleware` gives every request a
``request.session`` (a :class:`Session`); the backend named by ``SESSIONS.backend`` keeps it.
See ``docs/sessions.md``.
"""

from __future__ import annotations

from bastion.sessions.backends import CacheSessionStore as CacheSessionStore
from bastion.sessions.backends import DatabaseSessionStore as DatabaseSessionStore
from bastion.sessions.backends import MemorySessionStore as MemorySessionStore
from bastion.sessions.backends import SignedCookieStore as SignedCookieStore
from bastion.sessions.backends import store_from_settings as store_from_settings
from bastion.sessions.base import SessionRecord as SessionRecord
from bastion.sessions.base import SessionStore as SessionStore
from bastion.sessions.base import SessionTampered as SessionTampered
from bastion.sessions.base import SessionTooLarge as SessionTooLarge
from bastion.sessions.base import SessionUnavailable as SessionUnavailable
from bastion.sessions.base import new_session_key as new_session_key
from bastion.sessions.session import Session as Session

__all__ = [
    "CacheSessionStore",
    "DatabaseSessionStore",
    "MemorySessionStore",
    "Session",
    "SessionRecord",
    "SessionStore",
    "SessionTampered",
    "SessionTooLarge",
    "SessionUnavailable",
    "SignedCookieStore",
    "new_session_key",
    "store_from_settings",
]
