"""Files as responses: streamed in chunks, with validators, ranges and safe download names.

Security: a :class:`FileResponse` opens the path it is given, as given. Never let the client
choose that path (``FileResponse(request.query["f"])`` serves ``/etc/passwd``); the static
files and uploads modules resolve client-supplied names safely, and a view that serves its
own files should pick them from a fixed directory by an id it has checked.
"""

from __future__ import annotations

import io
import mimetypes
import os
import stat
import unicodedata
from collections.abc import Generator, Iterable, Mapping
from typing import BinaryIO
from urllib.parse import quote

from bastion.http.conditional import make_etag
from bastion.http.dates import http_date
from bastion.http.response import Response
from bastion.http.uploads import display_filename

__all__ = ["FileResponse", "content_disposition"]

_CHUNK_SIZE = 64 * 1024
# A guessed "encoding" is a compression of the file itself, not a transfer coding: sending it
# as Content-Encoding would make the browser unpack a .tar.gz. Name the archive type instead.
_COMPRESSED_TYPES = {
    "br": "application/x-brotli",
    "bzip2": "application/x-bzip",
    "compress": "application/x-compress",
    "gzip": "application/gzip",
    "xz": "application/x-xz",
}
_FALLBACK_NAME = "download"
# Characters a quoted-string cannot hold ('"', '\\'), or that some user agents decode ('%')
# or read as a path ('/').
_FALLBACK_DROPPED = frozenset('"\\%/')
# RFC 8187 attr-char besides ALPHA, DIGIT and the "-._~" that quote() always keeps.
_ATTR_CHAR_SAFE = "!#$&+^`|"


def content_disposition(filename: str | None, *, as_attachment: bool = True) -> str:
    """A ``Content-Disposition`` value that names ``filename`` safely (RFC 6266 and 8187).

    Only the last path component of ``filename`` is used, without control or bidirectional
    characters; ``filename=`` gets an ASCII approximation without quotes, backslashes or
    ``%``, and ``filename*=UTF-8''...`` carries the exact name whenever they differ.

    Args:
        filename: the name the user agent should suggest, or None for none.
        as_attachment: ``attachment`` (download) rather than ``inline`` (display).

    Returns:
        The header value, e.g. ``attachment; filename="Releve.pdf";
        filename*=UTF-8''Relev%C3%A9.pdf``, or the bare disposition when nothing of the name
        is left.
    """
    disposition = "attachment" if as_attachment else "inline"
    name = display_filename(filename) if filename else ""
    if not name:
        return disposition
    fallback = _ascii_fallback(name)
    value = f'{disposition}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe=_ATTR_CHAR_SAFE)}"
    return value


