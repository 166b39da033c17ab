"""The demo's data: notes, kept in SQLite (``DATABASE_URL`` in ``settings.py``), each with an
optional attached file.

Each note has an owner (a ``bastion.auth`` user); who else may read or edit it is recorded as
object permissions (``grant``/``for_user``). The table is created by ``bastion migrate``
from ``migrations/``. Attached files live in a directory of their own (``media/`` beside the
project, or ``DEMO_MEDIA_ROOT``), never in the static folder: they are served only through the
``note_attachment`` view, as downloads.
"""

import os
from functools import cache
from pathlib import Path

from bastion.db import models
from bastion.files import FileSystemStorage

TITLE_LENGTH = 200
ATTACHMENT_TYPES = frozenset({"image/png", "image/jpeg", "application/pdf", "text/plain"})
ATTACHMENT_MAX_SIZE = 1024 * 1024
DEFAULT_MEDIA_ROOT = Path(__file__).resolve().parent.parent / "media"


@cache
def media_storage() -> FileSystemStorage:
    """The storage of attachments, built on first use.

    Built lazily so that ``DEMO_MEDIA_ROOT`` is read when a file is first stored or served,
    not at import: the tests point it at a temporary directory and never write into the repo.
    """
    return FileSystemStorage(os.environ.get("DEMO_MEDIA_ROOT") or DEFAULT_MEDIA_ROOT)


class Note(models.Model):
    """A short note with a title and an optional file, edited through the pages under
    ``/notes/``."""

    title = models.CharField(max_length=TITLE_LENGTH)
    body = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    # The file's content type is checked by its bytes (not by the client's name or claim)
    # when the form or full_clean() validates it; HTML, SVG and scripts are refused.
    attachment = models.FileField(
        storage=media_storage,
        upload_to="notes",
        null=True,
        blank=True,
        allowed_types=ATTACHMENT_TYPES,
        max_size=ATTACHMENT_MAX_SIZE,
    )
    # The client's file name, cleaned for display: metadata only, offered as the download's
    # name, never used as a path (the storage picks a random one).
    attachment_name = models.CharField(max_length=255, blank=True, default="", editable=False)
    # Who wrote the note; null for notes written before the demo had accounts (nobody may see
    # those any more, as no one holds a grant on them). Others reach a note only through a
    # grant the owner made on the share page (object permissions: bastion.auth.grant).
    owner = models.ForeignKey(
        "auth.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notes",
        editable=False,
    )

    class Meta:
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return self.title
