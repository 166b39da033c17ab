"""Session backends, and :func:`store_from_settings` which picks one from ``SESSIONS``.

``signed_cookie`` (the default) keeps the data in the cookie; ``cache`` keeps it in the
application's cache (Redis in production); ``database`` keeps it in a table through the ORM;
``memory`` keeps it in the process, for tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.security.signing import signer_from_settings
from bastion.sessions.backends.cache import CacheSessionStore as CacheSessionStore
from bastion.sessions.backends.cache import SessionCache as SessionCache
from bastion.sessions.backends.database import DatabaseSessionStore as DatabaseSessionStore
from bastion.sessions.backends.memory import MemorySessionStore as MemorySessionStore
from bastion.sessions.backends.server import ServerSideStore as ServerSideStore
from bastion.sessions.backends.signed_cookie import MAX_COOKIE_SIZE as MAX_COOKIE_SIZE
from bastion.sessions.backends.signed_cookie import SignedCookieStore as SignedCookieStore

if TYPE_CHECKING:
    from bastion.sessions.base import SessionStore
    from bastion.settings import Settings

__all__ = [
    "COOKIE_SALT",
    "ID_SALT",
    "MAX_COOKIE_SIZE",
    "CacheSessionStore",
    "DatabaseSessionStore",
    "MemorySessionStore",
    "ServerSideStore",
    "SessionCache",
    "SignedCookieStore",
    "store_from_settings",
]

COOKIE_SALT = "bastion.sessions.cookie"
"""Signing purpose of ``signed_cookie`` session cookies."""
ID_SALT = "bastion.sessions.id"
"""Signing purpose of the session id in the cookie of server-side backends."""


def store_from_settings(settings: Settings) -> SessionStore:
    """The store ``SESSIONS.backend`` names, signing with ``SECRET_KEY`` (and its fallbacks).

    Raises:
        ImproperlyConfigured: ``SECRET_KEY`` is empty.
    """
    backend = settings.SESSIONS.backend
    if backend == "signed_cookie":
        signer = signer_from_settings(settings, COOKIE_SALT)
        return SignedCookieStore(signer, cookie_name=settings.SESSIONS.cookie_name)
    signer = signer_from_settings(settings, ID_SALT)
    if backend == "cache":
        return CacheSessionStore(signer)
    if backend == "database":
        return DatabaseSessionStore(signer)
    return MemorySessionStore(signer)
