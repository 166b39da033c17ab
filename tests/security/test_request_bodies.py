"""Attacks through the request body: oversized, lying, truncated or hostile bodies.

Each test plays one attack against the sans-IO body layer (BodyReader, parse_urlencoded,
parse_multipart) and checks the answer's status and that nothing is left behind: no temp
file on disk, no file descriptor open, no more of the stream read than needed.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bastion.http import multipart
from bastion.http.body import BodyReader, parse_content_length
from bastion.http.exceptions import BadRequest, HTTPException, RequestEntityTooLarge
from bastion.http.forms import parse_urlencoded
from bastion.http.multipart import MultipartLimits, parse_multipart
from bastion.http.uploads import UploadedFile

BOUNDARY = "AttackBoundary0123456789"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
MiB = 1024 * 1024


class Stream:
    """A client body: counts what the server read from it."""

    def __init__(self, data: bytes, *, max_read: int | None = None) -> None:
        self._buffer = io.BytesIO(data)
        self.size = len(data)
        self.max_read = max_read

    def read(self, size: int) -> bytes:
        if self.max_read is not None:
            size = min(size, self.max_read)
        return self._buffer.read(size)

    @property
    def position(self) -> int:
        return self._buffer.tell()


def file_part(name: str, data: bytes, filename: str) -> bytes:
    return (
        f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + data


def field_part(name: str, data: bytes) -> bytes:
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + data


def encode(*parts: bytes, close: bool = True) -> bytes:
    delimiter = f"--{BOUNDARY}".encode()
    body = b"".join(delimiter + b"\r\n" + raw + b"\r\n" for raw in parts)
    return body + (delimiter + b"--\r\n" if close else b"")


def open_fds_under(directory: Path) -> list[str]:
    """Paths of this process's open file descriptors inside ``directory``.

    A temp file made with O_TMPFILE (or unlinked at once) is invisible in the directory but
    still takes disk space while a descriptor holds it; this sees those too.
    """
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(directory)):
            found.append(target)
    return found


def assert_nothing_left(directory: Path) -> None:
    assert list(directory.iterdir()) == []
    if sys.platform.startswith("linux"):
        assert open_fds_under(directory) == []


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> list[UploadedFile]:
    instances: list[UploadedFile] = []

    class Recording(UploadedFile):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            instances.append(self)

    monkeypatch.setattr(multipart, "UploadedFile", Recording)
    return instances


@pytest.fixture
def temp_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "uploads"
    directory.mkdir()
    yield directory
    assert_nothing_left(directory)


def parse(
    body: bytes,
    limits: MultipartLimits,
    *,
    max_size: int | None = None,
    content_type: str = CONTENT_TYPE,
) -> tuple[Stream, HTTPException]:
    """Parse an attack body that must be refused; return the stream and the error."""
    stream = Stream(body)
    reader = BodyReader(stream.read, content_length=len(body), max_size=max_size)
    with pytest.raises(HTTPException) as caught:
        parse_multipart(reader, content_type, limits)
    return stream, caught.value


# -- Content-Length ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["abc", "-1", "-0", "+10", "1e3", "0x10", "1.5", " 1 2 ", "10, 10", "9" * 20, "9" * 100_000],
)
def test_content_length_that_is_not_plain_digits_is_400(value: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_content_length(value)
    assert caught.value.status_code == 400


def test_declared_content_length_over_limit_is_413_before_any_read() -> None:
    stream = Stream(b"x" * 2000)
    reader = BodyReader(stream.read, content_length=2000, max_size=1000)
    with pytest.raises(RequestEntityTooLarge) as caught:
        reader.read_all()
    assert caught.value.status_code == 413
    assert stream.position == 0


def test_chunked_body_over_limit_is_413_as_it_streams() -> None:
    stream = Stream(b"x" * (10 * MiB), max_read=4096)
    reader = BodyReader(stream.read, content_length=None, max_size=MiB)
    with pytest.raises(RequestEntityTooLarge) as caught:
        for _ in reader.iter_chunks():
            pass
    assert caught.value.status_code == 413
    assert stream.position == MiB + 1


def test_lying_content_length_smaller_than_body_never_reads_the_rest() -> None:
    # The bytes after Content-Length belong to the next request on the connection.
    stream = Stream(b"a=1GET /admin HTTP/1.1\r\n\r\n")
    reader = BodyReader(stream.read, content_length=3, max_size=MiB)
    assert reader.read_all() == b"a=1"
    assert stream.position == 3


def test_body_shorter_than_content_length_is_400() -> None:
    reader = BodyReader(Stream(b"short").read, content_length=1000, max_size=MiB)
    with pytest.raises(BadRequest, match="ended before the Content-Length") as caught:
        reader.read_all()
    assert caught.value.status_code == 400


# -- urlencoded -------------------------------------------------------------------------------


def test_urlencoded_million_fields_refused() -> None:
    with pytest.raises(BadRequest, match="Too many form fields: the limit is 1000"):
        parse_urlencoded(b"a=1&" * 1_000_000, max_fields=1000)


def test_urlencoded_million_empty_separators_are_not_fields() -> None:
    assert parse_urlencoded(b"&" * 1_000_000 + b"a=1", max_fields=1000)["a"] == "1"


@pytest.mark.parametrize("data", [b"x=%FF", b"x=%C0%AF", b"x=%ED%A0%80", b"%FE=1"])
def test_urlencoded_invalid_utf8_is_400(data: bytes) -> None:
    with pytest.raises(BadRequest, match="not valid utf-8"):
        parse_urlencoded(data, max_fields=10)


# -- multipart --------------------------------------------------------------------------------


def test_truncated_multipart_leaves_no_temp_file(
    temp_dir: Path, created: list[UploadedFile]
) -> None:
    body = encode(file_part("f", b"x" * 5000, "a.bin"), close=False)[:-100]
    limits = MultipartLimits(spool_threshold=0, temp_dir=str(temp_dir))
    _, error = parse(body, limits)
    assert isinstance(error, BadRequest)
    assert error.detail == "The multipart body is malformed or was cut off."
    assert len(created) == 1
    assert all(upload.closed for upload in created)


def test_ten_thousand_tiny_fields_refused_early(created: list[UploadedFile]) -> None:
    body = encode(*(field_part(f"f{i}", b"x") for i in range(10_000)))
    stream, error = parse(body, MultipartLimits())
    assert isinstance(error, BadRequest)
    assert error.detail == "Too many form fields: the limit is 1000."
    assert stream.position < stream.size // 2
    assert created == []


def test_ten_thousand_tiny_files_refused_early(temp_dir: Path, created: list[UploadedFile]) -> None:
    body = encode(*(file_part(f"f{i}", b"x", "x.bin") for i in range(10_000)))
    limits = MultipartLimits(spool_threshold=0, temp_dir=str(temp_dir))
    stream, error = parse(body, limits)
    assert error.detail == "Too many files uploaded: the limit is 100."
    assert stream.position < stream.size // 2
    assert len(created) == 100
    assert all(upload.closed for upload in created)


def test_file_over_limit_is_413_and_leaves_no_temp_file(
    temp_dir: Path, created: list[UploadedFile]
) -> None:
    body = encode(
        file_part("small", b"s" * 1000, "small.bin"), file_part("big", b"x" * (5 * MiB), "big.bin")
    )
    limits = MultipartLimits(max_file_size=MiB, spool_threshold=1024, temp_dir=str(temp_dir))
    stream, error = parse(body, limits, max_size=10 * MiB)
    assert isinstance(error, RequestEntityTooLarge)
    assert error.status_code == 413
    assert f"limit of {MiB} bytes" in error.detail
    assert stream.position < 2 * MiB  # Refused as the limit was crossed, not at the end.
    assert len(created) == 2
    assert all(upload.closed for upload in created)


def test_field_over_limit_is_413() -> None:
    body = encode(field_part("comment", b"x" * (3 * MiB)))
    _, error = parse(body, MultipartLimits())
    assert isinstance(error, RequestEntityTooLarge)
    assert "limit of 2621440 bytes" in error.detail


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\win.ini", "win.ini"),
        ("/abs/path", "path"),
        ("evil\x00.php.jpg", "evil.php.jpg"),
        ("../\x00", ""),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("....//....//x", "x"),
    ],
)
def test_hostile_filenames_are_reduced_to_display_names(
    raw: str, expected: str, temp_dir: Path
) -> None:
    body = encode(file_part("f", b"data", raw))
    reader = BodyReader(Stream(body).read, content_length=len(body), max_size=MiB)
    limits = MultipartLimits(temp_dir=str(temp_dir))
    _, files = parse_multipart(reader, CONTENT_TYPE, limits)
    with files["f"] as upload:
        assert upload.filename == expected
        assert upload.raw_filename == raw
        assert "/" not in upload.filename
        assert "\\" not in upload.filename
        assert "\x00" not in upload.filename


@pytest.mark.parametrize("value", [b"\xff\xfe", b"caf\xe9", b"\xc0\xaf", b"\xed\xa0\x80"])
def test_multipart_invalid_utf8_field_value_is_400(value: bytes) -> None:
    _, error = parse(encode(field_part("a", value)), MultipartLimits())
    assert isinstance(error, BadRequest)
    assert error.detail == "A multipart form field value is not valid UTF-8."


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; charset=utf-8",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=" + "x" * 71,
        "multipart/form-data; boundary=" + "x" * 10_000,
    ],
)
def test_multipart_missing_or_invalid_boundary_is_400(content_type: str) -> None:
    _, error = parse(encode(field_part("a", b"1")), MultipartLimits(), content_type=content_type)
    assert isinstance(error, BadRequest)
    assert error.status_code == 400


def test_multipart_huge_part_headers_are_400() -> None:
    raw = b'Content-Disposition: form-data; name="a"\r\nX-Junk: ' + b"j" * 100_000 + b"\r\n\r\n1"
    stream, error = parse(encode(raw), MultipartLimits())
    assert isinstance(error, BadRequest)
    assert "too large or too many" in error.detail
    assert stream.position < stream.size


def test_multipart_part_without_name_is_400() -> None:
    raw = b'Content-Disposition: form-data; filename="x.txt"\r\n\r\nx'
    _, error = parse(encode(raw), MultipartLimits())
    assert isinstance(error, BadRequest)
    assert "has no name" in error.detail
