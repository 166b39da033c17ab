"""The :class:`Storage` interface, and the name rules every backend shares.

A storage keeps file contents under names it chooses itself. The name is random and carries
an extension derived from the detected content type; the client's file name never becomes a
path, so no client can pick where a file lands or overwrite another. Names read back from
a database or a URL are checked again by :func:`check_name` before any backend uses them.
"""

from __future__ import annotations

import abc
import re
import secrets
import unicodedata
from typing import IO, BinaryIO

from bastion.exceptions import SuspiciousOperation
from bastion.files.validation import SAFE_EXTENSIONS, SNIFF_SIZE, Upload, sniff
from bastion.http.uploads import UploadedFile

__all__ = ["MAX_NAME_LENGTH", "Storage", "SuspiciousFileName", "check_name", "new_name"]

MAX_NAME_LENGTH = 255
"""Longest storage name, ``upload_to`` included (a model FileField's column length)."""

_TOKEN_BYTES = 18  # 144 random bits: 24 URL-safe characters
# One path segment: ASCII letters, digits, "_", "-" and inner dots; never starting with a
# dot, so "..", "." and hidden files are impossible. Everything else (NUL, "\\", ":",
# drive letters, fullwidth dots or slashes, spaces) is refused rather than cleaned up.
_SEGMENT = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]*")
_CHUNK_SIZE = 64 * 1024


class SuspiciousFileName(SuspiciousOperation, ValueError):
    """A storage name that could leave the storage root, or is not one a storage made."""


def check_name(name: str) -> str:
    """Return ``name`` if it is a well-formed relative storage name, else raise.

    Accepted: ``/``-separated segments of ASCII letters, digits, ``_``, ``-`` and dots,
    no segment starting with a dot. That excludes ``..``, absolute and drive paths,
    backslashes, NUL and any non-ASCII character, including those that NFKC folds into
    ``.`` or ``/`` (FULLWIDTH FULL STOP, FULLWIDTH SOLIDUS) in some libraries.

    Raises:
        SuspiciousFileName: The name is refused; the message does not echo it.
    """
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LENGTH:
        raise SuspiciousFileName(
            f"A storage name must be a non-empty string of at most {MAX_NAME_LENGTH} characters."
        )
    if unicodedata.normalize("NFKC", name) != name or not all(
        _SEGMENT.fullmatch(part) for part in name.split("/")
    ):
        raise SuspiciousFileName(
            "Refused a storage name that is not a plain relative path of ASCII letters, "
            "digits, '_', '-' and '.' (no '..', '/' at the start, '\\', NUL or drive letter)."
        )
    return name


def new_name(upload_to: str, media_type: str | None) -> str:
    """A fresh random name under ``upload_to`` with the extension of ``media_type``.

    Only types in :data:`~bastion.files.validation.SAFE_EXTENSIONS` get an extension:
    HTML, SVG or an unknown type is stored without one, so that even a web server
    serving the directory directly would not render it.

    Raises:
        SuspiciousFileName: ``upload_to`` is not a valid name prefix.
    """
    prefix = upload_to.strip("/")
    if prefix:
        check_name(prefix)
        prefix += "/"
    extension = SAFE_EXTENSIONS.get(media_type or "", "")
    return check_name(f"{prefix}{secrets.token_urlsafe(_TOKEN_BYTES)}{extension}")


def iter_content(content: Upload) -> tuple[bytes, list[bytes] | IO[bytes] | UploadedFile]:
    """Return the head of ``content`` (for sniffing) and something to copy it from."""
    if isinstance(content, bytes | bytearray | memoryview):
        data = bytes(content)
        return data[:SNIFF_SIZE], [data]
    content.seek(0)
    head = content.read(SNIFF_SIZE)
    content.seek(0)
    return head, content


def chunks_of(source: list[bytes] | IO[bytes] | UploadedFile) -> list[bytes] | _Chunks:
    """Iterate ``source`` in chunks (a list of bytes is already that)."""
    if isinstance(source, list):
        return source
    return _Chunks(source)


class _Chunks:
    def __init__(self, file: IO[bytes] | UploadedFile) -> None:
        self.file = file

    def __iter__(self) -> _Chunks:
        return self

    def __next__(self) -> bytes:
        chunk = self.file.read(_CHUNK_SIZE)
        if not chunk:
            raise StopIteration
        return chunk


class Storage(abc.ABC):
    """Where uploaded files live: a directory, a bucket, memory in tests.

    A backend implements :meth:`_store` and the read methods; :meth:`save` picks the name.
    Every method that takes a name must call :func:`check_name` first: names come back from
    the database and from URLs, and a row written by anything else must not reach outside
    the storage.
    """

    def save(
        self, content: Upload, original_name: str | None = None, *, upload_to: str = ""
    ) -> str:
        """Store ``content`` under a new random name and return that name.

        Args:
            content: An upload, bytes or a binary file (read from its start).
            original_name: The client's name, kept as metadata by backends that can (the
                filesystem storage keeps nothing); never part of the returned name.
            upload_to: A directory prefix inside the storage, e.g. ``"attachments"``.

        Returns:
            The storage name, e.g. ``"attachments/Qx3...Zk.png"``; store it in the database.
        """
        head, source = iter_content(content)
        name = new_name(upload_to, sniff(head))
        self._store(name, chunks_of(source), original_name)
        return name

    @abc.abstractmethod
    def _store(self, name: str, chunks: list[bytes] | _Chunks, original_name: str | None) -> None:
        """Write the chunks under ``name`` (new, already checked), all or nothing."""

    @abc.abstractmethod
    def open(self, name: str) -> BinaryIO:
        """Open the file for binary reading; the caller closes it.

        Raises:
            FileNotFoundError: There is no such file.
        """

    @abc.abstractmethod
    def delete(self, name: str) -> None:
        """Delete the file; a missing file is not an error (deleting is idempotent)."""

    @abc.abstractmethod
    def exists(self, name: str) -> bool:
        """Whether a file is stored under ``name``."""

    @abc.abstractmethod
    def size(self, name: str) -> int:
        """The file's size in bytes.

        Raises:
            FileNotFoundError: There is no such file.
        """

    def url(self, name: str) -> str | None:
        """A URL for the file, or None when the storage publishes none (the default).

        Uploads should normally go through a view that checks permission
        (:func:`bastion.files.serve`); a public URL bypasses it.
        """
        check_name(name)
        return None

    def path(self, name: str) -> str | None:
        """The file's local filesystem path, or None when the storage is not on local disk."""
        check_name(name)
        return None

    def original_name(self, name: str) -> str | None:
        """The client's name recorded at :meth:`save`, if the backend keeps it."""
        check_name(name)
        return None
