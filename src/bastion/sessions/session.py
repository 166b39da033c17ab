"""``request.session``: a dict-like object that costs nothing until a view uses it.

The session middleware attaches a :class:`Session` to every request without reading the
cookie. The first read or write loads it (cookie parsed, signature checked, store asked); the
middleware saves it after the view only if it changed, or if its expiry needs refreshing.

Expiry is enforced here, on the server, from the times kept in the record, whatever the
browser does with ``Max-Age``: a session idle for longer than ``SESSIONS.idle_timeout`` or
older than ``SESSIONS.absolute_lifetime`` is discarded and the request gets a new, empty one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any, NamedTuple

from bastion.sessions.base import (
    SessionRecord,
    SessionStore,
    SessionTampered,
    SessionUnavailable,
    new_session_key,
)
from bastion.sessions.serializer import check_json

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.settings import SessionConfig

__all__ = ["CookieChange", "Session", "refresh_interval", "session_cookie_name"]

expiry_logger = logging.getLogger("bastion.security.SessionExpired")
store_logger = logging.getLogger("bastion.sessions")


class CookieChange(NamedTuple):
    """What the session cookie must become: a new value, or deleted (``value is None``)."""

    value: str | None
    max_age: int = 0


_DELETE = CookieChange(None)


def session_cookie_name(config: SessionConfig, request: Request) -> str:
    """``__Host-<cookie_name>`` over HTTPS (bound to this host, Secure, Path=/), else plain.

    Over HTTPS only the ``__Host-`` cookie is read: a plain-named cookie planted by a
    sibling subdomain or over plain HTTP is never taken for the session.
    """
    name = config.cookie_name
    return "__Host-" + name if request.is_secure else name


def refresh_interval(idle_timeout: int) -> int:
    """Seconds of activity after which an unchanged session is saved again to stay alive.

    Once a minute, or every twentieth of the idle timeout when that is shorter: a session
    that is only read costs at most one write (and one ``Set-Cookie``) per minute, and ends at
    most 5 % of the idle timeout early.
    """
    return min(60, max(1, idle_timeout // 20))


class Session(MutableMapping[str, Any]):
    """The session of one request: string keys, JSON values.

    Use it as a dict (``request.session["cart"] = [3, 7]``). Values must be JSON: they are
    checked when the session is saved, and a ``TypeError`` names the key that is not.

    Changes inside a stored value (``request.session["cart"].append(9)``) are not seen;
    assign the value again, or set :attr:`modified`.

    Attributes:
        modified: whether the session will be saved after the view; set it yourself after
            changing a value in place.
    """

    __slots__ = (
        "_activity",
        "_config",
        "_cookie_sent",
        "_created",
        "_data",
        "_key",
        "_request",
        "_stale",
        "_store",
        "_stored",
        "_unavailable",
        "modified",
    )

    _activity: int | None  # when the stored record was last saved; None: nothing stored
    _cookie_sent: bool
    _created: int | None
    _key: str | None  # the session's id (it may not be stored yet)
    _stale: list[str]  # ids whose records are deleted at commit
    _stored: str | None  # the id a record is stored under, if any
    _unavailable: bool

    def __init__(self, store: SessionStore, request: Request, config: SessionConfig) -> None:
        # Nothing else happens here: a request that never uses its session pays for this only.
        self._store = store
        self._request: Request | None = request
        self._config = config
        self._data: dict[str, Any] | None = None
        self.modified = False

    def __repr__(self) -> str:
        if self._data is None:
            return "<Session (not loaded)>"
        state = " modified" if self.modified else ""
        return f"<Session keys={sorted(self._data)!r}{state}>"

    # -- the mapping ---------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        return self._load()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"Session keys are strings, got {key!r}.")
        self._writable()[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._writable()[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, key: object) -> bool:
        return key in self._load()

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return self._load().get(key, default)

    def clear(self) -> None:
        """Remove every key (the session keeps its id; see :meth:`flush` to end it)."""
        data = self._writable()
        if data:
            data.clear()
            self.modified = True

    # -- state -------------------------------------------------------------------------------

    @property
    def session_key(self) -> str | None:
        """The session's random id, None until a new session is first saved.

        Security: for the cache backend this id is what the (signed) cookie carries; never
        log it or put it in a URL.
        """
        self._load()
        return self._key

    @property
    def accessed(self) -> bool:
        """Whether the session was used (loaded) during this request."""
        return self._data is not None

    @property
    def is_empty(self) -> bool:
        """Whether the session holds no keys (an empty session is never stored)."""
        return not self._load()

    def cycle_key(self) -> None:
        """Keep the data under a new id; the old id stops working.

        Call it when the user logs in or their privileges change, so that an id an attacker
        planted or saw before (session fixation) is worth nothing afterwards. The absolute
        lifetime starts again, as for a new session.
        """
        self._writable()
        self._retire()
        self._key = new_session_key()
        self.modified = True

    def flush(self) -> None:
        """End the session: data removed, server-side record deleted, cookie deleted.

        Call it when the user logs out. Keys set afterwards go into a new session.
        """
        self._writable()
        self._retire()
        self._data = {}
        self._key = None
        self.modified = True

    def _retire(self) -> None:
        """Mark the stored record (if any) for deletion; the next save starts a new one."""
        if self._stored is not None:
            self._stale.append(self._stored)
            self._stored = None
        self._created = self._activity = None

    # -- loading --------------------------------------------------------------------------

    def _owner(self) -> Request:
        request = self._request
        if request is None:
            raise RuntimeError(
                "request.session was used after the session layer had finished with it (in a "
                "middleware outside SessionMiddleware?), where changes are never saved. Move "
                "that code inside the session layer."
            )
        return request

    def _writable(self) -> dict[str, Any]:
        if self._request is None:
            self._owner()  # raises: a change now would be lost
        return self._load()

    def close(self) -> None:
        """Let go of the request; the session layer calls this when it is done.

        The request holds the session and the session its request: without this the pair is
        a reference cycle that only the garbage collector frees (about 1 µs per request).
        Afterwards the session can still be read if it was loaded, but not changed.
        """
        self._request = None

    def _load(self) -> dict[str, Any]:
        data = self._data
        if data is None:
            data = self._open()
        return data

    def _open(self) -> dict[str, Any]:
        """Read the cookie and the store once; any failure gives a new, empty session."""
        self._key = self._stored = None
        self._created = self._activity = None
        self._stale = []
        self._unavailable = False
        request = self._owner()
        cookie = request.cookies.get(session_cookie_name(self._config, request))
        self._cookie_sent = cookie is not None
        record = self._read(cookie) if cookie else None
        if record is None:
            self._data = {}
        else:
            self._data = record.data
            self._key = self._stored = record.key
            self._created = record.created
            self._activity = record.activity
            self.modified = record.needs_save
        return self._data

    def _read(self, cookie: str) -> SessionRecord | None:
        request = self._owner()
        try:
            record = self._store.load(request, cookie)
        except SessionTampered as exc:
            logging.getLogger(exc.logger_name).warning(
                "SessionTampered: %s Starting a new session (path %s).", exc, request.path
            )
            return None
        except SessionUnavailable as exc:
            store_logger.error("Sessions are unavailable: %s", exc)
            self._unavailable = True
            return None
        if record is None:
            return None
        now = int(time.time())
        config = self._config
        if now - record.created > config.absolute_lifetime:
            reason = "absolute lifetime"
        elif now - record.activity > config.idle_timeout:
            reason = "idle timeout"
        else:
            return record
        expiry_logger.info("Session expired (%s); starting a new one.", reason)
        self._stale.append(record.key)
        return None

    # -- saving ----------------------------------------------------------------------------

    def commit(self, *, save: bool = True) -> CookieChange | None:
        """Write what changed to the store; return how the cookie must change, if at all.

        The session middleware calls this after the view; a view never needs to.

        Args:
            save: False after a failed response (5xx): changes are discarded, but an id
                that :meth:`flush` or :meth:`cycle_key` retired is still deleted (and so is
                the cookie), so that logging out cannot fail open.

        Raises:
            TypeError, ValueError: a value is not JSON (the message names its key).
            SessionTooLarge: the data does not fit in a cookie (cookie backend).
            SessionUnavailable: the store could not be reached and the view changed the
                session.
        """
        data = self._data
        if data is None:
            return None
        if self._unavailable:
            if self.modified:
                raise SessionUnavailable("The session store is unreachable; changes are lost.")
            return None
        change = self._save(data) if save else (_DELETE if self._stale else None)
        if change is not None:
            if change.value is None and not self._cookie_sent:
                change = None  # nothing to delete in the browser
            else:
                self._cookie_sent = change.value is not None
        if self._stale:
            request = self._owner()
            stale, self._stale = self._stale, []
            for key in stale:
                self._store.delete(request, key)
        return change

    def _save(self, data: dict[str, Any]) -> CookieChange | None:
        if not data:  # an empty session is never stored: forget it
            self._retire()
            self._key = None
            self.modified = False
            return _DELETE
        now = int(time.time())
        config = self._config
        if not self.modified and (
            self._activity is None or now - self._activity < refresh_interval(config.idle_timeout)
        ):
            return None
        check_json(data)
        key = self._key
        if key is None:
            key = self._key = new_session_key()
        created = self._created
        if created is None:
            created = self._created = now
        ttl = max(1, min(config.idle_timeout, created + config.absolute_lifetime - now))
        value = self._store.save(self._owner(), SessionRecord(key, data, created, now), ttl)
        self._stored, self._activity = key, now
        self.modified = False
        return CookieChange(value, ttl)
