"""The databases of a project: one pooled SQLAlchemy engine per alias, and routing.

A :class:`Databases` object is built by the :class:`bastion.Bastion` application from
``DATABASE_URL`` and ``DATABASES`` and installed as the process's databases, which is how
``Article.objects`` finds its connection without a request in hand. Tests and scripts can
activate another set for a block with ``with databases.activate(): ...``.

Each thread (a request, under a sync WSGI server) uses one connection per alias, checked out
on the first query and returned to the pool by :meth:`Databases.release` at the request's end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bastion.db.connection import Connection
from bastion.db.urls import to_sqlalchemy_url
from bastion.exceptions import ImproperlyConfigured

__all__ = ["DEFAULT_DB_ALIAS", "Databases", "Router", "databases"]

DEFAULT_DB_ALIAS = "default"

_active: ContextVar[Databases | None] = ContextVar("bastion_databases", default=None)
_installed: list[Databases] = []


class Router(Protocol):
    """Chooses the database of a query; return None to let the next router decide.

    Example: send reads to a replica and writes to the primary::

        class ReplicaRouter:
            def db_for_read(self, model, **hints): return "replica"
            def db_for_write(self, model, **hints): return "default"
    """

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None: ...

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None: ...


class Databases:
    """The engines of every configured alias, the routers, and the per-thread connections."""

    def __init__(
        self,
        urls: Mapping[str, str],
        routers: Sequence[Router] = (),
        *,
        pool_size: int = 5,
        echo: bool = False,
    ) -> None:
        if DEFAULT_DB_ALIAS not in urls:
            raise ImproperlyConfigured('DATABASES must define a "default" database.')
        self.urls = dict(urls)
        self.routers = tuple(routers)
        self._pool_size = pool_size
        self._echo = echo
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"<Databases {sorted(self.urls)}>"

    # -- engines and connections -----------------------------------------------------------

    def engine(self, alias: str = DEFAULT_DB_ALIAS) -> Engine:
        """The pooled engine of ``alias``, created on first use."""
        engine = self._engines.get(alias)
        if engine is not None:
            return engine
        if alias not in self.urls:
            raise ImproperlyConfigured(
                f"No database {alias!r}; DATABASES defines {sorted(self.urls)}."
            )
        with self._lock:
            engine = self._engines.get(alias)
            if engine is None:
                engine = self._engines[alias] = self._create_engine(self.urls[alias])
        return engine

    def _create_engine(self, url: str) -> Engine:
        sa_url = to_sqlalchemy_url(url)
        options: dict[str, Any] = {"echo": self._echo, "pool_pre_ping": False}
        backend = sa_url.get_backend_name()
        if backend == "sqlite":
            database = sa_url.database or ""
            if database and database != ":memory:":
                options["connect_args"] = {"check_same_thread": False, "timeout": 20}
        else:
            options["pool_size"] = self._pool_size
            options["max_overflow"] = self._pool_size * 2
            options["pool_recycle"] = 3600
        engine = sqlalchemy.create_engine(sa_url, **options)
        event.listen(engine, "connect", _autocommit_on_connect(backend))
        return engine

    def connection(self, alias: str = DEFAULT_DB_ALIAS) -> Connection:
        """This thread's connection to ``alias`` (the driver connection is checked out lazily)."""
        held: dict[str, Connection] | None = getattr(self._local, "connections", None)
        if held is None:
            held = self._local.connections = {}
        conn = held.get(alias)
        if conn is None:
            conn = held[alias] = Connection(alias, self.engine(alias))
        return conn

    def vendor(self, alias: str = DEFAULT_DB_ALIAS) -> str:
        """``sqlite``, ``postgresql`` or ``mysql``."""
        return self.engine(alias).dialect.name

    def release(self) -> None:
        """Return this thread's connections to their pools (called at the end of a request)."""
        held: dict[str, Connection] | None = getattr(self._local, "connections", None)
        if held:
            for conn in held.values():
                conn.release()

    def close(self) -> None:
        """Release this thread's connections and close every pool."""
        self.release()
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    # -- routing ---------------------------------------------------------------------------

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        """The alias reads of ``model`` go to (the first router's answer, else "default")."""
        for router in self.routers:
            alias = router.db_for_read(model, **hints)
            if alias:
                return alias
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        """The alias writes of ``model`` go to."""
        for router in self.routers:
            alias = router.db_for_write(model, **hints)
            if alias:
                return alias
        return DEFAULT_DB_ALIAS

    # -- activation ------------------------------------------------------------------------

    def install(self) -> None:
        """Make these the process's databases (what models use outside ``activate()``)."""
        _installed[:] = [self]

    def uninstall(self) -> None:
        """Undo :meth:`install` if these are the installed databases."""
        if _installed and _installed[0] is self:
            _installed.clear()

    @contextmanager
    def activate(self) -> Iterator[Databases]:
        """Use these databases for the models inside the block (this context only)."""
        token = _active.set(self)
        try:
            yield self
        finally:
            _active.reset(token)


def databases() -> Databases:
    """The active databases: those of ``activate()``, else the installed ones.

    Raises:
        ImproperlyConfigured: no application has set up databases in this process.
    """
    active = _active.get()
    if active is not None:
        return active
    if _installed:
        return _installed[0]
    raise ImproperlyConfigured(
        "No databases are set up: build the Bastion application first (it installs the "
        "databases of its settings), or use `with Databases({...}).activate():`."
    )


def _autocommit_on_connect(backend: str) -> Any:
    """A pool hook that puts each new driver connection in autocommit mode (see connection)."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        if backend == "postgresql":
            dbapi_connection.autocommit = True
        elif backend == "mysql":
            dbapi_connection.autocommit(True)
            cursor = dbapi_connection.cursor()
            # Strict mode: an over-long or out-of-range value is an error, never truncated.
            cursor.execute(
                "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
                "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY', "
                "time_zone = '+00:00'"
            )
            cursor.close()
        else:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            # LIKE is case-sensitive, as on the other databases (icontains lowers both sides).
            cursor.execute("PRAGMA case_sensitive_like = ON")
            cursor.close()

    return on_connect
