"""Uploaded files judged by what they contain: magic-byte sniffing, allow-lists, size limits.

A client names its file and claims its type; both are free text. ``photo.png`` sent as
``image/png`` can be an HTML page that runs scripts on your origin if it is ever served
inline. So the type of an upload is decided here from its first bytes only, compared with
the types the application allows, and markup (HTML, SVG, XML) is refused unless the caller
allowed exactly that type. The client's name is only checked against a deny list of
extensions that servers or browsers execute, because the name may still be shown or used
as a download name.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Collection
from typing import IO, Final

from bastion.exceptions import ValidationError
from bastion.http.uploads import UploadedFile, display_filename

__all__ = [
    "DANGEROUS_EXTENSIONS",
    "MARKUP_TYPES",
    "SAFE_EXTENSIONS",
    "Upload",
    "sniff",
    "validate_upload",
]

Upload = UploadedFile | bytes | bytearray | memoryview | IO[bytes]
"""What :func:`validate_upload` and the storages accept: an upload, raw bytes or a binary file."""

SNIFF_SIZE: Final = 4096
"""Bytes read from the start of a file to decide its type (browsers look at 512 or 1445)."""

DANGEROUS_EXTENSIONS: Final = frozenset(
    {
        # Rendered by browsers as active documents (scripts run on the serving origin).
        ".html", ".htm", ".xhtml", ".xht", ".shtml", ".svg", ".svgz", ".xml", ".xsl",
        ".xslt", ".mht", ".mhtml", ".js", ".mjs", ".cjs", ".swf",
        # Executed by server modules when a web server serves the upload directory.
        ".php", ".php3", ".php4", ".php5", ".php7", ".phar", ".phtml", ".pht", ".jsp",
        ".jspx", ".asp", ".aspx", ".ascx", ".ashx", ".asmx", ".cer", ".cgi", ".pl",
        ".py", ".pyc", ".rb", ".htaccess",
        # Executed by desktops when a user opens the download.
        ".exe", ".dll", ".bat", ".cmd", ".com", ".sh", ".bash", ".ps1", ".psm1", ".jar",
        ".msi", ".msp", ".scr", ".hta", ".vbs", ".vbe", ".wsf", ".wsh", ".jse", ".lnk",
        ".pif", ".reg", ".cpl", ".application", ".gadget", ".appx", ".msix", ".desktop",
        ".command", ".app", ".dmg", ".pkg", ".deb", ".rpm", ".apk",
    }
)  # fmt: skip
"""Extensions refused in a client's file name unless ``allow_dangerous=True``.

Every dotted part after the first is checked, not only the last one: Apache's mod_mime runs
``shell.php.png`` as PHP, and Windows drops trailing dots and spaces (``evil.exe.``).
"""

MARKUP_TYPES: Final = frozenset({"text/html", "image/svg+xml", "application/xml"})
"""Detected types that can run scripts when rendered: allowed only when listed explicitly."""

SAFE_EXTENSIONS: Final = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "text/plain": ".txt",
}
"""The extension a storage gives a file of each detected type; other types get none."""

_SIGNATURES: Final = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),  # an empty archive
    (b"PK\x07\x08", "application/zip"),  # a spanned archive
)
_WHITESPACE: Final = b" \t\n\r\f"
# WHATWG MIME sniffing's "HTML" patterns, plus tags that load or run content. Each must be
# followed by a tag-terminating character; matched anywhere in the head, which is stricter
# than browsers (who look at the start only) on purpose.
_HTML_TAGS: Final = (
    "!doctype html|html|head|body|script|iframe|frame|frameset|object|embed|applet|style|"
    "title|meta|link|base|form|img|svg|math|template|h1|div|font|table|a|b|br|p|!--"
)
_HTML_MARKER: Final = re.compile(rf"<(?:{_HTML_TAGS})(?=[\s/>]|$)", re.IGNORECASE)
# The first element of an XML or SVG document, after the prolog (declaration, comments,
# processing instructions, doctype).
_PROLOG: Final = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!doctype[^>]*>|\s)*", re.DOTALL | re.I)
_ROOT: Final = re.compile(r"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)")
_TEXT_CONTROLS: Final = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}


def sniff(head: bytes) -> str | None:
    """Return the media type that the first bytes of a file show, or None when unknown.

    Binary formats are recognised by their signatures (PNG, JPEG, GIF, WebP, PDF, ZIP).
    Text is decoded (UTF-8, or UTF-16 with a byte order mark) and classified as markup when
    any HTML tag appears anywhere in it, as SVG when its root element is ``<svg>``, as
    XML when it starts with an XML declaration, and as ``text/plain`` otherwise; text with
    NULs or other control characters is not text.

    Args:
        head: The start of the file; :data:`SNIFF_SIZE` bytes are enough.

    Returns:
        ``"image/png"``, ``"image/jpeg"``, ``"image/gif"``, ``"image/webp"``,
        ``"application/pdf"``, ``"application/zip"``, ``"text/html"``, ``"image/svg+xml"``,
        ``"application/xml"``, ``"text/plain"``, or None (empty or unrecognised content).
    """
    head = bytes(head[:SNIFF_SIZE])
    for signature, media_type in _SIGNATURES:
        if head.startswith(signature):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    text = _decode_text(head)
    if text is None:
        return None
    return _classify_text(text)


def _decode_text(head: bytes) -> str | None:
    """Decode text for sniffing; None for binary content or an empty file."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            # Browsers honour the BOM, so UTF-16 markup is markup; anything else is unknown.
            decoded = head[len(bom) :].decode(encoding, "ignore")
            return decoded if _classify_text(decoded) in MARKUP_TYPES else None
    head = head.removeprefix(codecs.BOM_UTF8)
    if not head.strip(_WHITESPACE) or any(byte in _TEXT_CONTROLS for byte in head):
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The head may end inside a multi-byte character; anything else is not UTF-8.
        if exc.reason == "unexpected end of data" and exc.start >= len(head) - 3:
            return head[: exc.start].decode("utf-8")
        return None


