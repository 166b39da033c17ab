"""The table of the ``database`` session backend: one row per live session.

Importing this module registers the model (app label ``sessions``, table
``sessions_session``); the backend imports it on first use, so projects on other backends
never get the table.
"""

from __future__ import annotations

from bastion.db import models

__all__ = ["SESSION_KEY_LENGTH", "Session"]

SESSION_KEY_LENGTH = 128
"""Longest id a row can hold: the longest :func:`~bastion.sessions.base.is_session_key`
accepts (ids are 43 characters today; Django's 40 would not fit them)."""


class Session(models.Model):
    """One session: its id, its record as JSON text, and when it stops being valid.

    ``session_data`` is what the ``cache`` backend stores (the record without its id, as
    JSON); it is read back with the same checks, so a row written by hand or by another
    program cannot inject anything but JSON. ``expire_date`` is indexed for
    :meth:`~bastion.sessions.backends.database.DatabaseSessionStore.clear_expired`.
    """

    # Ids are case-sensitive random strings: compared byte for byte on every database.
    session_key = models.CharField(
        max_length=SESSION_KEY_LENGTH, primary_key=True, db_collation=models.BINARY_COLLATION
    )
    session_data = models.TextField()
    expire_date = models.DateTimeField(db_index=True)

    class Meta:
        app_label = "sessions"
        db_table = "sessions_session"

    def __str__(self) -> str:
        # The id is a bearer credential: keep it out of reprs, logs and error pages.
        return f"Session (expires {self.expire_date:%Y-%m-%d %H:%M:%S} UTC)"
