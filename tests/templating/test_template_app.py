"""Templates end to end: views rendering through a real Bastion application over WSGI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bastion import App, Bastion, Request, Response, Settings, render
from bastion.routing import path
from bastion.settings import StaticConfig, TemplateConfig
from bastion.templating import TemplateResponse

KEY = "test-only-key-for-debug-settings"
PRODUCTION_KEY = "q8Zr2LmV7xKp4TnW9cYb3HdJ6fGs1RaE5uQo0iMl8NvBwXyCtPkSj"
Write = Callable[[str, str], Path]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "templates").mkdir()
    return tmp_path


@pytest.fixture
def write(project: Path) -> Write:
    def write(name: str, text: str) -> Path:
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    return write


def make_app(project: Path, routes: list[Any], **settings: Any) -> Bastion:
    settings.setdefault("TEMPLATES", TemplateConfig(dirs=("templates",)))
    return Bastion(
        Settings(DEBUG=True, SECRET_KEY=KEY, BASE_DIR=str(project), **settings), routes=routes
    )


def article(request: Request, slug: str) -> Response:
    return render(request, "article.html", {"title": f"<{slug}>", "slug": slug})


def test_app_renders_escaped_page(project: Path, write: Write, wsgi: Any) -> None:
    write("templates/article.html", "<h1>{{ title }}</h1>")
    app = make_app(project, [path("articles/<slug>/", article, name="article")])
    result = wsgi.call(app, wsgi.environ("/articles/hello/"))
    assert result.status_code == 200
    assert result.text == "<h1>&lt;hello&gt;</h1>"
    assert result.header("Content-Type") == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("script_name", "expected"), [("", "/articles/x/"), ("/blog", "/blog/articles/x/")]
)
def test_app_url_global_includes_mount_point(
    project: Path, write: Write, wsgi: Any, script_name: str, expected: str
) -> None:
    write("templates/article.html", "{{ url('article', slug='x') }}")
    app = make_app(project, [path("articles/<slug>/", article, name="article")])
    result = wsgi.call(app, wsgi.environ("/articles/y/", SCRIPT_NAME=script_name))
    assert result.text == expected


def test_app_static_global_in_development(project: Path, write: Write, wsgi: Any) -> None:
    write("templates/article.html", "<link href=\"{{ static('css/site.css') }}\">")
    write("static/css/site.css", "body {}")
    app = make_app(
        project,
        [path("articles/<slug>/", article)],
        STATIC=StaticConfig(dirs=("static",)),
    )
    result = wsgi.call(app, wsgi.environ("/articles/x/"))
    assert result.text == '<link href="/static/css/site.css">'
    css = wsgi.call(app, wsgi.environ("/static/css/site.css"))
    assert (css.status_code, css.body) == (200, b"body {}")


def test_app_response_keeps_template_and_context(project: Path, write: Write, wsgi: Any) -> None:
    write("templates/article.html", "{{ title }}")
    app = make_app(project, [path("articles/<slug>/", article)])
    env = wsgi.environ("/articles/abc/")
    wsgi.call(app, env)
    response = env["bastion.response"]
    assert isinstance(response, TemplateResponse)
    assert response.template_name == "article.html"
    assert response.context["slug"] == "abc"
    assert response.context["request"].path == "/articles/abc/"


def test_app_templates_of_apps_come_after_the_project(
    project: Path, write: Write, wsgi: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("shop/__init__.py", "")
    write("shop/templates/shop/list.html", "app list {{ n }}")
    write("shop/templates/shop/item.html", "app item")
    write("templates/shop/item.html", "project item")
    monkeypatch.syspath_prepend(str(project))

    def listing(request: Request) -> Response:
        return render(request, ["shop/missing.html", "shop/list.html"], {"n": 3})

    def item(request: Request) -> Response:
        return render(request, "shop/item.html")

    app = Bastion(
        Settings(
            DEBUG=True,
            SECRET_KEY=KEY,
            BASE_DIR=str(project),
            TEMPLATES=TemplateConfig(dirs=("templates",)),
        ),
        routes=[path("list/", listing), path("item/", item)],
        apps=[App("shop")],
    )
    assert wsgi.call(app, wsgi.environ("/list/")).text == "app list 3"
    assert wsgi.call(app, wsgi.environ("/item/")).text == "project item"


@pytest.mark.parametrize("debug", [True, False])
def test_app_missing_template_is_a_500(project: Path, wsgi: Any, debug: bool) -> None:
    settings = Settings(
        DEBUG=debug,
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS=["testserver"],
        BASE_DIR=str(project),
        TEMPLATES=TemplateConfig(dirs=("templates",)),
    )
    app = Bastion(settings, routes=[path("articles/<slug>/", article)])
    result = wsgi.call(app, wsgi.environ("/articles/x/"))
    assert result.status_code == 500
    assert ("article.html" in result.text) is debug
