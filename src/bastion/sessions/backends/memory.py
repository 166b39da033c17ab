"""The ``memory`` backend: sessions in a dict of this process, for tests and the demo.

Security: every worker process has its own dict, and a restart empties it. Behind gunicorn
with several workers a user's requests land on different workers and their session comes
and goes. Use ``cache`` (Redis) or ``signed_cookie`` in production.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from bastion.sessions.backends.server import ServerSideStore
from bastion.sessions.serializer import decode, encode

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.security.signing import Signer

__all__ = ["MemorySessionStore"]


class MemorySessionStore(ServerSideStore):
    """Keep sessions in this process, as JSON text (so no object is shared between requests).

    Args:
        signer: signs the id in the cookie (salt ``bastion.sessions.id``).
        max_entries: sessions kept at most; expired ones go first, then the oldest.
    """

    __slots__ = ("_entries", "_lock", "max_entries")

    def __init__(self, signer: Signer, *, max_entries: int = 10_000) -> None:
        super().__init__(signer)
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def _get(self, request: Request, name: str) -> Any:
        entry = self._entries.get(name)
        if entry is None:
            return None
        expires, text = entry
        if expires <= time.time():
            self._entries.pop(name, None)
            return None
        return decode(text)

    def _set(self, request: Request, name: str, document: dict[str, Any], ttl: int) -> None:
        text = encode(document)
        with self._lock:
            self._entries.pop(name, None)  # re-inserted last: the dict's order is by age
            self._entries[name] = (time.time() + ttl, text)
            if len(self._entries) > self.max_entries:
                self._evict()

    def _evict(self) -> None:
        now = time.time()
        for name in [n for n, (expires, _) in self._entries.items() if expires <= now]:
            del self._entries[name]
        while len(self._entries) > self.max_entries:
            del self._entries[next(iter(self._entries))]

    def _delete(self, request: Request, name: str) -> None:
        self._entries.pop(name, None)