def _classify_text(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    prolog = _PROLOG.match(text)
    rest = text[prolog.end() :] if prolog else text
    root = _ROOT.match(rest)
    if root and root.group(1).lower() in {"svg", "svg:svg"}:
        return "image/svg+xml"
    if _HTML_MARKER.search(text):
        return "text/html"
    if text.lstrip().startswith("<?xml") or (root and ":" in root.group(1)):
        return "application/xml"
    return "text/plain"


def validate_upload(
    upload: Upload,
    *,
    allowed_types: Collection[str],
    max_size: int | None = None,
    allow_dangerous: bool = False,
) -> str:
    """Check an upload's size, its name's extensions and its type by content; return the type.

    The client's ``Content-Type`` is ignored and its file name is used only for the
    extension deny list. Markup (``text/html``, ``image/svg+xml``, ``application/xml``) is
    accepted only when that exact type is in ``allowed_types``, so an allow-list cannot
    admit it by accident; ``allow_dangerous`` lifts only the extension check.

    Args:
        upload: An :class:`~bastion.http.uploads.UploadedFile`, bytes, or a seekable binary
            file (read from the start; its position is restored).
        allowed_types: The media types accepted, as :func:`sniff` names them.
        max_size: The largest size in bytes, or None for no limit here (the request's
            multipart limits still apply).
        allow_dangerous: Accept names such as ``report.html`` (the content rules still apply).

    Returns:
        The detected media type.

    Raises:
        ValidationError: With a message fit to show the user; ``code`` is ``"empty"``,
            ``"max_size"``, ``"dangerous_extension"`` or ``"invalid_type"``.
    """
    size, head = _measure(upload)
    if size == 0:
        raise ValidationError("The submitted file is empty.", code="empty")
    if max_size is not None and size > max_size:
        raise ValidationError(
            "The file is too large: %(size)s bytes, the limit is %(max_size)s bytes.",
            code="max_size",
            params={"size": size, "max_size": max_size},
        )
    name = _client_name(upload)
    if not allow_dangerous and name:
        bad = dangerous_extension(name)
        if bad is not None:
            raise ValidationError(
                "Files named “%(extension)s” are not accepted.",
                code="dangerous_extension",
                params={"extension": bad},
            )
    detected = sniff(head)
    if detected is None or detected not in allowed_types:
        allowed = ", ".join(sorted(allowed_types)) or "none"
        raise ValidationError(
            "The file's content is not of an accepted type (accepted: %(allowed)s).",
            code="invalid_type",
            params={"allowed": allowed},
        )
    return detected


def dangerous_extension(name: str) -> str | None:
    """Return the first denied extension in ``name`` (``".php"`` for ``a.php.png``), or None."""
    shown = display_filename(name).rstrip(". ").lower()
    for part in shown.split(".")[1:]:
        extension = "." + part.strip()
        if extension in DANGEROUS_EXTENSIONS:
            return extension
    return None


def _client_name(upload: Upload) -> str:
    if isinstance(upload, UploadedFile):
        return upload.raw_filename
    name = getattr(upload, "name", None)
    return os.path.basename(name) if isinstance(name, str) else ""


def _measure(upload: Upload) -> tuple[int, bytes]:
    """Return the size of the content and its first :data:`SNIFF_SIZE` bytes."""
    if isinstance(upload, bytes | bytearray | memoryview):
        data = bytes(upload)
        return len(data), data[:SNIFF_SIZE]
    if isinstance(upload, UploadedFile):
        size: int | None = upload.size
    else:
        size = None
    position = upload.tell()
    try:
        upload.seek(0)
        head = upload.read(SNIFF_SIZE)
        if size is None:
            size = upload.seek(0, io.SEEK_END)
    finally:
        upload.seek(position)
    return size, head
