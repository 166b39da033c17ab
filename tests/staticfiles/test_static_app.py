"""Static files end to end: served by a real Bastion application over WSGI."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from bastion import Bastion, Request, Response, Settings, render
from bastion.routing import path
from bastion.settings import StaticConfig, TemplateConfig

KEY = "test-only-key-for-debug-settings"
PRODUCTION_KEY = "q8Zr2LmV7xKp4TnW9cYb3HdJ6fGs1RaE5uQo0iMl8NvBwXyCtPkSj"
CSS = b"body { margin: 0 }"
CSS_HASHED = f"css/site.{hashlib.sha256(CSS).hexdigest()[:12]}.css"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "site.css").write_bytes(CSS)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("{{ static('css/site.css') }}")
    (tmp_path / "secret.py").write_text("SECRET_KEY = 'leak'")
    return tmp_path


def page(request: Request) -> Response:
    return render(request, "page.html")


def make_app(project: Path, *, debug: bool = True, **static: Any) -> Bastion:
    settings = Settings(
        DEBUG=debug,
        SECRET_KEY=KEY if debug else PRODUCTION_KEY,
        ALLOWED_HOSTS=["testserver"],
        BASE_DIR=str(project),
        STATIC=StaticConfig(dirs=("static",), **static),
        TEMPLATES=TemplateConfig(dirs=("templates",)),
    )
    return Bastion(settings, routes=[path("page/", page), path("static/upload", page)])


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_app_serves_static_files_in_development(project: Path, wsgi: Any, method: str) -> None:
    result = wsgi.call(make_app(project), wsgi.environ("/static/css/site.css", method=method))
    assert result.status_code == 200
    assert result.body == (CSS if method == "GET" else b"")
    assert result.header("Content-Length") == str(len(CSS))
    assert result.header("Cache-Control") == "no-cache"
    assert result.header("X-Content-Type-Options") == "nosniff"
    assert result.header(
        "Content-Type",
    ).startswith("text/css")


def test_app_static_revalidation_answers_304(project: Path, wsgi: Any) -> None:
    app = make_app(project)
    first = wsgi.call(app, wsgi.environ("/static/css/site.css"))
    etag = first.header("ETag")
    assert etag
    second = wsgi.call(app, wsgi.environ("/static/css/site.css", headers={"If-None-Match": etag}))
    assert (second.status_code, second.body) == (304, b"")


@pytest.mark.parametrize(
    "url",
    [
        "/static/missing.css",
        "/static/",
        "/static/css/",
        "/static/../secret.py",
        "/static/css/../../secret.py",
        "/static/..\\secret.py",
        "/static//etc/passwd",
        "/static/secret.py\x00.css",
    ],
)
def test_app_static_404(project: Path, wsgi: Any, url: str) -> None:
    result = wsgi.call(make_app(project), wsgi.environ(url))
    assert result.status_code == 404
    assert b"leak" not in result.body


def test_app_static_other_methods_reach_the_router(project: Path, wsgi: Any) -> None:
    app = make_app(project)
    assert wsgi.call(app, wsgi.environ("/static/upload", method="POST")).text == (
        "/static/css/site.css"
    )


def test_app_manifest_links_and_serves_hashed_names(project: Path, wsgi: Any) -> None:
    app = make_app(project, manifest=True)
    app.static.collect()
    assert wsgi.call(app, wsgi.environ("/page/")).text == f"/static/{CSS_HASHED}"
    hashed = wsgi.call(app, wsgi.environ(f"/static/{CSS_HASHED}"))
    assert hashed.body == CSS
    assert hashed.header("Cache-Control") == "public, max-age=31536000, immutable"
    original = wsgi.call(app, wsgi.environ("/static/css/site.css"))
    assert original.header("Cache-Control") == "no-cache"
    manifest = wsgi.call(app, wsgi.environ("/static/staticfiles.json"))
    assert manifest.status_code == 404


def test_app_production_does_not_serve_static_files(project: Path, wsgi: Any) -> None:
    app = make_app(project, debug=False)
    app.static.collect()
    assert wsgi.call(app, wsgi.environ("/page/")).text == f"/static/{CSS_HASHED}"
    assert wsgi.call(app, wsgi.environ(f"/static/{CSS_HASHED}")).status_code == 404


def test_app_production_without_collectstatic_fails_loudly(project: Path, wsgi: Any) -> None:
    app = make_app(project, debug=False)
    result = wsgi.call(app, wsgi.environ("/page/"))
    assert result.status_code == 500


def test_app_production_can_opt_in_to_serving(project: Path, wsgi: Any) -> None:
    app = make_app(project, debug=False, serve=True)
    app.static.collect()
    result = wsgi.call(app, wsgi.environ(f"/static/{CSS_HASHED}"))
    assert (result.status_code, result.body) == (200, CSS)
