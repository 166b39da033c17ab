"""``FileResponse`` and ``content_disposition`` in ``bastion.http.files``; docs/responses.md."""

from __future__ import annotations

import doctest
import io
import os
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from bastion.http.conditional import finalize_response
from bastion.http.dates import http_date, parse_http_date
from bastion.http.files import FileResponse, content_disposition
from bastion.http.headers import RequestHeaders
from bastion.http.request import Request
from bastion.settings.core import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"
SETTINGS = Settings(DEBUG=True)
DATA = bytes(range(256)) * 1000  # 256,000 bytes: several chunks


def make_request(method: str = "GET", **headers: str) -> Request:
    names = {name.replace("_", "-"): value for name, value in headers.items()}
    return Request(settings=SETTINGS, method=method, headers=RequestHeaders(names))


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    return path


@pytest.fixture
def responses() -> Iterator[list[FileResponse]]:
    """Responses made by a test, closed at its end even when an assertion fails."""
    made: list[FileResponse] = []
    yield made
    for response in made:
        response.close()


class RecordingFile(io.BytesIO):
    """A file object that records how it is read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []
        self.seeks: list[int] = []

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET, /) -> int:
        self.seeks.append(offset)
        return super().seek(offset, whence)


class Unseekable(io.RawIOBase):
    """A pipe-like binary stream."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


# -- from a path -------------------------------------------------------------------------------


def test_file_response_path_headers(data_file: Path, responses: list[FileResponse]) -> None:
    response = FileResponse(data_file)
    responses.append(response)
    info = data_file.stat()
    assert response.status_code == 200
    assert response.streaming
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Length"] == str(len(DATA))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"].startswith('W/"')
    modified = parse_http_date(response.headers["Last-Modified"])
    assert modified is not None
    assert int(modified.timestamp()) == int(info.st_mtime)
    assert "Content-Disposition" not in response.headers
    assert response.size == len(DATA)


def test_file_response_str_path_streams_in_chunks(data_file: Path) -> None:
    response = FileResponse(str(data_file), chunk_size=100_000)
    chunks = list(response.iter_body())
    assert [len(chunk) for chunk in chunks] == [100_000, 100_000, 56_000]
    assert b"".join(chunks) == DATA
    assert response._file.closed
    response.close()


def test_file_response_default_chunk_is_64_kib(data_file: Path) -> None:
    response = FileResponse(data_file)
    first = next(iter(response.iter_body()))
    response.close()
    assert len(first) == 64 * 1024


def test_file_response_etag_changes_with_the_file(data_file: Path) -> None:
    first = FileResponse(data_file)
    first.close()
    data_file.write_bytes(DATA + b"!")
    second = FileResponse(data_file)
    second.close()
    assert first.headers["ETag"] != second.headers["ETag"]


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("notes.txt", "text/plain; charset=utf-8"),
        ("page.html", "text/html; charset=utf-8"),
        ("styles.css", "text/css; charset=utf-8"),
        ("photo.png", "image/png"),
        ("report.pdf", "application/pdf"),
        ("archive.tar.gz", "application/gzip"),
        ("backup.sql.br", "application/x-brotli"),
        ("data.unknown-extension", "application/octet-stream"),
        ("no-extension", "application/octet-stream"),
    ],
)
def test_file_response_guesses_content_type(tmp_path: Path, name: str, content_type: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"x")
    response = FileResponse(path)
    response.close()
    assert response.headers["Content-Type"] == content_type


