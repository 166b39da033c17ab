"""``multipart/form-data`` parsing, streamed through python-multipart with Bastion's limits.

The body is fed to python-multipart's low-level parser chunk by chunk as it arrives from the
:class:`~bastion.http.body.BodyReader`; field values are collected up to a limit, files are
written to :class:`~bastion.http.uploads.UploadedFile` spools. Every limit is checked the
moment it is crossed, and on any error every file already created is closed (its temp file
deleted) before the error propagates.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from bastion.exceptions import ImproperlyConfigured
from bastion.http.body import BodyReader, parse_content_type
from bastion.http.datastructures import MultiDict
from bastion.http.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from bastion.http.uploads import UploadedFile

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

__all__ = ["MultipartLimits", "parse_multipart"]

_KIB = 1024
_MIB = 1024 * _KIB
# RFC 2046 section 5.1.1: 1 to 70 characters from bchars, the last one not a space.
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
_MALFORMED = "The multipart body is malformed or was cut off."


@dataclass(frozen=True, slots=True)
class MultipartLimits:
    """The limits applied while a ``multipart/form-data`` body is parsed.

    The whole body is also bounded by the :class:`~bastion.http.body.BodyReader`'s
    ``max_size``, which caps what these limits allow together (``max_fields`` values of
    ``max_field_size`` bytes each would be 2.5 GiB).

    Security: each limit bounds the memory, disk or CPU one request can take. Raising one
    raises it for every multipart request the limits apply to.

    Raises:
        ImproperlyConfigured: A limit is negative or not an ``int``, or ``temp_dir`` is not
            an existing directory.
    """

    max_fields: int = 1000
    """Most non-file fields (a file input left empty counts as a field)."""
    max_files: int = 100
    """Most uploaded files."""
    max_file_size: int = 10 * _MIB
    """Most bytes in one uploaded file."""
    max_field_size: int = 5 * _MIB // 2
    """Most bytes in the value of one non-file field."""
    max_field_name_length: int = 200
    """Most characters in a field name."""
    max_part_headers_size: int = 8 * _KIB
    """Most bytes in the headers of one part, names and values together (also the longest
    single header line; python-multipart further refuses more than 8 header lines)."""
    spool_threshold: int = _MIB
    """Bytes of a file kept in memory before it moves to a temp file; 0 spools at once."""
    temp_dir: str | None = None
    """Directory for upload temp files; ``None`` uses the system default (``TMPDIR``)."""

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "temp_dir":
                if value is not None and not (isinstance(value, str) and os.path.isdir(value)):
                    raise ImproperlyConfigured(
                        f"MultipartLimits.temp_dir is {value!r}, which is not an existing "
                        "directory. Create it, or set temp_dir=None for the system default."
                    )
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ImproperlyConfigured(
                    f"MultipartLimits.{field.name} must be an integer >= 0, not {value!r}."
                )


def parse_multipart(
    reader: BodyReader, content_type: str, limits: MultipartLimits
) -> tuple[MultiDict[str, str], MultiDict[str, UploadedFile]]:
    """Parse a ``multipart/form-data`` body into its fields and files, streaming.

    A part with a ``filename`` parameter is a file; one whose ``filename`` is empty (a file
    input left empty) is skipped, as browsers send it and as Django does. Non-file values are
    decoded as UTF-8. RFC 2231 / 5987 ``filename*=`` parameters are ignored, as RFC 7578
    section 4.2 says they must not be sent; ``Content-Transfer-Encoding`` is ignored too.
    An empty body gives no fields and no files.

    The caller owns the returned files and must close them at the end of the request.

    Args:
        reader: The body; it is streamed, so :meth:`BodyReader.read_all` is not available
            afterwards unless it was called before.
        content_type: The request's ``Content-Type`` header, which carries the boundary.
        limits: The limits to enforce.

    Returns:
        The non-file fields and the files, each in arrival order.

    Raises:
        UnsupportedMediaType: The media type is not ``multipart/form-data``.
        BadRequest: The boundary is missing or invalid; the body is malformed or cut off; a
            part has no name, too long a name, too large headers or a value that is not
            UTF-8; there are too many fields or files.
        RequestEntityTooLarge: A file or a field value is over its limit, or the body is
            over the reader's limit.
    """
    collector = _PartCollector(limits)
    try:
        parser = MultipartParser(
            _boundary(content_type),
            collector.callbacks(),
            max_header_size=limits.max_part_headers_size,
        )
        received = False
        for chunk in reader.iter_chunks():
            received = True
            _feed(parser, chunk)
        if received and not collector.finished:
            raise BadRequest(_MALFORMED)
    except BaseException:
        collector.discard()
        raise
    return MultiDict(collector.fields), MultiDict(collector.files)


def _boundary(content_type: str) -> bytes:
    """Return the boundary of a ``multipart/form-data`` content type."""
    media_type, params = parse_content_type(content_type)
    if media_type != "multipart/form-data":
        raise UnsupportedMediaType("The request body is not multipart/form-data.")
    boundary = params.get("boundary")
    if not boundary:
        raise BadRequest("The multipart Content-Type has no boundary parameter.")
    if not _BOUNDARY.fullmatch(boundary):
        raise BadRequest(
            "The multipart boundary is invalid: it must be 1 to 70 characters allowed by RFC 2046."
        )
    return boundary.encode("ascii")


def _feed(parser: MultipartParser, chunk: bytes) -> None:
    """Write one chunk to the parser, turning its errors into :class:`BadRequest`."""
    try:
        parser.write(chunk)
    except FormParserError as exc:
        # python-multipart's own per-line and per-part header limits.
        if str(exc).startswith("Maximum header"):
            raise BadRequest(_headers_too_large(parser.max_header_size)) from exc
        raise BadRequest(_MALFORMED) from exc


def _headers_too_large(limit: int) -> str:
    return f"The headers of a multipart part are too large or too many (limit: {limit} bytes)."


def _decode_name(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("A multipart field name is not valid UTF-8.") from None


class _PartCollector:
    """The parser's callbacks: turn parts into fields and files, enforcing the limits."""

    def __init__(self, limits: MultipartLimits) -> None:
        self.limits = limits
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, UploadedFile]] = []
        self.finished = False
        self._field_count = 0
        self._headers: list[tuple[bytes, bytes]] = []
        self._headers_size = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._name = ""
        self._value: bytearray | None = None
        self._file: UploadedFile | None = None

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }

    def discard(self) -> None:
        """Close every file created so far, deleting its temp file."""
        for _, upload in self.files:
            upload.close()
        self.files.clear()
        self.fields.clear()

    def on_part_begin(self) -> None:
        self._headers = []
        self._headers_size = 0
        self._value = None
        self._file = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers.append((bytes(self._header_name).lower(), bytes(self._header_value)))
        self._header_name.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        disposition = next((v for k, v in self._headers if k == b"content-disposition"), b"")
        kind, params = parse_options_header(disposition.decode("latin-1"))
        if kind != b"form-data":
            raise BadRequest(
                "A multipart part lacks the Content-Disposition: form-data header that names it."
            )
        raw_name = params.get(b"name")
        if raw_name is None:
            raise BadRequest("A multipart part has no name: its Content-Disposition needs name=.")
        name = _decode_name(raw_name)
        if len(name) > self.limits.max_field_name_length:
            raise BadRequest(
                "A multipart field name is longer than the limit of "
                f"{self.limits.max_field_name_length} characters."
            )
        raw_filename = params.get(b"filename")
        if raw_filename is None:
            self._count_field()
            self._name, self._value = name, bytearray()
        elif not raw_filename:
            self._count_field()  # A file input left empty: nothing to keep.
        else:
            self._file = self._open_file(name, raw_filename.decode("utf-8", "replace"))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = memoryview(data)[start:end]
        if self._file is not None:
            if self._file.size + len(chunk) > self.limits.max_file_size:
                raise RequestEntityTooLarge(
                    "An uploaded file is larger than the limit of "
                    f"{self.limits.max_file_size} bytes."
                )
            self._file.write(chunk)
        elif self._value is not None:
            if len(self._value) + len(chunk) > self.limits.max_field_size:
                raise RequestEntityTooLarge(
                    "A form field value is larger than the limit of "
                    f"{self.limits.max_field_size} bytes."
                )
            self._value += chunk

    def on_part_end(self) -> None:
        if self._file is not None:
            self._file.seek(0)
        elif self._value is not None:
            try:
                value = self._value.decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest("A multipart form field value is not valid UTF-8.") from None
            self.fields.append((self._name, value))

    def on_end(self) -> None:
        self.finished = True

    def _count_header_bytes(self, size: int) -> None:
        self._headers_size += size
        if self._headers_size > self.limits.max_part_headers_size:
            raise BadRequest(_headers_too_large(self.limits.max_part_headers_size))

    def _count_field(self) -> None:
        self._field_count += 1
        if self._field_count > self.limits.max_fields:
            raise BadRequest(f"Too many form fields: the limit is {self.limits.max_fields}.")

    def _open_file(self, name: str, raw_filename: str) -> UploadedFile:
        limits = self.limits
        if len(self.files) >= limits.max_files:
            raise BadRequest(f"Too many files uploaded: the limit is {limits.max_files}.")
        claimed = next((v for k, v in self._headers if k == b"content-type"), b"")
        content_type = parse_options_header(claimed.decode("latin-1"))[0].decode("latin-1")
        upload = UploadedFile(
            name,
            raw_filename,
            content_type=content_type or "application/octet-stream",
            headers=MultiDict(
                (key.decode("latin-1"), value.decode("utf-8", "replace"))
                for key, value in self._headers
            ),
            spool_threshold=limits.spool_threshold,
            temp_dir=limits.temp_dir,
        )
        self.files.append((name, upload))
        return upload
