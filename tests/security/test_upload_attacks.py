"""Attacks on uploads, played through a real application that stores what it is sent.

The view validates each file by content (:func:`bastion.files.validate_upload`) and stores it
in a :class:`~bastion.files.FileSystemStorage`; every test checks the answer, what landed in
the storage root (and nowhere else), and that the upload temp directory is empty afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bastion.app import Bastion
from bastion.exceptions import ValidationError
from bastion.files import (
    UPLOAD_CSP,
    FileSystemStorage,
    SuspiciousFileName,
    serve,
    validate_upload,
)
from bastion.http.request import Request
from bastion.http.response import JSONResponse, Response
from bastion.routing import path
from bastion.security.headers import csp_override
from bastion.settings import HttpConfig
from bastion.testing import Client
from bastion.testing.pytest_plugin import SettingsFactory

BOUNDARY = "UploadAttackBoundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
MiB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>fetch('/steal?c='+document.cookie)</script>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.domain)</script></svg>"
)
IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
HOSTILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\win.ini",
    "/etc/passwd",
    "C:\\Windows\\System32\\drivers\\etc\\hosts",
    "\\\\server\\share\\x.png",
    "evil\x00.png",
    "\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fetc\uff0fpasswd.png",  # fullwidth ../../etc/passwd
    "..\u2215..\u2215x.png",  # division slash
    "%2e%2e%2f%2e%2e%2fx.png",
    "x.png/../../../../tmp/owned",
    "\u202egnp.exe",
]


def part(data: bytes, filename: str, name: str = "file", ctype: str = "image/png") -> bytes:
    header = (
        f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: {ctype}\r\n\r\n"
    )
    return header.encode("utf-8", "surrogateescape") + data


def multipart(*parts: bytes, close: bool = True) -> bytes:
    delimiter = f"--{BOUNDARY}".encode()
    body = b"".join(delimiter + b"\r\n" + p + b"\r\n" for p in parts)
    return body + delimiter + b"--\r\n" if close else body


class Site:
    """The application under attack, its storage root and its upload temp directory."""

    def __init__(self, client: Client, storage: FileSystemStorage, temp: Path, outside: Path):
        self.client = client
        self.storage = storage
        self.temp = temp
        self.outside = outside
        self.names: dict[str, str] = {}

    def post(self, url: str, body: bytes, **options: Any) -> Any:
        return self.client.post(url, body=body, content_type=CONTENT_TYPE, **options)

    def stored(self) -> list[Path]:
        return sorted(p for p in self.storage.root.rglob("*") if p.is_file())

    def leftovers(self) -> list[Path]:
        return sorted(self.temp.iterdir())


@pytest.fixture
def site(make_settings: SettingsFactory, tmp_path: Path) -> Iterator[Site]:
    temp = tmp_path / "upload-tmp"
    outside = tmp_path / "outside"
    for directory in (temp, outside):
        directory.mkdir()
    storage = FileSystemStorage(tmp_path / "media")
    names: dict[str, str] = {}

    def store(request: Request, allowed: frozenset[str], dangerous: bool) -> Response:
        saved = []
        for upload in request.files.getlist("file"):
            try:
                validate_upload(
                    upload, allowed_types=allowed, max_size=MiB, allow_dangerous=dangerous
                )
            except ValidationError as exc:
                return JSONResponse({"errors": {"file": exc.messages}}, status=400)
            name = storage.save(upload, upload.raw_filename, upload_to="uploads")
            names[str(len(names))] = name
            saved.append(name)
        return JSONResponse({"saved": saved})

    def images(request: Request) -> Response:
        return store(request, IMAGES, dangerous=False)

    def drawings(request: Request) -> Response:
        return store(request, IMAGES | {"image/svg+xml"}, dangerous=True)

    @csp_override(UPLOAD_CSP)
    def download(request: Request, key: str) -> Response:
        return serve(request, storage, names[key], download_name="photo.png")

    settings = make_settings(
        HTTP=HttpConfig(
            max_file_size=MiB,
            max_body_size=2 * MiB,
            spool_threshold=0,  # every upload goes through a temp file
            upload_temp_dir=str(temp),
        )
    )
    app = Bastion(
        settings,
        routes=[
            path("images", images, methods=["POST"]),
            path("drawings", drawings, methods=["POST"]),
            path("files/<key>", download),
        ],
    )
    result = Site(Client(app), storage, temp, outside)
    result.names = names
    yield result
    assert result.leftovers() == []  # no test leaves an upload temp file behind
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("filename", HOSTILE_NAMES)
def test_hostile_file_names_give_random_names_inside_the_root(site: Site, filename: str) -> None:
    response = site.post("/images", multipart(part(PNG, filename)))
    if filename.endswith(".exe"):  # refused by the deny list, whatever the content
        assert response.status_code == 400
        assert site.stored() == []
        return
    assert response.status_code == 200
    (name,) = response.json()["saved"]
    assert name.startswith("uploads/")
    assert name.endswith(".png")
    assert len(name) == len("uploads/") + 24 + len(".png")
    for piece in ("passwd", "win", "etc", "hosts", "owned", "..", "\\"):
        assert piece not in name.removeprefix("uploads/").lower()
    (stored,) = site.stored()
    assert stored.is_relative_to(site.storage.root)
    assert stored.read_bytes() == PNG


@pytest.mark.parametrize("filename", HOSTILE_NAMES)
def test_storage_refuses_hostile_names(site: Site, filename: str) -> None:
    storage = site.storage
    for call in (storage.open, storage.delete, storage.path, storage.exists, storage.size):
        with pytest.raises(SuspiciousFileName):
            call(filename)


def test_nul_in_a_file_name_is_never_a_path(site: Site) -> None:
    response = site.post("/images", multipart(part(PNG, "shell.php\x00.png")))
    assert response.status_code == 400  # ".php" is on the deny list, NUL or not
    assert site.stored() == []


def test_file_over_the_limit_is_413_and_nothing_is_stored(site: Site) -> None:
    big = PNG + b"\x00" * (5 * MiB)
    response = site.post("/images", multipart(part(big, "big.png")))
    assert response.status_code == 413
    assert site.stored() == []


def test_file_just_over_the_per_file_limit_is_413(site: Site) -> None:
    response = site.post("/images", multipart(part(PNG + b"\x00" * MiB, "big.png")))
    assert response.status_code == 413
    assert site.stored() == []


def test_ten_thousand_tiny_parts_are_refused_early(site: Site) -> None:
    files = multipart(*(part(b"x", f"{i}.png") for i in range(10_000)))
    fields = multipart(
        *(f'Content-Disposition: form-data; name="f{i}"\r\n\r\nx'.encode() for i in range(10_000))
    )
    for body in (files, fields):
        started = time.perf_counter()
        response = site.post("/images", body)
        assert response.status_code in (400, 413)
        assert time.perf_counter() - started < 2.0
    assert site.stored() == []


def test_png_named_html_is_refused_by_content(site: Site) -> None:
    response = site.post("/images", multipart(part(HTML, "cat.png", ctype="image/png")))
    assert response.status_code == 400
    assert "not of an accepted type" in response.json()["errors"]["file"][0]
    assert site.stored() == []


def test_svg_with_script_refused_unless_allowed(site: Site) -> None:
    for filename in ("drawing.svg", "drawing.png"):
        response = site.post("/images", multipart(part(SVG, filename, ctype="image/png")))
        assert response.status_code == 400
    assert site.stored() == []
    response = site.post("/drawings", multipart(part(SVG, "drawing.svg", ctype="image/svg+xml")))
    assert response.status_code == 200
    (name,) = response.json()["saved"]
    assert not name.endswith(".svg")  # stored without an extension a server would render
    served = site.client.get("/files/0")
    assert served.headers["Content-Type"] == "application/octet-stream"
    assert served.headers["Content-Disposition"].startswith("attachment")


def test_a_body_cut_in_the_middle_is_400_and_leaves_no_temp_file(site: Site) -> None:
    body = multipart(part(PNG + b"\x00" * 200_000, "a.png"), part(PNG, "b.png"))
    cut = body[: len(body) // 2]
    assert site.post("/images", cut).status_code == 400
    lying = site.post("/images", cut, environ={"CONTENT_LENGTH": str(len(body))})
    assert lying.status_code == 400
    unclosed = multipart(part(PNG, "a.png"), close=False)
    assert site.post("/images", unclosed).status_code == 400
    assert site.stored() == []
    assert site.leftovers() == []


def test_served_upload_is_a_sandboxed_download_with_ranges(site: Site) -> None:
    response = site.post("/images", multipart(part(PNG, "../../x.png")))
    assert response.status_code == 200
    served = site.client.get("/files/0")
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["Content-Disposition"] == 'attachment; filename="photo.png"'
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert served.headers["Content-Type"] == "application/octet-stream"
    part_response = site.client.get("/files/0", headers={"Range": "bytes=1-3"})
    assert part_response.status_code == 206
    assert part_response.content == PNG[1:4]
    assert part_response.headers["Content-Security-Policy"].startswith("sandbox;")
