"""The session layer: ``request.session`` for every request, saved after the view if needed.

Attaching the session costs one small object per request; the cookie is not parsed, checked
or looked up until a view (or a later layer, such as CSRF) uses the session. After the view:

* a session that was used adds ``Vary: Cookie`` (the response depends on who asked);
* a session that changed is saved and its cookie set; one that became empty (or was
  flushed) is deleted, with its cookie;
* a session that was only read is saved again when its idle expiry needs moving forward,
  at most once a minute (see :func:`~bastion.sessions.session.refresh_interval`);
* otherwise the response is left alone: no ``Set-Cookie`` on responses that did not need one.

The cookie is ``__Host-session`` over HTTPS (host-only, ``Path=/``, ``Secure``), always
``HttpOnly`` with the configured ``SameSite``, and ``Secure`` even over HTTP unless DEBUG is on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from bastion.exceptions import ImproperlyConfigured
from bastion.sessions.backends import store_from_settings
from bastion.sessions.session import Session, session_cookie_name

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.sessions.base import SessionStore
    from bastion.settings import Settings
    from bastion.types import Handler

__all__ = ["SessionMiddleware"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


class SessionMiddleware:
    """Give each request a lazy ``request.session`` and save it after the view.

    Args:
        settings: the project's settings (``SESSIONS``, ``SECRET_KEY`` and its fallbacks,
            ``DEBUG``).
        store: a store to use instead of the one ``SESSIONS.backend`` names (a custom
            backend, or a test double).

    Raises:
        ImproperlyConfigured: the cookie name is not usable, or ``SECRET_KEY`` is empty.
    """

    __slots__ = ("_config", "_secure", "_store")

    def __init__(self, settings: Settings, *, store: SessionStore | None = None) -> None:
        config = settings.SESSIONS
        name = config.cookie_name
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ImproperlyConfigured(
                f"SESSIONS.cookie_name {name!r} is not a valid cookie name (letters, digits, "
                "and !#$%&'*+-.^_`|~ only)."
            )
        if name.lower().startswith(("__host-", "__secure-")):
            raise ImproperlyConfigured(
                f"SESSIONS.cookie_name {name!r}: leave the prefix out; '__Host-' is added "
                "automatically over HTTPS."
            )
        self._store = store_from_settings(settings) if store is None else store
        self._config = config
        # Secure unless DEBUG: a production site reached over plain HTTP must not send it.
        self._secure = not settings.DEBUG

    def __repr__(self) -> str:
        return f"<SessionMiddleware store={type(self._store).__name__}>"

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        session = Session(self._store, request, self._config)
        cast("Any", request).session = session
        try:
            response = call_next(request)
            if session.accessed:
                self._finish(request, session, response)
        finally:
            session.close()
        return response

    def _finish(self, request: Request, session: Session, response: Response) -> None:
        _vary_on_cookie(response)
        change = session.commit(save=response.status_code < 500)
        if change is None:
            return
        config = self._config
        name = session_cookie_name(config, request)
        secure = self._secure or request.is_secure
        if change.value is None:
            response.delete_cookie(name, secure=secure, samesite=config.samesite)
        else:
            response.set_cookie(
                name,
                change.value,
                max_age=change.max_age if config.persistent else None,
                secure=secure,
                httponly=True,
                samesite=config.samesite,
            )


def _vary_on_cookie(response: Response) -> None:
    """Add ``Cookie`` to ``Vary`` unless it (or ``*``) is already there."""
    headers = response.headers
    if "Vary" not in headers:
        headers.add("Vary", "Cookie")
        return
    for value in headers.getlist("Vary"):
        for token in value.split(","):
            if token.strip().lower() in ("cookie", "*"):
                return
    response.headers.add("Vary", "Cookie")
