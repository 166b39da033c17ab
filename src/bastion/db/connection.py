"""One database connection of one context (a request, a command), with its transactions.

The driver runs in autocommit mode; a transaction is opened with an explicit ``BEGIN`` by
:func:`bastion.db.atomic` and nested blocks are savepoints. That gives the same behaviour on
PostgreSQL, MariaDB and SQLite (whose driver's implicit transactions are unreliable), and a
read outside a transaction costs one round trip, not three.

Statements run on the driver's cursor with SQL text compiled once per query shape
(:mod:`bastion.db.models.compiler`); SQLAlchemy is the pool and the compiler, not the
executor, which is what keeps a one-row query close to raw driver speed (DESIGN §7).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Dialect, Engine

from bastion.db.exceptions import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    TransactionManagementError,
)

__all__ = ["Connection"]

logger = logging.getLogger("bastion.db")


@dataclass
class _Savepoint:
    """One open ``atomic()`` block: the savepoint name (None for the outermost) and hooks."""

    name: str | None
    on_commit: list[Callable[[], object]] = field(default_factory=list)
    on_rollback: list[Callable[[], object]] = field(default_factory=list)


class Connection:
    """The context's connection to one database alias, checked out of the pool lazily."""

    def __init__(self, alias: str, engine: Engine) -> None:
        self.alias = alias
        self.engine = engine
        self.dialect: Dialect = engine.dialect
        self.vendor: str = engine.dialect.name
        self._raw: Any = None
        self._blocks: list[_Savepoint] = []
        self._savepoint_serial = 0
        self.needs_rollback = False

    # -- the driver connection -------------------------------------------------------------

    @property
    def dbapi(self) -> Any:
        """The pooled driver connection, checked out on first use."""
        raw = self._raw
        if raw is None:
            try:
                raw = self._raw = self.engine.raw_connection()
            except Exception as exc:
                raise OperationalError(f"Cannot connect to database {self.alias!r}.") from exc
        return raw

    @property
    def in_atomic_block(self) -> bool:
        """Whether an ``atomic()`` block is open on this connection."""
        return bool(self._blocks)

    def release(self) -> None:
        """Return the driver connection to the pool (end of a request or command).

        An open transaction at this point is a bug in the caller; it is rolled back so the
        pool never hands out a connection in the middle of someone else's transaction.
        """
        raw, self._raw = self._raw, None
        if raw is None:
            return
        if self._blocks:
            abandoned = [hook for block in self._blocks for hook in block.on_rollback]
            self._blocks.clear()
            self.needs_rollback = False
            try:
                raw.cursor().execute("ROLLBACK")
            except Exception:  # the connection is discarded below anyway
                logger.warning("Rollback of an abandoned transaction failed", exc_info=True)
                raw.invalidate()
            _run_rollback_hooks(abandoned)
        raw.close()

    # -- statements ------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """Run one statement and return the driver cursor (for rows, rowcount, lastrowid)."""
        if self.needs_rollback:
            raise TransactionManagementError(
                "An error occurred in this atomic block; no statement can run until the "
                "block ends (catch errors with a nested atomic() to keep going)."
            )
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(sql, params)
        except Exception as exc:
            cursor.close()
            if self._blocks and self.vendor == "postgresql":
                # PostgreSQL refuses every statement after an error until ROLLBACK.
                self.needs_rollback = True
            raise _translate(exc, self.dialect) from exc
        return cursor

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any] | dict[str, Any]]) -> int:
        """Run one statement for many parameter sets; return the rows affected."""
        if not rows:
            return 0
        cursor = self.dbapi.cursor()
        try:
            cursor.executemany(sql, rows)
            return int(cursor.rowcount)
        except Exception as exc:
            if self._blocks and self.vendor == "postgresql":
                self.needs_rollback = True
            raise _translate(exc, self.dialect) from exc
        finally:
            cursor.close()

    # -- transactions ----------------------------------------------------------------------

    def begin_block(self, *, durable: bool, savepoint: bool = True) -> _Savepoint | None:
        """Open an atomic block: BEGIN at the outermost level, a savepoint inside."""
        if durable and self._blocks:
            raise TransactionManagementError(
                "A durable atomic block cannot be nested in another atomic block."
            )
        if not self._blocks:
            self._plain("BEGIN")
            block = _Savepoint(None)
        elif not savepoint:
            return None
        else:
            self._savepoint_serial += 1
            block = _Savepoint(f"bastion_sp_{self._savepoint_serial}")
            self._plain(f"SAVEPOINT {block.name}")
        self._blocks.append(block)
        return block

    def end_block(self, block: _Savepoint | None, *, commit: bool) -> None:
        """Close the innermost block, committing or rolling back; run hooks after COMMIT."""
        if block is None:
            if not commit:  # an error inside a savepoint-less block dooms the transaction
                self.needs_rollback = True
            return
        popped = self._blocks.pop()
        if popped is not block:
            raise AssertionError("atomic blocks closed out of order")
        if block.name is None:
            self.needs_rollback = False
            hooks = block.on_commit
            if commit:
                try:
                    self._plain("COMMIT")
                except Exception:
                    self._plain_quiet("ROLLBACK")
                    _run_rollback_hooks(block.on_rollback)
                    raise
                for hook in hooks:
                    hook()
            else:
                self._plain_quiet("ROLLBACK")
                _run_rollback_hooks(block.on_rollback)
            return
        if commit and not self.needs_rollback:
            self._plain(f"RELEASE SAVEPOINT {block.name}")
            self._blocks[-1].on_commit.extend(block.on_commit)
            self._blocks[-1].on_rollback.extend(block.on_rollback)
            return
        self.needs_rollback = False
        self._plain_quiet(f"ROLLBACK TO SAVEPOINT {block.name}")
        self._plain_quiet(f"RELEASE SAVEPOINT {block.name}")
        _run_rollback_hooks(block.on_rollback)

    def on_commit(self, func: Callable[[], object]) -> None:
        """Run ``func`` after the outermost block commits (at once outside a block)."""
        if self._blocks:
            self._blocks[-1].on_commit.append(func)
        else:
            func()

    def on_rollback(self, func: Callable[[], object]) -> None:
        """Run ``func`` if the work of the current block is rolled back (never outside one).

        Undoes side effects outside the database, such as a file stored for a row that
        never committed. A hook that raises is logged; the others still run.
        """
        if self._blocks:
            self._blocks[-1].on_rollback.append(func)

    def _plain(self, sql: str) -> None:
        # Transaction control statements are fixed text: no caller input ever reaches them.
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(sql)
        except Exception as exc:
            raise _translate(exc, self.dialect) from exc
        finally:
            cursor.close()

    def _plain_quiet(self, sql: str) -> None:
        try:
            self._plain(sql)
        except DatabaseError:
            logger.warning("%s failed on %r", sql, self.alias, exc_info=True)

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A raw driver cursor, closed afterwards (for ``raw()`` and migrations)."""
        cursor = self.dbapi.cursor()
        try:
            yield cursor
        finally:
            cursor.close()


def _translate(exc: Exception, dialect: Dialect) -> DatabaseError:
    """Wrap a driver error in Bastion's class for it (the original stays as ``__cause__``)."""
    dbapi = dialect.loaded_dbapi
    message = str(exc).strip() or type(exc).__name__
    if isinstance(exc, getattr(dbapi, "IntegrityError", ())):
        return IntegrityError(message)
    if isinstance(exc, getattr(dbapi, "OperationalError", ())):
        # MariaDB reports a violated CHECK constraint (4025; MySQL 3819) as operational.
        if dialect.name == "mysql" and exc.args and exc.args[0] in (3819, 4025):
            return IntegrityError(message)
        return OperationalError(message)
    if isinstance(exc, DatabaseError):
        return exc
    return DatabaseError(message)


def _run_rollback_hooks(hooks: list[Callable[[], object]]) -> None:
    # Cleanup must not mask the error that caused the rollback, nor stop the other hooks.
    for hook in hooks:
        try:
            hook()
        except Exception:
            logger.warning("An on_rollback hook failed", exc_info=True)
