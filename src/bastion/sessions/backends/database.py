"""The ``database`` backend: session data in a table (``sessions_session``), through the ORM.

The cookie holds only the signed session id (as with ``cache``); the row holds the record as
JSON text and the instant it expires (the idle timeout, or what is left of the absolute
lifetime if less). A row past ``expire_date`` is never read back, whether or not
:meth:`DatabaseSessionStore.clear_expired` has removed it yet; run that periodically (a cron
job or a scheduled task) to keep the table small.

Logging out deletes the row, so a copied cookie dies with the session, and every worker
that shares the database shares the sessions: a good choice where there is no Redis.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bastion.db import IntegrityError, OperationalError, atomic, databases
from bastion.sessions.backends.server import KEY_PREFIX, ServerSideStore
from bastion.sessions.base import SessionUnavailable
from bastion.sessions.serializer import decode, encode

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.security.signing import Signer
    from bastion.sessions.models import Session

__all__ = ["DatabaseSessionStore"]


def _now() -> datetime:
    # time.time(), not datetime.now(): the session layer and its tests share one clock.
    return datetime.fromtimestamp(time.time(), UTC)


def _model() -> type[Session]:
    """The model, imported on first use so other backends never register its table."""
    from bastion.sessions.models import Session

    return Session


class DatabaseSessionStore(ServerSideStore):
    """Keep sessions in the ``sessions_session`` table of the ``default`` database (or the
    one the routers choose for ``sessions.Session``).

    Args:
        signer: signs the id in the cookie (salt ``bastion.sessions.id``).

    A database that cannot be reached raises :class:`SessionUnavailable`, as an unreachable
    cache does: sessions read as empty and a view that changes one gets an error page.
    """

    __slots__ = ()

    def __init__(self, signer: Signer) -> None:
        super().__init__(signer)
        _model()  # register the table now, so a missing migration shows up at startup

    def _get(self, request: Request, name: str) -> Any:
        key = name.removeprefix(KEY_PREFIX)
        model = _model()
        try:
            row = (
                model.objects.filter(session_key=key, expire_date__gt=_now())
                .values_list("session_data", flat=True)
                .first()
            )
        except OperationalError as exc:
            raise SessionUnavailable(f"The session database is unavailable: {exc}") from exc
        if row is None:
            return None
        return decode(row)  # SessionTampered if a row is not JSON; the shape is checked next

    def _set(self, request: Request, name: str, document: dict[str, Any], ttl: int) -> None:
        key = name.removeprefix(KEY_PREFIX)
        values = {"session_data": encode(document), "expire_date": _now() + timedelta(seconds=ttl)}
        model = _model()
        try:
            # UPDATE first (the common case: an existing session is refreshed); INSERT when no
            # row matched; if a concurrent request inserted the same id meanwhile, the unique
            # primary key refuses the second INSERT and its values go in with an UPDATE.
            if model.objects.filter(session_key=key).update(**values):
                return
            try:
                with atomic(databases().db_for_write(model)):
                    model.objects.create(session_key=key, **values)
            except IntegrityError:
                model.objects.filter(session_key=key).update(**values)
        except OperationalError as exc:
            raise SessionUnavailable(f"The session database is unavailable: {exc}") from exc

    def _delete(self, request: Request, name: str) -> None:
        key = name.removeprefix(KEY_PREFIX)
        try:
            _model().objects.filter(session_key=key).delete()
        except OperationalError as exc:
            raise SessionUnavailable(f"The session database is unavailable: {exc}") from exc

    def clear_expired(self) -> int:
        """Delete the rows of sessions that have expired; return how many went.

        Expired sessions are never loaded anyway; this only reclaims their space. Run it
        from a scheduled job, e.g. daily.
        """
        deleted: int = _model().objects.filter(expire_date__lte=_now()).delete()[0]
        return deleted
