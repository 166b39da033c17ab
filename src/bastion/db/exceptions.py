"""The errors the data layer raises on purpose.

Driver errors never leak as driver classes: a unique or foreign-key violation is an
:class:`IntegrityError` whatever the database, so code catches one class on all three.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bastion.exceptions import BastionError

__all__ = [
    "DatabaseError",
    "FieldError",
    "IntegrityError",
    "MultipleObjectsReturned",
    "ObjectDoesNotExist",
    "OperationalError",
    "ProtectedError",
    "RestrictedError",
    "TransactionManagementError",
]


class FieldError(BastionError, ValueError):
    """A name given to a query (field, lookup, alias, ordering) is not one the model has.

    Every identifier that can come from a caller is checked against the model before any SQL
    is built, so a hostile ``order_by`` or ``values()`` name ends here, never in the SQL.
    """


class ObjectDoesNotExist(BastionError, LookupError):
    """The base of every model's ``DoesNotExist``: ``get()`` matched no row."""


class MultipleObjectsReturned(BastionError, LookupError):
    """The base of every model's ``MultipleObjectsReturned``: ``get()`` matched several rows."""


class DatabaseError(BastionError):
    """The database refused a statement. ``__cause__`` holds the driver's own error."""


class IntegrityError(DatabaseError):
    """A constraint (unique, foreign key, not null, check) was violated."""


class OperationalError(DatabaseError):
    """The database could not run the statement (connection lost, lock timeout, ...)."""


class TransactionManagementError(DatabaseError):
    """Transactions were used wrongly (a durable block nested, a query after an error, ...)."""


class ProtectedError(IntegrityError):
    """A delete was refused because a ``PROTECT`` foreign key still points at the rows."""

    def __init__(self, message: str, protected_objects: Iterable[Any]) -> None:
        super().__init__(message)
        self.protected_objects = list(protected_objects)


class RestrictedError(IntegrityError):
    """A delete was refused because a ``RESTRICT`` foreign key still points at the rows."""

    def __init__(self, message: str, restricted_objects: Iterable[Any]) -> None:
        super().__init__(message)
        self.restricted_objects = list(restricted_objects)
