"""serve(): stored files as sandboxed downloads, through a real application."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.app import Bastion
from bastion.files import UPLOAD_CSP, FileSystemStorage, InMemoryStorage, serve
from bastion.http.exceptions import NotFound
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.routing import path
from bastion.security.headers import csp_override
from bastion.testing import Client
from bastion.testing.pytest_plugin import SettingsFactory

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4
HTML = b"<html><script>alert(document.cookie)</script></html>"
OWNED: dict[str, str] = {}  # what the current user may read: id -> storage name


@pytest.fixture
def storage(tmp_path: Path) -> FileSystemStorage:
    return FileSystemStorage(tmp_path / "media")


@pytest.fixture
def client(make_settings: SettingsFactory, storage: FileSystemStorage) -> Client:
    OWNED.clear()
    memory = InMemoryStorage()

    def download(request: Request, key: str) -> Response:
        name = OWNED.get(key)
        if name is None:  # the permission check: only the user's own files
            raise NotFound("There is no such file.")
        return serve(request, storage, name, download_name="Relevé de compte.pdf")

    @csp_override(UPLOAD_CSP)  # no longer needed, still honoured
    def accel(request: Request, key: str) -> Response:
        return serve(request, storage, OWNED[key], x_accel_prefix="/protected/")

    def from_memory(request: Request) -> Response:
        return serve(request, memory, memory.save(PDF))

    def by_name(request: Request) -> Response:
        return serve(request, storage, request.query["name"])

    app = Bastion(
        make_settings(),
        routes=[
            path("files/<key>", download),
            path("accel/<key>", accel),
            path("memory", from_memory),
            path("raw", by_name),
        ],
    )
    return Client(app)


def test_download_headers(client: Client, storage: FileSystemStorage) -> None:
    OWNED["1"] = storage.save(PDF, upload_to="docs")
    response = client.get("/files/1")
    assert response.status_code == 200
    assert response.content == PDF
    headers = response.headers
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"] == (
        'attachment; filename="Releve de compte.pdf"; '
        "filename*=UTF-8''Relev%C3%A9%20de%20compte.pdf"
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    site, sandbox = headers.getlist("Content-Security-Policy")
    assert sandbox == "sandbox; default-src 'none'"  # serve()'s own, kept by the CSP layer
    assert "frame-ancestors 'none'" in site.split("; ")  # and the site's, beside it
    assert headers["Cache-Control"] == "private"
    assert "ETag" in headers
    assert "Last-Modified" in headers


def test_html_upload_goes_out_as_an_opaque_download(
    client: Client, storage: FileSystemStorage
) -> None:
    OWNED["x"] = storage.save(HTML)
    response = client.get("/files/x")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_ranges_and_conditional_requests(client: Client, storage: FileSystemStorage) -> None:
    OWNED["1"] = storage.save(PDF)
    part = client.get("/files/1", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == PDF[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(PDF)}"
    assert part.headers["Content-Disposition"].startswith("attachment")
    tail = client.get("/files/1", headers={"Range": "bytes=-5"})
    assert tail.content == PDF[-5:]
    assert client.get("/files/1", headers={"Range": "bytes=99999-"}).status_code == 416
    etag = client.get("/files/1").headers["ETag"]
    assert client.get("/files/1", headers={"If-None-Match": etag}).status_code == 304


def test_missing_files_and_refused_users_get_404(
    client: Client, storage: FileSystemStorage
) -> None:
    assert client.get("/files/nobody").status_code == 404
    OWNED["gone"] = name = storage.save(PDF)
    storage.delete(name)
    assert client.get("/files/gone").status_code == 404
    assert client.get("/raw", query={"name": "missing.pdf"}).status_code == 404


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "a\\..\\b", "x\x00"])
def test_hostile_names_are_refused(client: Client, name: str) -> None:
    assert client.get("/raw", query={"name": name}).status_code == 400


def test_x_accel_redirect(client: Client, storage: FileSystemStorage) -> None:
    OWNED["1"] = name = storage.save(PDF, upload_to="docs")
    response = client.get("/accel/1")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["X-Accel-Redirect"] == f"/protected/{name}"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policies = response.headers.getlist("Content-Security-Policy")
    assert [p.startswith("sandbox; default-src 'none'") for p in policies] == [True, True]
    storage.delete(name)
    assert client.get("/accel/1").status_code == 404


def test_storages_without_paths_stream_from_open(client: Client) -> None:
    response = client.get("/memory", headers={"Range": "bytes=0-3"})
    assert response.status_code == 206
    assert response.content == b"%PDF"
    assert "sandbox; default-src 'none'" in response.headers.getlist("Content-Security-Policy")
