"""The errors of the migration functions, kept apart from Alembic's so callers catch one family.

Alembic reports problems as ``CommandError`` with texts meant for its own command line; the
functions of :mod:`bastion.db.migrations` translate them into these, with the app label and
the next step in the message, and the ``bastion`` commands turn them into exit statuses.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["MigrationError", "UnknownAppError"]


class MigrationError(Exception):
    """A migration cannot be made, found or applied; the message says what to do instead."""


class UnknownAppError(MigrationError, LookupError):
    """An app label that no installed app has.

    Attributes:
        label: the label that was asked for.
        labels: the labels of the installed apps, for the message and for completion.
    """

    def __init__(self, label: str, labels: Iterable[str]) -> None:
        self.label = label
        self.labels = sorted(labels)
        known = ", ".join(self.labels) if self.labels else "(none)"
        super().__init__(f"No installed app has the label {label!r}. Installed apps: {known}.")