def test_file_response_unknown_compression_is_octet_stream(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("mimetypes.guess_type", lambda name, strict=True: ("text/plain", "zz"))
    path = tmp_path / "x.txt.zz"
    path.write_bytes(b"x")
    response = FileResponse(path)
    response.close()
    assert response.headers["Content-Type"] == "application/octet-stream"


def test_file_response_explicit_content_type_and_headers_win(data_file: Path) -> None:
    response = FileResponse(
        data_file,
        content_type="application/x-custom",
        headers={"ETag": '"mine"', "Cache-Control": "no-cache"},
    )
    response.close()
    assert response.headers["Content-Type"] == "application/x-custom"
    assert response.headers["ETag"] == '"mine"'
    assert response.headers["Cache-Control"] == "no-cache"


def test_file_response_filename_guides_content_type(data_file: Path) -> None:
    response = FileResponse(data_file, filename="export.csv")
    response.close()
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'inline; filename="export.csv"'


def test_file_response_attachment_defaults_to_own_name(data_file: Path) -> None:
    response = FileResponse(data_file, as_attachment=True)
    response.close()
    assert response.headers["Content-Disposition"] == 'attachment; filename="data.bin"'


def test_file_response_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    response = FileResponse(path)
    assert response.headers["Content-Length"] == "0"
    assert list(response.iter_body()) == []
    response.close()


def test_file_response_repr(data_file: Path) -> None:
    response = FileResponse(data_file)
    response.close()
    assert repr(response) == "<FileResponse 200 'application/octet-stream'>"


# -- refusing what is not a regular file -------------------------------------------------------


def test_file_response_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is a directory"):
        FileResponse(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_file_response_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        FileResponse(fifo)


def test_file_response_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        FileResponse(tmp_path / "missing.txt")


def test_file_response_refuses_text_mode_and_closes_it() -> None:
    text = io.StringIO("hello")
    with pytest.raises(TypeError, match="'rb'"):
        FileResponse(text)  # type: ignore[arg-type]
    assert text.closed


def test_file_response_refuses_chunk_size_zero_and_closes_the_file(data_file: Path) -> None:
    opened = data_file.open("rb")
    with pytest.raises(ValueError, match="chunk_size"):
        FileResponse(opened, chunk_size=0)
    assert opened.closed


def test_file_response_path_with_bad_chunk_size_closes_what_it_opened(data_file: Path) -> None:
    # filterwarnings=error turns an unclosed descriptor (ResourceWarning) into a failure.
    with pytest.raises(ValueError, match="chunk_size"):
        FileResponse(data_file, chunk_size=-1)


# -- from a file object ------------------------------------------------------------------------


def test_file_response_file_object_from_its_position() -> None:
    file = RecordingFile(b"header:" + b"payload")
    file.seek(7)
    response = FileResponse(file, filename="payload.bin", as_attachment=True)
    assert response.headers["Content-Length"] == "7"
    assert "ETag" not in response.headers
    assert "Last-Modified" not in response.headers
    assert b"".join(response.iter_body()) == b"payload"
    assert file.closed
    response.close()


def test_file_response_named_file_object_guesses_type(data_file: Path) -> None:
    target = data_file.with_suffix(".json")
    target.write_bytes(b"{}")
    response = FileResponse(target.open("rb"))
    assert response.headers["Content-Type"] == "application/json"
    assert b"".join(response.iter_body()) == b"{}"
    response.close()


def test_file_response_unseekable_file_object() -> None:
    stream = Unseekable(b"streamed")
    response = FileResponse(stream)  # type: ignore[arg-type]
    assert response.size is None
    assert not response.accepts_ranges
    assert "Content-Length" not in response.headers
    assert "Accept-Ranges" not in response.headers
    with pytest.raises(ValueError, match="cannot serve ranges"):
        response.with_range(0, 1)
    assert finalize_response(make_request(range="bytes=0-1"), response).status_code == 200
    assert b"".join(response.iter_body()) == b"streamed"
    response.close()


def test_file_response_tell_failure_means_unknown_length() -> None:
    class Broken(io.BytesIO):
        def tell(self) -> int:
            raise OSError("no position")

    response = FileResponse(Broken(b"abc"))
    assert response.size is None
    assert b"".join(response.iter_body()) == b"abc"
    response.close()


# -- ranges ------------------------------------------------------------------------------------


def test_file_response_with_range_seeks_instead_of_reading() -> None:
    file = RecordingFile(DATA)
    response = FileResponse(file, chunk_size=1000)
    response.with_range(200_000, 202_499)
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 200000-202499/{len(DATA)}"
    assert response.headers["Content-Length"] == "2500"
    body = b"".join(response.iter_body())
    assert body == DATA[200_000:202_500]
    assert file.reads == [1000, 1000, 500]
    assert file.seeks[-1] == 200_000
    response.close()


def test_file_response_with_range_twice_keeps_the_last() -> None:
    file = io.BytesIO(b"skip" + b"0123456789")
    file.seek(4)
    response = FileResponse(file)
    response.with_range(5, 9)
    response.with_range(1, 2)
    assert response.headers["Content-Range"] == "bytes 1-2/10"
    assert b"".join(response.iter_body()) == b"12"
    response.close()


def test_file_response_minimal_file_like_has_unknown_length() -> None:
    class Minimal:
        def __init__(self) -> None:
            self.data = io.BytesIO(b"minimal")

        def read(self, size: int) -> bytes:
            return self.data.read(size)

        def close(self) -> None:
            self.data.close()

    response = FileResponse(Minimal())  # type: ignore[arg-type]
    assert response.size is None
    assert b"".join(response.iter_body()) == b"minimal"
    response.close()


def test_file_response_range_is_relative_to_file_object_position() -> None:
    file = io.BytesIO(b"skip" + b"0123456789")
    file.seek(4)
    response = FileResponse(file)
    response.with_range(2, 4)
    assert response.headers["Content-Range"] == "bytes 2-4/10"
    assert b"".join(response.iter_body()) == b"234"
    response.close()


@pytest.mark.parametrize(("first", "last"), [(-1, 3), (5, 4), (0, len(DATA)), (len(DATA), 0)])
def test_file_response_with_range_refuses_outside(data_file: Path, first: int, last: int) -> None:
    response = FileResponse(data_file)
    with pytest.raises(ValueError, match="outside"):
        response.with_range(first, last)
    response.close()


@pytest.mark.parametrize(
    ("header", "status", "expected"),
    [
        ("bytes=0-99", 206, DATA[:100]),
        ("bytes=-100", 206, DATA[-100:]),
        ("bytes=255900-", 206, DATA[255_900:]),
        ("bytes=0-0,2-2", 200, DATA),
        ("bytes=oops", 200, DATA),
    ],
)
def test_file_response_finalized_ranges(
    data_file: Path, header: str, status: int, expected: bytes
) -> None:
    response = finalize_response(make_request(range=header), FileResponse(data_file))
    assert response.status_code == status
    assert b"".join(response.iter_body()) == expected
    assert response.headers["Content-Length"] == str(len(expected))
    response.close()


def test_file_response_finalized_416_closes_the_file(data_file: Path) -> None:
    original = FileResponse(data_file)
    response = finalize_response(make_request(range=f"bytes={len(DATA)}-"), original)
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(DATA)}"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert original._file.closed


def test_file_response_if_range_with_its_weak_etag_sends_everything(data_file: Path) -> None:
    original = FileResponse(data_file)
    request = make_request(range="bytes=0-9", if_range=original.headers["ETag"])
    response = finalize_response(request, original)
    assert response.status_code == 200
    response.close()


def test_file_response_if_range_with_its_date_sends_the_range(data_file: Path) -> None:
    original = FileResponse(data_file)
    request = make_request(range="bytes=0-9", if_range=original.headers["Last-Modified"])
    response = finalize_response(request, original)
    assert response.status_code == 206
    assert b"".join(response.iter_body()) == DATA[:10]
    response.close()


# -- conditional requests ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_file_response_not_modified_closes_the_file(data_file: Path, method: str) -> None:
    original = FileResponse(data_file)
    response = finalize_response(
        make_request(method, if_none_match=original.headers["ETag"]), original
    )
    assert response.status_code == 304
    assert response.body == b""
    assert response.headers["ETag"] == original.headers["ETag"]
    assert response.headers["Content-Length"] == str(len(DATA))
    assert "Content-Type" not in response.headers
    assert original._file.closed


def test_file_response_if_modified_since(data_file: Path) -> None:
    original = FileResponse(data_file)
    modified = parsedate_to_datetime(original.headers["Last-Modified"])
    later = modified.timestamp() + 60

    response = finalize_response(make_request(if_modified_since=http_date(later)), original)
    assert response.status_code == 304


# -- closing -----------------------------------------------------------------------------------


def test_file_response_close_is_idempotent_and_runs_callbacks(data_file: Path) -> None:
    response = FileResponse(data_file)
    calls: list[str] = []
    response.call_on_close(lambda: calls.append("closed"))
    response.close()
    response.close()
    assert calls == ["closed"]
    assert response._file.closed


def test_file_response_stops_at_content_length_when_file_grows(data_file: Path) -> None:
    response = FileResponse(data_file)
    with data_file.open("ab") as file:
        file.write(b"appended later")
    assert b"".join(response.iter_body()) == DATA
    response.close()


def test_file_response_ends_early_when_file_shrinks(data_file: Path) -> None:
    response = FileResponse(data_file)
    data_file.write_bytes(b"short")
    assert b"".join(response.iter_body()) == b"short"
    response.close()


def test_file_response_abandoned_iteration_closes_the_file(data_file: Path) -> None:
    response = FileResponse(data_file)
    body = response.iter_body()
    next(iter(body))
    body.close()  # what a WSGI server does when the client disconnects
    assert response._file.closed
    response.close()


# -- content_disposition -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "as_attachment", "expected"),
    [
        (None, True, "attachment"),
        (None, False, "inline"),
        ("", True, "attachment"),
        ("..", True, "attachment"),
        ("report.pdf", True, 'attachment; filename="report.pdf"'),
        ("report.pdf", False, 'inline; filename="report.pdf"'),
        ("dir/sub/report.pdf", True, 'attachment; filename="report.pdf"'),
        ("C:\\Users\\x\\report.pdf", True, 'attachment; filename="report.pdf"'),
        (
            "naïve café.txt",
            True,
            "attachment; filename=\"naive cafe.txt\"; filename*=UTF-8''na%C3%AFve%20caf%C3%A9.txt",
        ),
        (
            "日本語.txt",
            True,
            'attachment; filename="download.txt"; '
            "filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt",
        ),
        (
            "日本語",
            True,
            "attachment; filename=\"download\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E",
        ),
        (
            "日本語.",
            True,
            "attachment; filename=\"download\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.",
        ),
        ("100%.txt", True, "attachment; filename=\"100.txt\"; filename*=UTF-8''100%25.txt"),
        ("a&b!.txt", True, 'attachment; filename="a&b!.txt"'),
    ],
)
def test_content_disposition_values(
    filename: str | None, as_attachment: bool, expected: str
) -> None:
    assert content_disposition(filename, as_attachment=as_attachment) == expected


# -- the documentation -------------------------------------------------------------------------


def test_docs_responses_examples_run() -> None:
    result = doctest.testfile(
        str(DOCS / "responses.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 50
    assert result.failed == 0
