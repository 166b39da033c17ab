"""Attacks on file responses: header injection through file names, hostile Range headers,
non-regular files, leaked descriptors. ``filterwarnings=error`` makes any unclosed file
(ResourceWarning) a failure, so every test here also proves the descriptors are closed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from bastion.http import ranges
from bastion.http.conditional import finalize_response
from bastion.http.files import FileResponse, content_disposition
from bastion.http.headers import RequestHeaders, check_header
from bastion.http.ranges import MAX_RANGES, parse_range
from bastion.http.request import Request
from bastion.settings.core import Settings

SETTINGS = Settings(DEBUG=True)
DATA = b"0123456789" * 100
HOSTILE_NAMES = [
    'a"\r\nSet-Cookie: x=1.txt',
    "a\rb\nc.txt",
    "..\\..\\x",
    "../../etc/passwd",
    "/etc/passwd",
    "C:\\Windows\\system32\\cmd.exe",
    "evil\x00.txt",
    "\x00",
    "résumé.pdf",
    "\u202egpj.exe",
    "a\u2028b.txt",
    'quote"and\\backslash.txt',
    "semi;colon, comma.txt",
    "%0d%0aSet-Cookie:%20x=1",
    "x" * 10_000 + ".txt",
    "\u00a0\u3000.txt",
    "emoji 🎉.png",
]
HOSTILE_RANGES = [
    "bytes=" + ",".join(["0-0"] * 10_000),
    "bytes=" + ",".join(["0-"] * 10_000),
    "bytes=" + ",".join(["-1"] * 10_000),
    "bytes=99999999999999999999-",
    "bytes=0-99999999999999999999",
    "bytes=-99999999999999999999",
    "bytes=" + "9" * 100_000 + "-",
    "bytes=-" + "9" * 100_000,
    "bytes=" + "1" * 50_000 + "-" + "2" * 50_000,
    "bytes=" + "-" * 10_000,
    "bytes=" + "," * 100_000,
    "bytes=" + " " * 100_000 + "0-1",
    "bytes=0-1" + "\x00" * 1000,
    "bytes=\u0660-\u0669",
    "bytes=0x10-0x20",
    "bytes=-0",
    "bytes=1000-",
    "=" * 10_000,
    "",
]


def make_request(method: str = "GET", **headers: str) -> Request:
    names = {name.replace("_", "-"): value for name, value in headers.items()}
    return Request(settings=SETTINGS, method=method, headers=RequestHeaders(names))


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    return path


# -- Content-Disposition injection --------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_content_disposition_hostile_name_is_one_safe_header(data_file: Path, name: str) -> None:
    response = FileResponse(data_file, as_attachment=True, filename=name)
    response.close()
    items = response.header_items()
    dispositions = [value for key, value in items if key.lower() == "content-disposition"]
    assert len(dispositions) == 1
    assert not [value for key, value in items if key.lower() == "set-cookie"]
    value = dispositions[0]
    check_header("Content-Disposition", value)  # no CR, LF, NUL; ISO-8859-1 only
    assert value.isascii()
    if value == "attachment":  # nothing of the name survived: no name is suggested
        return
    match = re.fullmatch(r'attachment; filename="([^"\\]*)"(?:; filename\*=UTF-8\'\'(\S+))?', value)
    assert match is not None, value
    fallback, encoded = match.groups()
    for character in "/\\%":
        assert character not in fallback
    assert all(" " <= ch <= "~" for ch in fallback)
    assert fallback.strip()
    assert fallback not in (".", "..")
    if encoded is not None:
        assert re.fullmatch(r"[A-Za-z0-9!#$&+\-.^_`|~%]+", encoded)
        for forbidden in ("%00", "%0D", "%0A", "%2F", "%5C", "%E2%80%AE", "%E2%80%A8"):
            assert forbidden not in encoded


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_content_disposition_keeps_names_bounded(name: str) -> None:
    assert len(content_disposition(name)) < 2000


# -- hostile Range headers ------------------------------------------------------------------------


@pytest.mark.parametrize("header", HOSTILE_RANGES, ids=lambda header: header[:30])
def test_finalize_response_hostile_range_never_fails(data_file: Path, header: str) -> None:
    original = FileResponse(data_file)
    response = finalize_response(make_request(range=header), original)
    assert response.status_code in (200, 206, 416)
    body = b"".join(response.iter_body()) if response.streaming else response.body
    if response.status_code == 200:
        assert body == DATA
    elif response.status_code == 206:
        assert len(body) == int(response.headers["Content-Length"]) <= len(DATA)
    else:
        assert response.headers["Content-Range"] == f"bytes */{len(DATA)}"
    response.close()
    original.close()


@pytest.mark.parametrize("header", HOSTILE_RANGES, ids=lambda header: header[:30])
def test_parse_range_work_is_bounded(monkeypatch: pytest.MonkeyPatch, header: str) -> None:
    """At most MAX_RANGES specs are examined, however long the header (no timing needed)."""
    examined: list[str] = []
    real = ranges._RANGE_SPEC

    class Counting:
        def fullmatch(self, text: str) -> Any:
            examined.append(text)
            return real.fullmatch(text)

    monkeypatch.setattr(ranges, "_RANGE_SPEC", Counting())
    result = parse_range(header, len(DATA))
    assert len(examined) <= MAX_RANGES
    assert result is None or all(0 <= a <= b < len(DATA) for a, b in result)


def test_finalize_response_many_overlapping_ranges_collapse_to_one(data_file: Path) -> None:
    header = "bytes=" + ",".join(["0-0"] * MAX_RANGES)
    response = finalize_response(make_request(range=header), FileResponse(data_file))
    assert response.status_code == 206
    assert b"".join(response.iter_body()) == b"0"
    response.close()


def test_finalize_response_huge_start_is_416_not_500(data_file: Path) -> None:
    original = FileResponse(data_file)
    response = finalize_response(make_request(range="bytes=99999999999999999999-"), original)
    assert response.status_code == 416
    assert original._file.closed


# -- what may be opened ----------------------------------------------------------------------------


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_file_response_refuses_devices(device: str) -> None:
    with pytest.raises(ValueError, match="not a regular file"):
        FileResponse(device)


def test_file_response_refuses_directories(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="directory"):
        FileResponse(tmp_path)


def test_file_response_etag_reveals_no_path_or_inode(data_file: Path) -> None:
    response = FileResponse(data_file)
    response.close()
    etag = response.headers["ETag"]
    assert re.fullmatch(r'W/"[A-Za-z0-9_-]{22}"', etag)
    assert str(os.stat(data_file).st_ino) not in etag


def test_file_response_nosniff_even_with_explicit_type(data_file: Path) -> None:
    response = FileResponse(data_file, content_type="text/html; charset=utf-8")
    response.close()
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- end to end, through the WSGI application ------------------------------------------------------


def _app(path: Path) -> Any:
    from bastion.app import Bastion
    from bastion.routing import path as route

    settings = Settings(
        SECRET_KEY="x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ",
        ALLOWED_HOSTS=["testserver"],
    )

    def download(request: Request) -> FileResponse:
        return FileResponse(path, as_attachment=True, filename='x"\r\nSet-Cookie: a=b.bin')

    return Bastion(settings, routes=[route("download/", download)])


def test_wsgi_app_serves_304_206_and_416(data_file: Path, wsgi: Any) -> None:
    app = _app(data_file)
    full = wsgi.call(app, wsgi.environ("/download/"))
    assert full.status_code == 200
    assert full.body == DATA
    assert full.header("Set-Cookie") is None
    etag = full.header("ETag")
    assert etag is not None

    not_modified = wsgi.call(app, wsgi.environ("/download/", headers={"If-None-Match": etag}))
    assert not_modified.status_code == 304
    assert not_modified.body == b""

    partial = wsgi.call(app, wsgi.environ("/download/", headers={"Range": "bytes=-10"}))
    assert partial.status_code == 206
    assert partial.body == DATA[-10:]
    assert partial.header("Content-Range") == f"bytes {len(DATA) - 10}-{len(DATA) - 1}/{len(DATA)}"

    hostile = wsgi.call(
        app, wsgi.environ("/download/", headers={"Range": "bytes=" + "0-0," * 10_000})
    )
    assert hostile.status_code == 200

    beyond = wsgi.call(app, wsgi.environ("/download/", headers={"Range": "bytes=5000-"}))
    assert beyond.status_code == 416
    assert beyond.header("Content-Range") == f"bytes */{len(DATA)}"

    head = wsgi.call(app, wsgi.environ("/download/", method="HEAD"))
    assert head.status_code == 200
    assert head.body == b""
    assert head.header("Content-Length") == str(len(DATA))
