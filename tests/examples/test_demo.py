"""The demo project (``make demo``) answers as its pages promise, through the test client."""

from __future__ import annotations

import importlib
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bastion.cli import cli
from bastion.cli.discovery import ProjectContext
from bastion.db.migrations import migrate
from bastion.testing import Client

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo's ``application``, imported as ``make demo`` does (from the repo root).

    ``DATABASE_URL`` points at a scratch SQLite file, so the tests never write the demo's own
    ``demo.sqlite3``.
    """
    logger = logging.getLogger("bastion")
    handlers, level = list(logger.handlers), logger.level
    added = str(REPO) not in sys.path
    if added:
        sys.path.insert(0, str(REPO))
    database = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("DATABASE_URL", f"sqlite:///{database}")
            application = importlib.import_module("examples.demo.wsgi").application
        migrate(application.databases, application.apps)
        yield application
    finally:
        application.databases.close()
        if added:
            sys.path.remove(str(REPO))
        logger.handlers[:] = handlers
        logger.setLevel(level)


@pytest.fixture
def client(demo: Any) -> Iterator[Client]:
    """A client of the demo, with the demo's database active and its notes emptied."""
    from examples.demo.notes.models import Note

    with demo.databases.activate():
        Note.objects.all().delete()
        try:
            yield Client(demo, base_url="http://localhost")
        finally:
            demo.databases.release()


def test_demo_runs_in_debug_from_its_settings_module(demo: Any) -> None:
    assert demo.settings.DEBUG is True
    assert Path(demo.settings.BASE_DIR) == REPO / "examples" / "demo"
    assert [app.label for app in demo.apps] == ["api", "notes"]


def test_home_page_links_every_feature(client: Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.template_name == "home.html"
    for href in (
        'href="/greet/"',
        'href="/notes/"',
        'href="/about/"',
        'href="/api/status"',
        'href="/api/items/1"',
    ):
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
    for url in ("/", "/greet/", "/notes/", "/notes/new/", "/about/", "/no-such-page/"):
        assert "<script" not in client.get(url).text


def test_app_command_and_routes(demo: Any) -> None:
    runner = CliRunner()
    stats = runner.invoke(cli, ["demo-stats"], obj=ProjectContext(app=demo))
    assert stats.exit_code == 0, stats.output
    assert stats.output == "9 routes, 2 app(s): api, notes\n"
    routes = runner.invoke(cli, ["routes"], obj=ProjectContext(app=demo))
    assert re.search(r"/api/items/<int:pk> +api:item ", routes.output)
    assert re.search(r"/notes/<int:pk>/edit/ +note_edit ", routes.output)
    check = runner.invoke(cli, ["check"], obj=ProjectContext(app=demo))
    assert check.exit_code == 0


def test_make_demo_command_finds_the_app(tmp_path: Path) -> None:
    """The Makefile's invocation, run from the repository root, resolves the demo."""
    bastion = Path(sys.executable).with_name("bastion")
    result = subprocess.run(
        [str(bastion), "--app", "examples.demo.wsgi:application", "routes"],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "examples.demo.views.greet" in result.stdout


# -- notes: a model in SQLite, listed, created and edited through a validated form ----------


def add_notes(count: int) -> None:
    from examples.demo.notes.models import Note

    for number in range(1, count + 1):
        Note.objects.create(title=f"Note {number}", body="")


def test_notes_list_starts_empty(client: Client) -> None:
    page = client.get("/notes/")
    assert page.status_code == 200
    assert page.template_name == "notes.html"
    assert "No notes yet." in page.text
    assert 'href="/notes/new/"' in page.text


def test_create_note_with_csrf_token(demo: Any, client: Client) -> None:
    """A client that sends no Fetch Metadata needs the form's token, as an old browser does."""
    from examples.demo.notes.models import Note

    old_browser = Client(demo, base_url="http://localhost", fetch_metadata=False)
    form = old_browser.get("/notes/new/")
    assert form.status_code == 200
    match = re.search(r'<input type="hidden" name="([^"]+)" value="([^"]+)">', form.text)
    assert match is not None
    data = {"title": "  <b>First</b> ", "body": "Hello"}
    assert old_browser.post("/notes/new/", data=data).status_code == 403
    saved = old_browser.post("/notes/new/", data={**data, match[1]: match[2]})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/notes/"
    assert "&lt;b&gt;First&lt;/b&gt;" in old_browser.get("/notes/").text
    assert Note.objects.get().title == "<b>First</b>"


def test_create_note_validation_errors_per_field(client: Client) -> None:
    from examples.demo.notes.models import Note

    empty = client.post("/notes/new/", data={"title": "   ", "body": "kept"})
    assert empty.status_code == 400
    assert empty.context is not None
    assert set(empty.context["errors"]) == {"title"}
    assert '<p class="error" id="title-error">' in empty.text
    assert ">kept</textarea>" in empty.text  # what was typed is shown again
    long = client.post("/notes/new/", data={"title": "x" * 201})
    assert long.status_code == 400
    assert "200" in long.context["errors"]["title"][0]
    assert not Note.objects.exists()


def test_edit_note(client: Client) -> None:
    from examples.demo.notes.models import Note

    note = Note.objects.create(title="Draft", body="v1")
    form = client.get(f"/notes/{note.pk}/edit/")
    assert form.status_code == 200
    assert 'value="Draft"' in form.text
    assert f'action="/notes/{note.pk}/edit/"' in form.text
    assert client.post(f"/notes/{note.pk}/edit/", data={"title": ""}).status_code == 400
    assert Note.objects.get(pk=note.pk).title == "Draft"
    saved = client.post(f"/notes/{note.pk}/edit/", data={"title": "Final", "body": "v2"})
    assert saved.status_code == 303
    note.refresh_from_db()
    assert (note.title, note.body) == ("Final", "v2")
    assert Note.objects.count() == 1
    assert client.get("/notes/999999/edit/").status_code == 404


def test_notes_are_paginated_newest_first(client: Client) -> None:
    add_notes(12)
    first = client.get("/notes/")
    assert first.context is not None
    assert [n.title for n in first.context["notes"]] == [f"Note {i}" for i in range(12, 2, -1)]
    assert 'href="/notes/?page=2"' in first.text
    second = client.get("/notes/?page=2")
    assert second.context is not None
    assert [n.title for n in second.context["notes"]] == ["Note 2", "Note 1"]
    assert second.context["has_next"] is False
    for bad in ("0", "-1", "x", "1001", "\uff11"):
        assert client.get(f"/notes/?page={bad}").status_code == 404
