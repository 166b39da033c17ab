"""The demo project (``make demo``) answers as its pages promise, through the test client."""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bastion.cli import cli
from bastion.cli.discovery import ProjectContext
from bastion.testing import Client

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo() -> Iterator[Any]:
    """The demo's ``application``, imported as ``make demo`` does (from the repo root)."""
    logger = logging.getLogger("bastion")
    handlers, level = list(logger.handlers), logger.level
    added = str(REPO) not in sys.path
    if added:
        sys.path.insert(0, str(REPO))
    try:
        yield importlib.import_module("examples.demo.wsgi").application
    finally:
        if added:
            sys.path.remove(str(REPO))
        logger.handlers[:] = handlers
        logger.setLevel(level)


@pytest.fixture
def client(demo: Any) -> Client:
    return Client(demo, base_url="http://localhost")


def test_demo_runs_in_debug_from_its_settings_module(demo: Any) -> None:
    assert demo.settings.DEBUG is True
    assert Path(demo.settings.BASE_DIR) == REPO / "examples" / "demo"
    assert [app.label for app in demo.apps] == ["api"]


def test_home_page_links_every_feature(client: Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.template_name == "home.html"
    for href in ('href="/greet/"', 'href="/about/"', 'href="/api/status"', 'href="/api/items/1"'):
        assert href in page.text
    assert 'href="/static/demo.css"' in page.text


def test_form_round_trip_escapes_input(client: Client) -> None:
    form = client.get("/greet/")
    assert form.status_code == 200
    assert '<form method="post" action="/greet/">' in form.text
    assert "Hello," not in form.text
    sent = client.post("/greet/", data={"name": "  <script>alert(1)</script>  "})
    assert sent.status_code == 200
    assert "Hello, &lt;script&gt;alert(1)&lt;/script&gt;!" in sent.text
    assert "<script>alert(1)" not in sent.text
    assert sent.context is not None
    assert sent.context["name"] == "<script>alert(1)</script>"


def test_form_truncates_long_names(client: Client) -> None:
    sent = client.post("/greet/", data={"name": "x" * 500})
    assert sent.context is not None
    assert sent.context["name"] == "x" * 100


def test_form_refuses_other_methods(client: Client) -> None:
    assert client.put("/greet/").status_code == 405


def test_class_based_view(client: Client) -> None:
    page = client.get("/about/")
    assert page.status_code == 200
    assert "Autoescaping that cannot be switched off" in page.text
    refused = client.post("/about/")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, OPTIONS"


def test_redirect(client: Client) -> None:
    moved = client.get("/info/")
    assert moved.status_code == 308
    assert moved.headers["location"] == "/about/"


def test_json_endpoints(client: Client) -> None:
    status = client.get("/api/status")
    assert status.status_code == 200
    assert status.headers["content-type"] == "application/json"
    assert status.json() == {"status": "ok", "debug": True}
    assert client.get("/api/items/2").json() == {"id": 2, "name": "desk"}


def test_json_not_found_keeps_builtin_error(client: Client) -> None:
    missing = client.get("/api/items/9", headers={"Accept": "application/json"})
    assert missing.status_code == 404
    assert missing.json()["error"]["detail"] == "No item 9."


def test_custom_404_page(client: Client) -> None:
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert missing.template_name == "404.html"
    assert "Page not found" in missing.text
    assert 'href="/static/demo.css"' in missing.text  # the site's own layout


def test_custom_404_escapes_the_path(client: Client) -> None:
    missing = client.get("/<img src=x onerror=alert(1)>")
    assert missing.status_code == 404
    assert "<img" not in missing.text


def test_static_css(client: Client) -> None:
    css = client.get("/static/demo.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert b"font:" in css.body


def test_pages_have_no_inline_script(client: Client) -> None:
    for url in ("/", "/greet/", "/about/", "/no-such-page/"):
        assert "<script" not in client.get(url).text


def test_app_command_and_routes(demo: Any) -> None:
    runner = CliRunner()
    stats = runner.invoke(cli, ["demo-stats"], obj=ProjectContext(app=demo))
    assert stats.exit_code == 0, stats.output
    assert stats.output == "6 routes, 1 app(s): api\n"
    routes = runner.invoke(cli, ["routes"], obj=ProjectContext(app=demo))
    assert "/api/items/<int:pk>  api:item" in routes.output
    check = runner.invoke(cli, ["check"], obj=ProjectContext(app=demo))
    assert check.exit_code == 0


def test_make_demo_command_finds_the_app() -> None:
    """The Makefile's invocation, run from the repository root, resolves the demo."""
    bastion = Path(sys.executable).with_name("bastion")
    result = subprocess.run(
        [str(bastion), "--app", "examples.demo.wsgi:application", "routes"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "examples.demo.views.greet" in result.stdout
