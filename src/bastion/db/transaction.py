"""``atomic()`` and ``on_commit()``: all or nothing, on every database.

Outside ``atomic()`` each statement commits on its own (autocommit). Inside, everything is
one transaction; nested blocks are savepoints, so an inner failure can be caught without
losing the outer work. An exception that leaves the outermost block rolls all of it back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar, cast

from bastion.db.connection import Connection
from bastion.db.engine import DEFAULT_DB_ALIAS, databases

__all__ = ["Atomic", "atomic", "get_connection", "on_commit"]

F = TypeVar("F", bound=Callable[..., Any])


def get_connection(using: str | None = None) -> Connection:
    """The current context's connection to ``using`` (default: "default")."""
    return databases().connection(using or DEFAULT_DB_ALIAS)


class Atomic:
    """A transaction block usable as ``with atomic():`` and as ``@atomic``.

    Args:
        using: the database alias.
        savepoint: when nested, open a savepoint (False makes an inner error doom the
            whole transaction, which is cheaper when nothing catches it).
        durable: refuse to run nested in another block, so the caller knows that on exit
            the work is committed (for code that must not be rolled back by an outer block).
    """

    def __init__(
        self, using: str | None = None, *, savepoint: bool = True, durable: bool = False
    ) -> None:
        self.using = using
        self.savepoint = savepoint
        self.durable = durable
        self._stack: list[tuple[Connection, Any]] = []

    def __enter__(self) -> Atomic:
        conn = get_connection(self.using)
        block = conn.begin_block(durable=self.durable, savepoint=self.savepoint)
        self._stack.append((conn, block))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, block = self._stack.pop()
        conn.end_block(block, commit=exc_type is None)

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            with Atomic(self.using, savepoint=self.savepoint, durable=self.durable):
                return func(*args, **kwargs)

        return cast(F, inner)


def atomic(
    using: str | Callable[..., Any] | None = None, *, savepoint: bool = True, durable: bool = False
) -> Any:
    """Run a block or a function in a transaction (see :class:`Atomic`).

    ``@atomic`` and ``@atomic()`` both decorate; ``with atomic():`` opens a block.
    """
    if callable(using):
        return Atomic()(using)
    return Atomic(using, savepoint=savepoint, durable=durable)


def on_commit(func: Callable[[], object], using: str | None = None) -> None:
    """Run ``func`` once the current transaction commits; never if it rolls back.

    Outside a transaction it runs at once. Use it to send mail or queue work that must not
    happen for data that was never saved.
    """
    get_connection(using).on_commit(func)
