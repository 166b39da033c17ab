"""Path traversal: a static file URL never reaches a file outside the static folders.

Threat: ``/static/../settings.py``, ``/static/..%2f..%2fetc/passwd`` (the server decodes
``%2f`` before Bastion sees the path, so the decoded ``../`` is what arrives), backslashes,
NUL bytes, drive letters and symlinks planted in a static folder are used to read source
code, secrets or system files. Every one must end in 404 in development serving (source
folders) and in manifest serving (``STATIC.root``), and ``static()`` must refuse such names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion import Bastion
from bastion.http.exceptions import NotFound
from bastion.http.request import Request
from bastion.settings import Settings, StaticConfig
from bastion.staticfiles import StaticFiles

SECRET = b"SECRET_KEY=do-not-leak"

ATTACKS = [
    "../secret.txt",
    "../../secret.txt",
    "css/../../secret.txt",
    "css/../css/../../secret.txt",
    "..",
    "../",
    "..%2fsecret.txt",
    "%2e%2e/secret.txt",
    "/etc/passwd",
    "//etc/passwd",
    "///etc/passwd",
    "\\..\\secret.txt",
    "..\\secret.txt",
    "css\\..\\..\\secret.txt",
    "secret.txt\x00.css",
    "css/site.css\x00",
    "\x00",
    "C:/Windows/win.ini",
    "c:\\windows\\win.ini",
    "leak.txt",
    "etc/passwd",
    "linked/secret.txt",
    ".env",
    "css/.git/config",
    "site.css~",
    "",
    "css",
    "css/",
    "./css/site.css",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "secret.txt").write_bytes(SECRET)
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body {}")
    (static / ".env").write_bytes(SECRET)
    (static / "css" / ".git").mkdir()
    (static / "css" / ".git" / "config").write_bytes(SECRET)
    (static / "site.css~").write_bytes(SECRET)
    (static / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (static / "etc").symlink_to("/etc", target_is_directory=True)
    (static / "linked").symlink_to(tmp_path / "private", target_is_directory=True)
    return tmp_path


def make_static(project: Path, *, manifest: bool) -> StaticFiles:
    settings = Settings(DEBUG=True, BASE_DIR=str(project), STATIC=StaticConfig(manifest=manifest))
    return StaticFiles(settings, source_dirs=[project / "static"])


def request(path: str) -> Request:
    return Request(settings=Settings(DEBUG=True), path=path)


@pytest.mark.parametrize("manifest", [False, True], ids=["sources", "collected"])
@pytest.mark.parametrize("name", ATTACKS)
def test_traversal_serve_answers_404(project: Path, name: str, manifest: bool) -> None:
    make_static(project, manifest=False).collect()
    static = make_static(project, manifest=manifest)
    with pytest.raises(NotFound):
        static.serve(request("/static/" + name))


@pytest.mark.parametrize("name", ATTACKS)
def test_traversal_find_finds_nothing(project: Path, name: str) -> None:
    assert make_static(project, manifest=False).find(name) is None


@pytest.mark.parametrize(
    "name",
    ["../secret.txt", "css/../../secret.txt", "/etc/passwd", "\\..\\x", "a\x00", "C:/x", ".env"],
)
@pytest.mark.parametrize("manifest", [False, True])
def test_traversal_static_url_refuses(project: Path, name: str, manifest: bool) -> None:
    make_static(project, manifest=False).collect()
    with pytest.raises(ValueError, match=r"(?i)static file name"):
        make_static(project, manifest=manifest).url(name)


@pytest.mark.parametrize("manifest", [False, True], ids=["sources", "collected"])
@pytest.mark.parametrize("name", ATTACKS)
def test_traversal_through_the_application_is_404(
    project: Path, wsgi: Any, name: str, manifest: bool
) -> None:
    settings = Settings(
        DEBUG=True,
        SECRET_KEY="test-only-key-for-debug-settings",
        BASE_DIR=str(project),
        STATIC=StaticConfig(dirs=("static",), manifest=manifest),
    )
    app = Bastion(settings)
    app.static.collect()
    result = wsgi.call(app, wsgi.environ("/static/" + name))
    assert result.status_code == 404
    assert SECRET not in result.body


def test_traversal_collect_copies_nothing_from_outside(project: Path) -> None:
    static = make_static(project, manifest=False)
    result = static.collect()
    assert set(result.manifest) == {"css/site.css"}
    assert sorted(Path(p).name for p in result.skipped) == ["etc", "leak.txt", "linked"]
    for path in static.root.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_bytes()


def test_traversal_legitimate_file_still_served(project: Path) -> None:
    response = make_static(project, manifest=False).serve(request("/static/css/site.css"))
    assert response is not None
    assert response.status_code == 200
    response.close()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(
    name=st.lists(
        st.sampled_from(
            [
                "..",
                ".",
                "",
                "css",
                "site.css",
                "etc",
                "passwd",
                "leak.txt",
                "\\",
                "\x00",
                "C:",
                "linked",
                "secret.txt",
            ]
        ),
        min_size=1,
        max_size=6,
    ).map("/".join)
)
def test_traversal_find_never_leaves_the_folder(project: Path, name: str) -> None:
    static = make_static(project, manifest=False)
    found = static.find(name)
    assert found is None or found.is_relative_to(static.source_dirs[0])
