"""Request bodies as a browser or an API client would encode them.

Forms are ``application/x-www-form-urlencoded`` (UTF-8, ``+`` for spaces) unless they carry
files, then ``multipart/form-data`` encoded the way browsers do it (the HTML standard's
algorithm, which RFC 7578 defers to): names and file names are sent as raw UTF-8 with only
CR, LF and ``"`` percent-escaped. A test therefore sends exactly what a real form would, so
the parser under test sees realistic input.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, TypeAlias
from urllib.parse import quote_plus

if TYPE_CHECKING:
    from bastion.testing.client import RequestOptions

__all__ = [
    "FileContent",
    "FileSpec",
    "FormData",
    "QueryData",
    "encode_body",
    "encode_form",
    "encode_json",
    "encode_multipart",
    "encode_query",
]

FileContent: TypeAlias = bytes | IO[bytes]
"""A file's bytes, or an open binary file (read to its end, not closed)."""
FileSpec: TypeAlias = IO[bytes] | tuple[str, FileContent] | tuple[str, FileContent, str]
"""An upload: an open binary file (named after its ``name``), ``(filename, content)`` or
``(filename, content, content_type)``. Without a content type one is guessed from the name."""
FormData: TypeAlias = Mapping[str, str | Sequence[str]]
"""Form fields: a value, or a list (or tuple) of values for a field sent several times."""
QueryData: TypeAlias = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]]
"""Query parameters: like :data:`FormData`, or ``(name, value)`` pairs in order."""

_BODYLESS = frozenset({"GET", "HEAD"})
_FORM_ESCAPES = str.maketrans({"\r": "%0D", "\n": "%0A", '"': "%22"})
_HEADER_SAFE = re.compile(r"[\x20-\x7e]+")


def _pairs(data: FormData | QueryData, what: str) -> list[tuple[str, str]]:
    """Flatten form or query data into ``(name, value)`` pairs, checking every type."""
    items = data.items() if isinstance(data, Mapping) else data
    pairs: list[tuple[str, str]] = []
    for name, value in items:
        raw: object = value  # checked: callers are tests, and a wrong type must say so
        values = [raw] if isinstance(raw, str) else raw
        if (
            not isinstance(name, str)
            or not isinstance(values, list | tuple)
            or not all(isinstance(v, str) for v in values)
        ):
            raise TypeError(
                f"{what} names and values must be str (or a list of str for a repeated "
                f"field); got {name!r}: {value!r}. Convert numbers with str()."
            )
        pairs.extend((name, v) for v in values)
    return pairs


def _urlencode(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote_plus(name)}={quote_plus(value)}" for name, value in pairs)


def encode_query(query: QueryData) -> str:
    """A query string for ``query``: UTF-8, percent-encoded, ``+`` for spaces.

    Raises:
        TypeError: a name or value is not ``str``.
    """
    return _urlencode(_pairs(query, "Query"))


def encode_form(data: FormData) -> bytes:
    """An ``application/x-www-form-urlencoded`` body for ``data``.

    Raises:
        TypeError: a name or value is not ``str``.
    """
    return _urlencode(_pairs(data, "Form")).encode("ascii")


def encode_json(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON (NaN and infinities refused, as a strict server would).

    Raises:
        TypeError: the value is not JSON-serialisable.
        ValueError: it holds NaN or an infinity.
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def encode_multipart(
    data: FormData | None, files: Mapping[str, FileSpec | list[FileSpec]]
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body and its ``Content-Type`` (with the boundary).

    Fields come first, then files, each in the order given. The boundary is random and is
    drawn again in the (vanishingly unlikely) case that it occurs in the content.

    Raises:
        TypeError: a field is not ``str``, or a file is not given as a :data:`FileSpec`
            or does not read as bytes.
    """
    parts: list[tuple[bytes, bytes]] = [
        (_disposition(name), value.encode()) for name, value in _pairs(data or {}, "Form")
    ]
    for name, spec in files.items():
        for one in spec if isinstance(spec, list) else [spec]:
            filename, content, content_type = _read_file(name, one)
            head = _disposition(name) + b'; filename="' + _escape(filename) + b'"'
            parts.append((head + b"\r\nContent-Type: " + content_type.encode("latin-1"), content))
    boundary = _boundary()
    while any(boundary.encode() in content for _, content in parts):
        boundary = _boundary()
    delimiter = b"--" + boundary.encode()
    chunks: list[bytes] = []
    for head, content in parts:
        chunks += [delimiter, b"\r\n", head, b"\r\n\r\n", content, b"\r\n"]
    chunks += [delimiter, b"--\r\n"]
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _boundary() -> str:
    return f"BastionFormBoundary{secrets.token_hex(16)}"


def _escape(text: str) -> bytes:
    return text.translate(_FORM_ESCAPES).encode()


def _disposition(name: str) -> bytes:
    return b'Content-Disposition: form-data; name="' + _escape(name) + b'"'


def _read_file(field: str, spec: object) -> tuple[str, bytes, str]:
    """Normalise one :data:`FileSpec` into ``(filename, bytes, content type)``."""
    content_type: object = None
    if isinstance(spec, tuple) and len(spec) in (2, 3) and isinstance(spec[0], str):
        filename, source = spec[0], spec[1]
        content_type = spec[2] if len(spec) == 3 else None
    elif hasattr(spec, "read"):
        raw_name = getattr(spec, "name", "")
        filename, source = os.path.basename(raw_name) if isinstance(raw_name, str) else "", spec
    else:
        raise TypeError(
            f"File {field!r}: give an open binary file, (filename, bytes_or_file) or "
            f"(filename, bytes_or_file, content_type); got {spec!r}."
        )
    content = source.read() if hasattr(source, "read") else source
    if not isinstance(content, bytes):
        raise TypeError(f"File {field!r}: the content must be bytes; open files in 'rb' mode.")
    if content_type is None:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if not isinstance(content_type, str) or not _HEADER_SAFE.fullmatch(content_type):
        raise TypeError(
            f"File {field!r}: the content type must be printable ASCII, got {content_type!r}."
        )
    return filename, content, content_type


def encode_body(method: str, options: RequestOptions) -> tuple[bytes | None, str | None]:
    """The body and its ``Content-Type`` for a request's options, checked for conflicts.

    Raises:
        TypeError: more than one body, a body on ``GET``/``HEAD``, a ``content_type``
            without a body or with ``files``, or a value of the wrong type.
    """
    data, files, raw = options.get("data"), options.get("files"), options.get("body")
    content_type = options.get("content_type")
    bodies = [
        name
        for name, present in (
            ("data", data is not None),
            ("json", "json" in options),
            ("body", raw is not None),
        )
        if present
    ]
    if len(bodies) > 1 or (files is not None and bodies not in ([], ["data"])):
        raise TypeError(f"Give one body: data= (with files=), json= or body=; got {bodies}.")
    if (bodies or files is not None) and method in _BODYLESS:
        raise TypeError(f"A {method} request has no body; pass parameters with query=.")
    if files is not None:
        if content_type is not None:
            raise TypeError("content_type cannot be set with files=: multipart needs its boundary.")
        return encode_multipart(data, files)
    if data is not None:
        return encode_form(data), content_type or "application/x-www-form-urlencoded"
    if "json" in options:
        return encode_json(options["json"]), content_type or "application/json"
    if raw is not None:
        if not isinstance(raw, bytes):
            raise TypeError(f"body must be bytes, got {type(raw).__name__}; encode text first.")
        return raw, content_type
    if content_type is not None:
        raise TypeError("content_type describes a body: pass body=, data= or json= with it.")
    return None, None
