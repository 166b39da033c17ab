"""The demo's data: notes, kept in SQLite (``DATABASE_URL`` in ``settings.py``).

The table is created by ``bastion migrate`` from ``migrations/``."""

from bastion.db import models

TITLE_LENGTH = 200


class Note(models.Model):
    """A short note with a title, written and edited through the pages under ``/notes/``."""

    title = models.CharField(max_length=TITLE_LENGTH)
    body = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return self.title
