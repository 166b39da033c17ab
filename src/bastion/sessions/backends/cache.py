"""The ``cache`` backend: session data in the application's cache (Redis in production).

The cookie holds only the signed session id; the data lives in ``request.app.cache`` under
``session:<id>`` as JSON, for as long as the idle timeout (or what is left of the absolute
lifetime, if less). Logging out deletes it, so a copied cookie dies with the session, and
every worker sharing the cache server shares the sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from bastion.cache.exceptions import CacheUnavailable
from bastion.sessions.backends.server import ServerSideStore
from bastion.sessions.base import SessionUnavailable

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.security.signing import Signer

__all__ = ["CacheSessionStore", "SessionCache"]


class SessionCache(Protocol):
    """What this backend needs of a cache (``bastion.cache.Cache`` provides it)."""

    def get(self, key: str, /) -> Any:
        """The JSON value under ``key``, or None."""
        ...

    def set(self, key: str, value: Any, timeout: int, /) -> object:
        """Store a JSON value for ``timeout`` seconds."""
        ...

    def delete(self, key: str, /) -> object:
        """Remove ``key``."""
        ...


class CacheSessionStore(ServerSideStore):
    """Keep sessions in a cache.

    Args:
        signer: signs the id in the cookie (salt ``bastion.sessions.id``).
        cache: the cache to use; by default the application's, ``request.app.cache``.

    A cache server that cannot be reached raises :class:`SessionUnavailable`: sessions read as
    empty (nobody is let in) and a view that changes one gets an error page.
    """

    __slots__ = ("_cache",)

    def __init__(self, signer: Signer, *, cache: SessionCache | None = None) -> None:
        super().__init__(signer)
        self._cache = cache

    def _cache_for(self, request: Request) -> SessionCache:
        cache = self._cache
        if cache is None:
            cache = request.app.cache
        return cache

    def _get(self, request: Request, name: str) -> Any:
        try:
            return self._cache_for(request).get(name)
        except CacheUnavailable as exc:
            raise SessionUnavailable(str(exc)) from exc

    def _set(self, request: Request, name: str, document: dict[str, Any], ttl: int) -> None:
        try:
            self._cache_for(request).set(name, document, ttl)
        except CacheUnavailable as exc:
            raise SessionUnavailable(str(exc)) from exc

    def _delete(self, request: Request, name: str) -> None:
        try:
            self._cache_for(request).delete(name)
        except CacheUnavailable as exc:
            raise SessionUnavailable(str(exc)) from exc