def _ascii_fallback(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    kept = "".join(
        ch for ch in ascii_name if " " <= ch <= "~" and ch not in _FALLBACK_DROPPED
    ).strip()
    stem, dot, extension = kept.rpartition(".")
    if not dot:
        return kept or _FALLBACK_NAME
    if not stem.strip(" ."):  # "日本語.txt" leaves ".txt"
        return f"{_FALLBACK_NAME}.{extension}" if extension else _FALLBACK_NAME
    return kept


def _guess_type(name: str | None) -> str:
    if not name:
        return "application/octet-stream"
    media_type, encoding = mimetypes.guess_type(name, strict=False)
    if encoding is not None:
        media_type = _COMPRESSED_TYPES.get(encoding, "application/octet-stream")
    if media_type is None:
        return "application/octet-stream"
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def _open_regular_file(path: str) -> tuple[BinaryIO, os.stat_result]:
    """Open ``path`` for reading, refusing anything but a regular file.

    O_NONBLOCK keeps the open itself from hanging on a FIFO; the type is checked on the
    opened descriptor, so the file cannot be swapped between the check and the read.
    """
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise ValueError(
                f"FileResponse serves regular files only; {path!r} is {kind}. "
                "Pass the path of a file (or an open binary file object)."
            )
        return os.fdopen(fd, "rb", buffering=0), info
    except BaseException:
        os.close(fd)
        raise


class FileResponse(Response):
    """A file streamed in chunks of :attr:`chunk_size` bytes; never read whole into memory.

    From a path, the response carries ``Content-Length``, ``Last-Modified`` and a weak
    ``ETag`` (from size and modification time), so that
    :func:`~bastion.http.conditional.finalize_response` answers conditional requests with 304
    and ``Range`` requests with 206 or 416 without the view doing anything. An open binary
    file object is read from its current position; when it is seekable its length is known
    and ranges work too, but it gets no validators (pass ``ETag``/``Last-Modified`` in
    ``headers`` if you have them).

    The file is closed when the body has been sent, or by :meth:`close` (which every
    adapter calls), including a file object passed in: the response owns it.

    Security: the path is used exactly as given; see the module documentation. Content the
    users supplied must go out with ``as_attachment=True``: served inline as HTML or SVG it
    runs scripts on your site. ``X-Content-Type-Options: nosniff`` is always sent.

    Args:
        file: a filesystem path, or a file object opened in binary mode.
        status: the status code.
        headers: extra headers; ``ETag`` and ``Last-Modified`` given here win over the
            computed ones.
        content_type: the ``Content-Type``; guessed from the file name when None
            (``application/octet-stream`` when unknown, ``; charset=utf-8`` for text).
        as_attachment: ask the browser to download rather than display the file.
        filename: the name to suggest (default: the file's own name, for attachments).
        chunk_size: bytes read per chunk.

    Raises:
        ValueError: the path is a directory, a device or a FIFO; ``chunk_size`` < 1.
        TypeError: the file object is in text mode.
        OSError: the path cannot be opened (FileNotFoundError, PermissionError...).
    """

    streaming = True
    accepts_ranges: bool = True
    """Whether :meth:`with_range` can serve part of the file (False for an unseekable file)."""
    size: int | None
    """The length in bytes of what is served (from the start position), None if unknown."""
    _start: int = 0  # where the file object stood when given; 0 for a path
    _offset: int | None = None  # where a range starts, as a file position
    _remaining: int | None = None  # bytes left to send; None: until end of file

    def __init__(
        self,
        file: str | os.PathLike[str] | BinaryIO,
        status: int = 200,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        content_type: str | None = None,
        *,
        as_attachment: bool = False,
        filename: str | None = None,
        chunk_size: int = _CHUNK_SIZE,
    ) -> None:
        info: os.stat_result | None = None
        if isinstance(file, str | os.PathLike):
            path = os.fspath(file)
            self._file, info = _open_regular_file(path)
            own_name: str | None = path
        else:
            self._file = file
            name = getattr(file, "name", None)
            own_name = name if isinstance(name, str) else None
        try:
            if chunk_size < 1:
                raise ValueError("chunk_size must be at least 1 byte.")
            given: object = self._file  # typed BinaryIO, but callers make mistakes
            if isinstance(given, io.TextIOBase):
                raise TypeError("FileResponse needs a binary file: open it with mode 'rb'.")
            shown_name = filename if filename is not None else own_name
            if content_type is None:
                content_type = _guess_type(display_filename(shown_name) if shown_name else None)
            super().__init__(b"", status, headers, content_type)
            self.chunk_size = chunk_size
            self._describe(info)
            if as_attachment or filename is not None:
                self.headers["Content-Disposition"] = content_disposition(
                    shown_name, as_attachment=as_attachment
                )
            self.headers["X-Content-Type-Options"] = "nosniff"
        except BaseException:
            # The response owns the file from the start: a refused one is closed too.
            self._file.close()
            raise

    def _describe(self, info: os.stat_result | None) -> None:
        """Set the length, the validators and the range support."""
        if info is not None:
            self.size = info.st_size
            self.headers.setdefault("Last-Modified", http_date(info.st_mtime))
            self.headers.setdefault(
                "ETag", make_etag(f"{info.st_size}:{info.st_mtime_ns}", weak=True)
            )
        else:
            self.size = self._measure()
        self._remaining = self.size
        if self.size is None:
            self.accepts_ranges = False
        else:
            self.headers["Content-Length"] = str(self.size)
            self.headers["Accept-Ranges"] = "bytes"

    def _measure(self) -> int | None:
        """Bytes from the file object's position to its end, or None if it cannot seek."""
        file = self._file
        try:
            if not file.seekable():
                return None
            self._start = file.tell()
            end = file.seek(0, os.SEEK_END)
            file.seek(self._start)
        except (AttributeError, OSError, ValueError):  # a minimal file-like, a closed file...
            return None
        return max(0, end - self._start)

    def __repr__(self) -> str:
        return f"<FileResponse {self.status_code} {self.headers.get('Content-Type')!r}>"

    def with_range(self, first: int, last: int) -> None:
        """Serve only bytes ``first`` to ``last`` (inclusive): a 206 with ``Content-Range``.

        Called by :func:`~bastion.http.conditional.finalize_response` for a ``Range``
        request; the body then starts with a seek, not by reading what comes before.

        Raises:
            ValueError: the file's length is unknown, or the range is not inside it.
        """
        if self.size is None or not self.accepts_ranges:
            raise ValueError("This FileResponse cannot serve ranges (its file cannot seek).")
        if not 0 <= first <= last < self.size:
            raise ValueError(f"Range {first}-{last} is outside a file of {self.size} bytes.")
        self._offset = self._start + first
        self._remaining = last - first + 1
        self.status_code = 206
        self.headers["Content-Range"] = f"bytes {first}-{last}/{self.size}"
        self.headers["Content-Length"] = str(self._remaining)

    def iter_body(self) -> Generator[bytes, None, None]:
        """Yield the file (or the range) in chunks, then close the file.

        At most ``Content-Length`` bytes are sent even if the file grows meanwhile; if it
        shrinks, the body ends early and the server drops the connection. One use only.
        """
        file = self._file
        remaining = self._remaining
        try:
            if self._offset is not None:
                file.seek(self._offset)
            while remaining is None or remaining > 0:
                size = self.chunk_size if remaining is None else min(self.chunk_size, remaining)
                chunk = file.read(size)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            file.close()

    def close(self) -> None:
        """Close the file, then run the close callbacks (idempotent)."""
        try:
            self._file.close()
        finally:
            super().close()
