"""StaticFiles: configuration, URLs, finding and serving."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.http.exceptions import NotFound
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.settings import Settings, StaticConfig
from bastion.staticfiles import StaticFiles
from bastion.staticfiles import core as core_module

MakeStatic = Callable[..., StaticFiles]
MakeRequest = Callable[..., Request]
BodyOf = Callable[[Response], bytes]
Write = Callable[[Path, str | bytes], Path]

CSS_HASH = hashlib.sha256(b"body { color: red }").hexdigest()[:12]


@pytest.mark.parametrize(
    ("root", "expected"),
    [(None, "staticfiles"), ("public/static", "public/static"), ("collected", "collected")],
)
def test_static_root_is_resolved_from_base_dir(
    make_static: MakeStatic, base_dir: Path, root: str | None, expected: str
) -> None:
    assert make_static(root=root).root == (base_dir / expected).resolve()


def test_static_root_may_be_absolute(make_static: MakeStatic, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    assert make_static(root=str(target)).root == target.resolve()


def test_static_relative_base_dir_is_pinned_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    static = StaticFiles(Settings(), source_dirs=[Path("static")])
    assert static.root == tmp_path.resolve() / "staticfiles"
    assert static.source_dirs == (tmp_path.resolve() / "static",)


@pytest.mark.parametrize(
    ("debug", "manifest", "expected"),
    [(True, None, False), (False, None, True), (True, True, True), (False, False, False)],
)
def test_static_use_manifest_follows_setting_or_debug(
    make_static: MakeStatic, debug: bool, manifest: bool | None, expected: bool
) -> None:
    assert make_static(debug=debug, manifest=manifest).use_manifest is expected


def test_static_repr(make_static: MakeStatic) -> None:
    assert repr(make_static()).startswith("<StaticFiles '/static/' manifest=False")


@pytest.mark.parametrize(
    ("prefix", "path", "expected"),
    [
        ("/static/", "css/site.css", "/static/css/site.css"),
        ("/assets/", "css/site.css", "/assets/css/site.css"),
        ("/static/", "my file.css", "/static/my%20file.css"),
        ("/static/", "名前.css", "/static/%E5%90%8D%E5%89%8D.css"),
        ("/static/", "a?b#c.css", "/static/a%3Fb%23c.css"),
        ("/static/", "not/collected.js", "/static/not/collected.js"),
    ],
)
def test_static_url_without_manifest(
    make_static: MakeStatic, prefix: str, path: str, expected: str
) -> None:
    assert make_static(url=prefix).url(path) == expected


def test_static_url_with_manifest_is_the_hashed_name(make_static: MakeStatic) -> None:
    make_static().collect()
    static = make_static(debug=False)
    assert static.url("css/site.css") == f"/static/css/site.{CSS_HASH}.css"


def test_static_url_with_manifest_quotes_the_hashed_name(
    make_static: MakeStatic, base_dir: Path, write: Write
) -> None:
    write(base_dir / "static" / "my file.css", "x")
    make_static().collect()
    digest = hashlib.sha256(b"x").hexdigest()[:12]
    assert make_static(manifest=True).url("my file.css") == f"/static/my%20file.{digest}.css"


def test_static_url_not_in_manifest_says_to_collect(make_static: MakeStatic) -> None:
    make_static().collect()
    static = make_static(manifest=True)
    with pytest.raises(ValueError, match=r"'img/missing\.png'") as info:
        static.url("img/missing.png")
    assert "bastion collectstatic" in str(info.value)


def test_static_url_without_a_manifest_file(make_static: MakeStatic) -> None:
    with pytest.raises(ImproperlyConfigured, match="collectstatic"):
        make_static(manifest=True).url("css/site.css")


def test_static_manifest_is_read_once(
    make_static: MakeStatic, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_static().collect()
    static = make_static(manifest=True)
    calls: list[Path] = []
    original = core_module.read_manifest

    def counting(path: Path) -> dict[str, str]:
        calls.append(path)
        return original(path)

    monkeypatch.setattr(core_module, "read_manifest", counting)
    for _ in range(3):
        static.url("css/site.css")
    assert calls == [static.root / "staticfiles.json"]


@pytest.mark.parametrize("manifest", [False, True])
@pytest.mark.parametrize("path", ["../secret", "/etc/passwd", "a/../b", "", "a\\b", ".env"])
def test_static_url_refuses_unsafe_names(
    make_static: MakeStatic, path: str, manifest: bool
) -> None:
    make_static().collect()
    static = make_static(manifest=manifest)
    with pytest.raises(ValueError, match=r"(?i)static file name") as info:
        static.url(path)
    assert "manifest" not in str(info.value)


def test_static_find_first_folder_wins(make_static: MakeStatic, base_dir: Path) -> None:
    static = make_static()
    assert static.find("both.txt") == (base_dir / "static" / "both.txt").resolve()
    assert static.find("js/app.js") == (base_dir / "app/static/js/app.js").resolve()
    assert static.find("missing.txt") is None
    assert static.find("css") is None


# -- serving -------------------------------------------------------------------------------


def test_static_serve_ignores_other_paths_and_methods(
    make_static: MakeStatic, make_request: MakeRequest
) -> None:
    static = make_static()
    assert static.serve(make_request("/css/site.css")) is None
    assert static.serve(make_request("/static")) is None
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        assert static.serve(make_request("/static/css/site.css", method)) is None


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_static_serve_from_sources_without_manifest(
    make_static: MakeStatic, make_request: MakeRequest, body_of: BodyOf, method: str
) -> None:
    response = make_static().serve(make_request("/static/both.txt", method))
    assert response is not None
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert body_of(response) == b"from project"


def test_static_serve_uses_the_configured_prefix(
    make_static: MakeStatic, make_request: MakeRequest, body_of: BodyOf
) -> None:
    static = make_static(url="/assets/")
    assert static.serve(make_request("/static/both.txt")) is None
    response = static.serve(make_request("/assets/js/app.js"))
    assert response is not None
    assert body_of(response) == b"console.log(1)"


@pytest.mark.parametrize(
    "path", ["/static/", "/static/css", "/static/css/", "/static/missing.css", "/static/x//y"]
)
@pytest.mark.parametrize("manifest", [False, True])
def test_static_serve_404_for_missing_files_and_folders(
    make_static: MakeStatic, make_request: MakeRequest, path: str, manifest: bool
) -> None:
    make_static().collect()
    with pytest.raises(NotFound):
        make_static(manifest=manifest).serve(make_request(path))


def test_static_serve_hashed_names_are_immutable(
    make_static: MakeStatic, make_request: MakeRequest, body_of: BodyOf
) -> None:
    make_static().collect()
    static = make_static(debug=False, max_age=600)
    response = static.serve(make_request(f"/static/css/site.{CSS_HASH}.css"))
    assert response is not None
    assert response.headers["Cache-Control"] == "public, max-age=600, immutable"
    assert body_of(response) == b"body { color: red }"


def test_static_serve_with_manifest_originals_are_revalidated(
    make_static: MakeStatic, make_request: MakeRequest, body_of: BodyOf
) -> None:
    make_static().collect()
    response = make_static(debug=False).serve(make_request("/static/css/site.css"))
    assert response is not None
    assert response.headers["Cache-Control"] == "no-cache"
    assert body_of(response) == b"body { color: red }"


def test_static_serve_with_manifest_reads_root_not_sources(
    make_static: MakeStatic, make_request: MakeRequest, base_dir: Path, write: Write
) -> None:
    make_static().collect()
    write(base_dir / "static" / "late.css", "not collected")
    static = make_static(manifest=True)
    with pytest.raises(NotFound):
        static.serve(make_request("/static/late.css"))


def test_static_serve_never_serves_the_manifest(
    make_static: MakeStatic, make_request: MakeRequest
) -> None:
    make_static().collect()
    with pytest.raises(NotFound):
        make_static(manifest=True).serve(make_request("/static/staticfiles.json"))


def test_static_serve_without_manifest_file_is_a_configuration_error(
    make_static: MakeStatic, make_request: MakeRequest
) -> None:
    with pytest.raises(ImproperlyConfigured, match="collectstatic"):
        make_static(manifest=True).serve(make_request("/static/css/site.css"))


def test_static_default_max_age_is_a_year() -> None:
    assert StaticConfig().max_age == 365 * 24 * 3600


def test_static_serve_file_deleted_after_lookup_is_404(
    make_static: MakeStatic, make_request: MakeRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    static = make_static()

    def vanished(path: Path) -> Response:
        raise FileNotFoundError(path)

    monkeypatch.setattr(core_module, "FileResponse", vanished)
    with pytest.raises(NotFound):
        static.serve(make_request("/static/both.txt"))


def test_static_serve_sends_validators_and_type(
    make_static: MakeStatic, make_request: MakeRequest
) -> None:
    response = make_static().serve(make_request("/static/css/site.css"))
    assert response is not None
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.headers["Content-Length"] == str(len(b"body { color: red }"))
    assert "ETag" in response.headers
    assert "Last-Modified" in response.headers
    response.close()
