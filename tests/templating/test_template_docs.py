"""docs/templates.md: its examples run as written, and its other snippets do what it says.

``>>>`` examples run through doctest. The view, settings and HTML snippets are taken from the
page itself and executed here, so the page cannot drift from the code.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from typing import Any

import pytest

from bastion import Bastion, Settings
from bastion.routing import include, path
from bastion.settings import StaticConfig, TemplateConfig

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = DOCS / "templates.md"
KEY = "test-only-key-for-debug-settings"


def snippet(language: str, containing: str) -> str:
    """The fenced ``language`` block of the page that contains ``containing``."""
    blocks = re.findall(rf"```{language}\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
    matching = [block for block in blocks if containing in block]
    assert len(matching) == 1, f"expected one {language} block with {containing!r}"
    return matching[0]


def test_templates_doc_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the page's examples write into "the project"
    result = doctest.testfile(
        str(PAGE),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 20
    assert result.failed == 0


def test_templates_doc_views_behave_as_described(tmp_path: Path, wsgi: Any) -> None:
    posts = {"hello": {"title": "Hello", "body": "<b>hi</b>", "slug": "hello"}}
    namespace: dict[str, Any] = {
        "find_post": posts.__getitem__,
        "latest": lambda: list(posts.values()),
    }
    exec(snippet("python", "def post_detail"), namespace)
    folder = tmp_path / "templates" / "blog"
    folder.mkdir(parents=True)
    (folder / "post.html").write_text("<h1>{{ post.title }}</h1>{{ post.body }}")
    (folder / "missing.html").write_text("No such post.")
    (folder / "feed.xml").write_text(
        "<feed>{% for p in posts %}<t>{{ p.body }}</t>{% endfor %}</feed>"
    )
    app = Bastion(
        Settings(
            DEBUG=True,
            SECRET_KEY=KEY,
            BASE_DIR=str(tmp_path),
            TEMPLATES=TemplateConfig(dirs=("templates",)),
        ),
        routes=[
            path("posts/<slug>/", namespace["post_detail"]),
            path("gone/", namespace["not_found_page"]),
            path("feed/", namespace["feed"]),
        ],
    )
    page = wsgi.call(app, wsgi.environ("/posts/hello/"))
    assert (page.status_code, page.text) == (200, "<h1>Hello</h1>&lt;b&gt;hi&lt;/b&gt;")
    gone = wsgi.call(app, wsgi.environ("/gone/"))
    assert (gone.status_code, gone.text) == (404, "No such post.")
    feed = wsgi.call(app, wsgi.environ("/feed/"))
    assert feed.header("Content-Type") == "application/atom+xml"
    assert feed.text == "<feed><t>&lt;b&gt;hi&lt;/b&gt;</t></feed>"


def test_templates_doc_settings_snippet_builds_an_engine(tmp_path: Path) -> None:
    namespace: dict[str, Any] = {}
    exec(snippet("python", "TEMPLATES = TemplateConfig("), namespace)
    settings = Settings(BASE_DIR=str(tmp_path), TEMPLATES=namespace["TEMPLATES"])
    app = Bastion(settings.replace(DEBUG=True, SECRET_KEY=KEY))
    assert app.templates.environment.auto_reload is True
    assert "jinja2.ext.LoopControlExtension" in app.templates.environment.extensions


def test_templates_doc_form_snippet_renders_as_described(tmp_path: Path, wsgi: Any) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "form.html").write_text(snippet("html", "csrf_input()"))
    (tmp_path / "static" / "css").mkdir(parents=True)

    def view(request: Any, slug: str) -> Any:
        from bastion import render

        request.csrf_token_factory = lambda: "TOKEN"
        request.csp_nonce_factory = lambda: "NONCE"
        return render(request, "form.html", {"post": {"slug": slug}})

    app = Bastion(
        Settings(
            DEBUG=True,
            SECRET_KEY=KEY,
            BASE_DIR=str(tmp_path),
            TEMPLATES=TemplateConfig(dirs=("templates",)),
            STATIC=StaticConfig(dirs=("static",)),
        ),
        routes=[
            path(
                "", include([path("posts/<slug>/comment/", view, name="comment")], namespace="blog")
            )
        ],
    )
    html = wsgi.call(app, wsgi.environ("/posts/hi/comment/", SCRIPT_NAME="/site")).text
    assert '<form method="post" action="/site/posts/hi/comment/">' in html
    assert '<input type="hidden" name="csrf_token" value="TOKEN">' in html
    assert 'href="/static/css/site.css"' in html
    assert '<script nonce="NONCE" src="/static/js/site.js">' in html
