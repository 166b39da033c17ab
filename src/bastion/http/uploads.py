"""Uploaded files: what a client sent for one file input, kept in memory or in a temp file.

Everything a client says about a file (its name, its type) is a claim, not a fact. Bastion
keeps the claimed name for display only and never builds a path from it; a view that stores
uploads should choose its own name (a UUID, a content hash) and check the content itself.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Iterator
from types import TracebackType
from typing import Self

from bastion.http.datastructures import MultiDict

__all__ = ["MAX_FILENAME_LENGTH", "UploadedFile", "display_filename"]

MAX_FILENAME_LENGTH = 255
"""Longest display name kept, in characters (the common file-system limit)."""

# Control characters (NUL, CR, LF, ESC...), format characters (among them the bidirectional
# overrides that make "gpj.exe" display as "exe.jpg"), lone surrogates and line separators.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_MAX_KEPT_EXTENSION = 16
_CHUNK_SIZE = 65536


def display_filename(raw: str) -> str:
    """Reduce a client-supplied file name to a name that is safe to show.

    Only what follows the last ``/`` or ``\\`` is kept (so ``../../etc/passwd`` gives
    ``passwd`` and ``C:\\x\\boot.ini`` gives ``boot.ini``); control, format and line-separator
    characters are removed; the rest is NFC-normalised and stripped of surrounding whitespace,
    and cut to :data:`MAX_FILENAME_LENGTH` characters, keeping a short extension. A name made
    only of dots (``.``, ``..``) becomes ``""``.

    The result is still *not* a safe path: it may clash with an existing file or name a
    device on Windows (``CON``). Never use it to build a path.

    Args:
        raw: The ``filename`` parameter as the client sent it.

    Returns:
        The display name, possibly ``""``.
    """
    name = raw.replace("\\", "/").rpartition("/")[2]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _REMOVED_CATEGORIES)
    # Normalised after the removal, which can leave a base letter and its accent adjacent.
    name = unicodedata.normalize("NFC", name).strip()
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if stem and len(extension) <= _MAX_KEPT_EXTENSION:
            name = stem[: MAX_FILENAME_LENGTH - len(extension) - 1] + dot + extension
        else:
            name = name[:MAX_FILENAME_LENGTH]
        name = name.strip()
    return name if name.strip(".") else ""


class UploadedFile:
    """One uploaded file, spooled in memory up to a threshold and to a temp file beyond it.

    Close it when done (or use it in a ``with`` block): closing frees the memory and deletes
    the temporary file, and nothing of the upload survives it. The temporary file has no
    usable name: Bastion never hands out a path into its temp directory.

    Attributes:
        field_name: The form field (``<input name>``) the file was sent under.
        filename: :func:`display_filename` of ``raw_filename``; safe to show, never a path.
        raw_filename: The ``filename`` parameter exactly as sent. Untrusted.
        content_type: The media type the client claimed for the file, lower-cased, without
            parameters (``application/octet-stream`` when none was sent). Untrusted: a client
            can call anything ``image/png``; check the bytes if the type matters.
        headers: The part's headers, names lower-cased. Untrusted.

    Args:
        field_name: See the attribute.
        raw_filename: See the attribute.
        content_type: See the attribute.
        headers: See the attribute.
        spool_threshold: Bytes kept in memory before the content moves to a temp file;
            ``0`` writes to disk from the first byte.
        temp_dir: Where the temp file goes; ``None`` for the system default.

    Raises:
        ValueError: ``spool_threshold`` is negative.
    """

    __slots__ = (
        "_file",
        "_size",
        "content_type",
        "field_name",
        "filename",
        "headers",
        "raw_filename",
    )

    def __init__(
        self,
        field_name: str,
        raw_filename: str,
        *,
        content_type: str = "application/octet-stream",
        headers: MultiDict[str, str] | None = None,
        spool_threshold: int = 1024 * 1024,
        temp_dir: str | None = None,
    ) -> None:
        if spool_threshold < 0:
            raise ValueError(f"spool_threshold must be >= 0, not {spool_threshold}.")
        self.field_name = field_name
        self.raw_filename = raw_filename
        self.filename = display_filename(raw_filename)
        self.content_type = content_type
        self.headers: MultiDict[str, str] = headers if headers is not None else MultiDict()
        self._size = 0
        # Not a `with` block (SIM115): the file lives as long as this object; close() ends it.
        spool = tempfile.SpooledTemporaryFile(max_size=spool_threshold, dir=temp_dir)  # noqa: SIM115
        self._file: tempfile.SpooledTemporaryFile[bytes] = spool
        # max_size=0 would mean "never roll over" to SpooledTemporaryFile, the opposite of
        # what a threshold of 0 says, so that case goes to disk explicitly.
        if spool_threshold == 0:
            self._file.rollover()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} field_name={self.field_name!r} "
            f"filename={self.filename!r} size={self._size}>"
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def size(self) -> int:
        """The number of bytes received."""
        return self._size

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (the content is gone)."""
        return self._file.closed

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Append bytes at the current position; used while the upload is being received.

        Returns:
            The number of bytes written.
        """
        written = self._file.write(data)
        self._size += written
        return written

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes from the current position (all that is left if < 0)."""
        return self._file.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move the position as :meth:`io.IOBase.seek` does; returns the new position."""
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        """Return the current position."""
        return self._file.tell()

    def chunks(self, size: int = _CHUNK_SIZE) -> Iterator[bytes]:
        """Yield the whole content from the start, ``size`` bytes at a time.

        Use it to copy a large upload elsewhere without loading it into memory.

        Raises:
            ValueError: ``size`` is not positive (raised when iteration starts).
        """
        if size < 1:
            raise ValueError(f"size must be positive, not {size}.")
        self._file.seek(0)
        while chunk := self._file.read(size):
            yield chunk

    def close(self) -> None:
        """Free the content and delete the temp file; calling it again does nothing."""
        self._file.close()
