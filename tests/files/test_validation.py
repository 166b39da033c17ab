"""Sniffing types from content, and validate_upload's size, extension and allow-list rules."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator

import pytest

from bastion.exceptions import ValidationError
from bastion.files import DANGEROUS_EXTENSIONS, sniff, validate_upload
from bastion.files.validation import SNIFF_SIZE, dangerous_extension
from bastion.http.uploads import UploadedFile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
GIF = b"GIF89a\x01\x00\x01\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
ZIP = b"PK\x03\x04\x14\x00\x00\x00"
HTML = b"<!DOCTYPE html><html><body>hi</body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
_opened: list[UploadedFile] = []


@pytest.fixture(autouse=True)
def _close_uploads() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().close()


def upload(data: bytes, filename: str = "file.bin", claimed: str = "image/png") -> UploadedFile:
    file = UploadedFile("doc", filename, content_type=claimed)
    _opened.append(file)
    file.write(data)
    file.seek(0)
    return file


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"GIF87a....", "image/gif"),
        (GIF, "image/gif"),
        (WEBP, "image/webp"),
        (PDF, "application/pdf"),
        (ZIP, "application/zip"),
        (b"PK\x05\x06" + b"\x00" * 18, "application/zip"),
        (b"Hello, world.\nSecond line\ttabbed\r\n", "text/plain"),
        ("Grüße, 日本語 ✓".encode(), "text/plain"),
        (codecs.BOM_UTF8 + b"plain", "text/plain"),
        (b"1 < 2 and 3 > 2", "text/plain"),
        (HTML, "text/html"),
        (b"  \n\t<HtMl>", "text/html"),
        (b"<script>alert(1)</script>", "text/html"),
        (b"Some text first, then <script src=x></script>", "text/html"),
        (b"note: <img src=x onerror=alert(1)>", "text/html"),
        (b"<!-- comment -->text", "text/html"),
        (codecs.BOM_UTF8 + b"<body onload=alert(1)>", "text/html"),
        (codecs.BOM_UTF16_LE + "<html>".encode("utf-16-le"), "text/html"),
        (codecs.BOM_UTF16_BE + "<script>".encode("utf-16-be"), "text/html"),
        (SVG, "image/svg+xml"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE svg><svg/>', "image/svg+xml"),
        (b"<?xml version='1.0'?><!-- x --><SVG onload='x'>", "image/svg+xml"),
        (b"<svg:svg xmlns:svg='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        (b'<?xml version="1.0"?><note><to>x</to></note>', "application/xml"),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>', "text/html"),
        (b"<x:doc xmlns:x='urn:x'/>", "application/xml"),
    ],
)
def test_sniff_recognises_types_by_content(head: bytes, expected: str) -> None:
    assert sniff(head) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"   \n\t ",
        b"text with a NUL \x00 inside",
        b"escape \x1b[31m sequence",
        b"\xff\xfe\xfd not utf-8 at all \xc0\xaf",
        b"\x7fELF\x02\x01\x01",
        b"MZ\x90\x00\x03\x00",
        codecs.BOM_UTF16_LE + "just text".encode("utf-16-le"),
        b"RIFF\x24\x00\x00\x00WAVEfmt ",
    ],
)
def test_sniff_returns_none_for_unknown_or_binary(head: bytes) -> None:
    assert sniff(head) is None


def test_sniff_accepts_text_cut_inside_a_character() -> None:
    head = ("a" * (SNIFF_SIZE - 1) + "é").encode()[:SNIFF_SIZE]
    assert sniff(head) == "text/plain"


def test_validate_upload_returns_the_detected_type() -> None:
    assert validate_upload(upload(PNG), allowed_types=IMAGES) == "image/png"
    assert validate_upload(PDF, allowed_types={"application/pdf"}) == "application/pdf"
    assert validate_upload(io.BytesIO(GIF), allowed_types=IMAGES) == "image/gif"


def test_validate_upload_ignores_the_claimed_type_and_name() -> None:
    fake = upload(HTML, filename="cat.png", claimed="image/png")
    with pytest.raises(ValidationError) as info:
        validate_upload(fake, allowed_types=IMAGES)
    assert info.value.code == "invalid_type"
    assert "image/png" in info.value.messages[0]
    real = upload(PNG, filename="report.pdf", claimed="application/pdf")
    assert validate_upload(real, allowed_types=IMAGES) == "image/png"


def test_validate_upload_restores_the_position() -> None:
    file = upload(PNG)
    file.seek(5)
    validate_upload(file, allowed_types=IMAGES)
    assert file.tell() == 5
    stream = io.BytesIO(PNG)
    stream.seek(3)
    validate_upload(stream, allowed_types=IMAGES)
    assert stream.tell() == 3


def test_validate_upload_size_limit() -> None:
    data = PNG + b"\x00" * 1000
    assert validate_upload(upload(data), allowed_types=IMAGES, max_size=len(data)) == "image/png"
    with pytest.raises(ValidationError) as info:
        validate_upload(upload(data), allowed_types=IMAGES, max_size=len(data) - 1)
    assert info.value.code == "max_size"
    with pytest.raises(ValidationError) as info:
        validate_upload(io.BytesIO(data), allowed_types=IMAGES, max_size=100)
    assert info.value.code == "max_size"


def test_validate_upload_refuses_an_empty_file() -> None:
    with pytest.raises(ValidationError) as info:
        validate_upload(upload(b""), allowed_types=IMAGES)
    assert info.value.code == "empty"


@pytest.mark.parametrize(
    "name",
    ["page.html", "PAGE.HTM", "x.svg", "run.exe", "shell.php.png", "evil.exe.", "a.js ",
     "C:\\temp\\x.bat", "../../.htaccess", "archive.tar.sh", "x.PhTmL"],
)  # fmt: skip
def test_validate_upload_refuses_dangerous_extensions(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_upload(upload(PNG, filename=name), allowed_types=IMAGES)
    assert info.value.code == "dangerous_extension"


def test_allow_dangerous_lifts_only_the_name_check() -> None:
    assert (
        validate_upload(upload(PNG, filename="x.html"), allowed_types=IMAGES, allow_dangerous=True)
        == "image/png"
    )
    with pytest.raises(ValidationError):
        validate_upload(upload(HTML, filename="x.html"), allowed_types=IMAGES, allow_dangerous=True)


@pytest.mark.parametrize("name", ["photo.png", "my.report.v2.pdf", "notes", "résumé.txt", ".png"])
def test_ordinary_names_pass(name: str) -> None:
    assert dangerous_extension(name) is None


def test_markup_needs_its_exact_type_in_the_allow_list() -> None:
    text_only = {"text/plain"}
    for markup in (HTML, SVG, b'<?xml version="1.0"?><a/>'):
        with pytest.raises(ValidationError):
            validate_upload(upload(markup, filename="notes.txt"), allowed_types=text_only)
    svg = upload(SVG, filename="drawing.svg")
    assert (
        validate_upload(svg, allowed_types={"image/svg+xml"}, allow_dangerous=True)
        == "image/svg+xml"
    )


def test_deny_list_covers_the_usual_suspects() -> None:
    for extension in (".html", ".htm", ".svg", ".js", ".exe", ".php", ".jsp", ".sh", ".hta"):
        assert extension in DANGEROUS_EXTENSIONS
