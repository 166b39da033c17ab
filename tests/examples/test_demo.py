"""The demo project (``make demo``) answers as its pages promise, through the test client."""

from __future__ import annotations

import importlib
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from login_support import PASSWORD, cheap_hashers, csrf_token, post_login

from bastion.auth.permissions import sync_permissions
from bastion.cli import cli
from bastion.cli.discovery import ProjectContext
from bastion.db.migrations import migrate
from bastion.testing import Client

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the demo stores note attachments during these tests (``DEMO_MEDIA_ROOT``)."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, media: Path) -> Iterator[Any]:
    """The demo's ``application``, imported as ``make demo`` does (from the repo root).

    ``DATABASE_URL`` points at a scratch SQLite file and ``DEMO_MEDIA_ROOT`` at a temporary
    directory, so the tests never write the demo's own ``demo.sqlite3`` or ``media/``. The
    media root is read when the storage is first used, so it stays set while the tests run.
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
            env.setenv("DEMO_MEDIA_ROOT", str(media))
            env.setenv("EMAIL_URL", "memory://")  # reset mail kept in app.mailer.outbox
            application = importlib.import_module("examples.demo.wsgi").application
            migrate(application.databases, application.apps)
            with application.databases.activate():
                sync_permissions()  # as `bastion migrate` does: grants need the rows
                application.databases.release()
            try:
                yield application
            finally:
                application.databases.close()
    finally:
        if added:
            sys.path.remove(str(REPO))
        logger.handlers[:] = handlers
        logger.setLevel(level)


@pytest.fixture(autouse=True)
def cheap_hashing() -> Iterator[None]:
    """Cheap Argon2id parameters: the real code path, without seconds of hashing per login."""
    with cheap_hashers():
        yield


@pytest.fixture
def client(demo: Any, media: Path) -> Iterator[Client]:
    """A client of the demo, with the demo's database active, its notes and files emptied."""
    from examples.demo.notes.models import Note

    shutil.rmtree(media)
    media.mkdir()
    with demo.databases.activate():
        Note.objects.all().delete()
        try:
            yield Client(demo, base_url="http://localhost")
        finally:
            demo.databases.release()


def new_email() -> str:
    """An address no other test uses: the module shares one database and one lockout cache."""
    return f"user-{secrets.token_hex(4)}@example.com"


def log_in(client: Client, email: str) -> None:
    """A user with ``email`` (created if needed) logged in on ``client``, through the form."""
    from bastion.auth.models import User

    if not User.objects.filter(email=email).exists():
        User.objects.create_user(email, PASSWORD)
    answer = post_login(client, email, PASSWORD)
    assert answer.status_code == 303, answer.text


@pytest.fixture
def author(client: Client) -> Any:
    """A user logged in on ``client``: the notes pages need one."""
    from bastion.auth.models import User

    email = new_email()
    log_in(client, email)
    return User.objects.get(email=email)


def own_note(owner: Any, **fields: Any) -> Any:
    """A note of ``owner``'s with the grants ``NoteCreate`` gives (view, change, delete)."""
    from bastion.auth import grant
    from examples.demo.notes.models import Note

    note = Note.objects.create(owner=owner, **fields)
    for action in ("view", "change", "delete"):
        grant(f"notes.{action}_note", owner, note)
    return note


def test_demo_runs_in_debug_from_its_settings_module(demo: Any) -> None:
    assert demo.settings.DEBUG is True
    assert Path(demo.settings.BASE_DIR) == REPO / "examples" / "demo"
    assert [app.label for app in demo.apps] == ["auth", "api", "notes"]
    assert demo.settings.SITE_URL == "http://localhost:8000"  # `make demo`'s address


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


def test_pages_have_no_inline_script(client: Client, author: Any) -> None:
    for url in ("/", "/greet/", "/notes/", "/notes/new/", "/about/", "/no-such-page/"):
        assert "<script" not in client.get(url).text


def test_app_command_and_routes(demo: Any) -> None:
    runner = CliRunner()
    stats = runner.invoke(cli, ["demo-stats"], obj=ProjectContext(app=demo))
    assert stats.exit_code == 0, stats.output
    assert stats.output == "32 routes, 3 app(s): auth, api, notes\n"
    routes = runner.invoke(cli, ["routes"], obj=ProjectContext(app=demo))
    assert re.search(r"/api/items/<int:pk> +api:item ", routes.output)
    assert re.search(r"/notes/<int:pk>/edit/ +note_edit ", routes.output)
    assert re.search(r"/notes/<int:pk>/attachment/ +note_attachment ", routes.output)
    assert re.search(r"/notes/<int:pk>/share/ +note_share ", routes.output)
    assert re.search(r"/accounts/login/ +auth:login ", routes.output)
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


# -- notes: generic views over a model in SQLite, a validated form, a file attachment -------

# A complete 1x1 PNG (signature, IHDR, IDAT, IEND).
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81"
    b"\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def add_notes(count: int, owner: Any) -> None:
    for number in range(1, count + 1):
        own_note(owner, title=f"Note {number}", body="")


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def test_notes_list_starts_empty(client: Client, author: Any) -> None:
    page = client.get("/notes/")
    assert page.status_code == 200
    assert page.template_name == ["notes.html"]  # a generic view passes its candidates
    assert "No notes yet." in page.text
    assert 'href="/notes/new/"' in page.text


def test_note_form_is_multipart(client: Client, author: Any) -> None:
    form = client.get("/notes/new/")
    assert form.status_code == 200
    assert 'action="/notes/new/" enctype="multipart/form-data">' in form.text
    assert '<input type="file" name="attachment"' in form.text
    assert 'accept="application/pdf,image/jpeg,image/png,text/plain"' in form.text


def test_create_note_with_csrf_token(demo: Any, client: Client, author: Any) -> None:
    """A client that sends no Fetch Metadata needs the form's token, as an old browser does."""
    from examples.demo.notes.models import Note

    old_browser = Client(demo, base_url="http://localhost", fetch_metadata=False)
    log_in(old_browser, author.email)
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
    note = Note.objects.get()
    assert note.title == "<b>First</b>"
    assert (note.attachment, note.attachment_name) == (None, "")
    assert note.owner_id == author.pk  # from the session, not from the form


def test_create_note_validation_errors_per_field(client: Client, author: Any) -> None:
    from examples.demo.notes.models import Note

    empty = client.post("/notes/new/", data={"title": "   ", "body": "kept"})
    assert empty.status_code == 400
    assert empty.context is not None
    assert set(empty.context["form"].errors) == {"title"}
    assert 'aria-invalid="true"' in empty.text
    assert ">\nkept</textarea>" in empty.text  # what was typed is shown again
    long = client.post("/notes/new/", data={"title": "x" * 201, "body": "b"})
    assert long.status_code == 400
    assert long.template_name == ["note_form.html"]
    assert "Ensure this value has at most 200 characters (it has 201)." in long.text
    assert f'value="{"x" * 201}"' in long.text
    assert not Note.objects.exists()


def test_edit_note(client: Client, author: Any) -> None:
    from examples.demo.notes.models import Note

    note = own_note(author, title="Draft", body="v1")
    form = client.get(f"/notes/{note.pk}/edit/")
    assert form.status_code == 200
    assert 'value="Draft"' in form.text
    assert f'action="/notes/{note.pk}/edit/"' in form.text
    assert client.post(f"/notes/{note.pk}/edit/", data={"title": ""}).status_code == 400
    assert Note.objects.get(pk=note.pk).title == "Draft"
    saved = client.post(f"/notes/{note.pk}/edit/", data={"title": "Final", "body": "v2"})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/notes/"
    note.refresh_from_db()
    assert (note.title, note.body) == ("Final", "v2")
    assert Note.objects.count() == 1
    assert client.get("/notes/999999/edit/").status_code == 404
    assert client.post("/notes/999999/edit/", data={"title": "x"}).status_code == 404


def test_notes_are_paginated_newest_first(client: Client, author: Any) -> None:
    add_notes(12, author)
    first = client.get("/notes/")
    assert first.context is not None
    assert [n.title for n in first.context["notes"]] == [f"Note {i}" for i in range(12, 2, -1)]
    assert 'href="/notes/?page=2"' in first.text
    second = client.get("/notes/?page=2")
    assert second.context is not None
    assert [n.title for n in second.context["notes"]] == ["Note 2", "Note 1"]
    assert second.context["page"].has_next is False
    assert 'href="/notes/?page=1"' in second.text
    for bad in ("0", "-1", "x", "3", "1001", "\uff11"):
        assert client.get(f"/notes/?page={bad}").status_code == 404


def test_attachment_round_trip(client: Client, author: Any, media: Path) -> None:
    """A PNG is stored under a random name, listed, and downloaded as a sandboxed attachment."""
    from examples.demo.notes.models import Note

    sent = client.post(
        "/notes/new/",
        data={"title": "Picture", "body": ""},
        files={"attachment": ("Café photo.png", PNG, "image/png")},
    )
    assert sent.status_code == 303
    note = Note.objects.get()
    assert note.attachment_name == "Café photo.png"
    assert re.fullmatch(r"notes/[A-Za-z0-9_-]{24}\.png", note.attachment)
    assert stored_files(media) == [media / note.attachment]
    listed = client.get("/notes/")
    assert f'href="/notes/{note.pk}/attachment/"' in listed.text
    assert "Café photo.png" in listed.text
    download = client.get(f"/notes/{note.pk}/attachment/")
    assert download.status_code == 200
    assert download.body == PNG
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Caf%C3%A9%20photo.png" in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"
    policies = download.headers.getlist("content-security-policy")
    assert any(p.startswith("sandbox; default-src 'none'") for p in policies)  # beside the site's
    # Editing without choosing a file keeps the attachment.
    edited = client.post(f"/notes/{note.pk}/edit/", data={"title": "Renamed", "body": ""})
    assert edited.status_code == 303
    note.refresh_from_db()
    assert (note.title, note.attachment_name) == ("Renamed", "Café photo.png")
    assert client.get(f"/notes/{note.pk}/attachment/").body == PNG


def test_attachment_missing_is_404(client: Client, author: Any, media: Path) -> None:

    bare = own_note(author, title="No file")
    assert client.get(f"/notes/{bare.pk}/attachment/").status_code == 404
    assert client.get("/notes/999999/attachment/").status_code == 404
    gone = own_note(author, title="Lost file", attachment=PNG, attachment_name="a.png")
    (media / gone.attachment).unlink()
    assert client.get(f"/notes/{gone.pk}/attachment/").status_code == 404


@pytest.mark.parametrize(
    ("filename", "content", "content_type"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
        ("cat.png", b"<html><script>alert(1)</script></html>", "image/png"),  # a lying name
        ("shell.php.png", PNG, "image/png"),
    ],
)
def test_dangerous_attachment_is_refused(
    client: Client, author: Any, media: Path, filename: str, content: bytes, content_type: str
) -> None:
    from examples.demo.notes.models import Note

    sent = client.post(
        "/notes/new/",
        data={"title": "Evil", "body": ""},
        files={"attachment": (filename, content, content_type)},
    )
    assert sent.status_code == 400
    assert sent.context is not None
    assert set(sent.context["form"].errors) == {"attachment"}
    assert 'id="id_attachment_errors"' in sent.text
    assert 'value="Evil"' in sent.text  # the other values are kept
    assert not Note.objects.exists()
    assert stored_files(media) == []


# -- accounts: sign-up, login, lockout, reset by mail, MFA, notes shared by object permission --


def sign_up(client: Client, email: str) -> Any:
    """The sign-up form, as a browser fills it (the page's CSRF token first)."""
    token = csrf_token(client, "/accounts/signup/")
    return client.post(
        "/accounts/signup/", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )


def share(client: Client, pk: int, email: str, *, can_edit: bool = False) -> Any:
    data = {"email": email, "csrf_token": csrf_token(client, f"/notes/{pk}/share/")}
    if can_edit:
        data["can_edit"] = "on"
    return client.post(f"/notes/{pk}/share/", data=data)


def test_notes_pages_send_anonymous_visitors_to_login(client: Client) -> None:
    for url in ("/notes/", "/notes/new/", "/notes/1/edit/", "/notes/1/share/"):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer.headers["location"] == f"/accounts/login/?next={url}"
    assert client.get("/notes/1/attachment/").status_code == 302
    assert client.post("/notes/new/", data={"title": "x"}).status_code == 302
    home = client.get("/")
    assert 'href="/accounts/login/"' in home.text
    assert 'href="/accounts/signup/"' in home.text


def test_sign_up_log_in_write_and_share_a_note(demo: Any, client: Client) -> None:
    """Two users: a note is private to its author until shared, and then only as granted."""
    from examples.demo.notes.models import Note

    ann, bob = new_email(), new_email()
    bob_client = Client(demo, base_url="http://localhost")
    for browser, email in ((client, ann), (bob_client, bob)):
        signed = sign_up(browser, email)
        assert signed.status_code == 303
        assert signed.headers["location"] == "/accounts/signup/done/"
        answer = post_login(browser, email, PASSWORD, next_url="/notes/")
        assert (answer.status_code, answer.headers["location"]) == (303, "/notes/")

    listed = client.get("/notes/")
    assert listed.status_code == 200
    assert ann in listed.text  # the account bar shows who is logged in
    assert '<form method="post" action="/accounts/logout/" class="logout">' in listed.text
    assert 'href="/accounts/mfa/setup/"' in listed.text
    assert 'href="/accounts/password_change/"' in listed.text
    assert client.post("/notes/new/", data={"title": "Ann's plan"}).status_code == 303
    note = Note.objects.get()
    assert note.owner.email == ann
    assert "Ann&#39;s plan" in client.get("/notes/").text

    # Bob sees nothing of it: not in his list, and its pages answer 404 as a missing note's.
    assert "Ann&#39;s plan" not in bob_client.get("/notes/").text
    for url in (f"/notes/{note.pk}/edit/", f"/notes/{note.pk}/share/"):
        assert bob_client.get(url).status_code == 404, url
    assert bob_client.get(f"/notes/{note.pk}/attachment/").status_code == 404
    stolen = bob_client.post(f"/notes/{note.pk}/edit/", data={"title": "Bob's now"})
    assert stolen.status_code == 404
    assert share(bob_client, note.pk, bob).status_code == 404  # nor can he share it to himself
    assert Note.objects.get().title == "Ann's plan"

    # Sharing: an unknown address is a field error (see NoteShare for why that is acceptable).
    unknown = share(client, note.pk, new_email())
    assert unknown.status_code == 400
    assert "No user has this address." in unknown.text
    assert share(client, note.pk, ann).status_code == 400  # already hers
    shared = share(client, note.pk, bob.replace("example.com", "EXAMPLE.com"))  # normalised
    assert shared.status_code == 303
    bobs_list = bob_client.get("/notes/")
    assert "Ann&#39;s plan" in bobs_list.text
    assert "shared with you" in bobs_list.text
    assert bob_client.get(f"/notes/{note.pk}/edit/").status_code == 404  # view is not change
    assert bob_client.get(f"/notes/{note.pk}/share/").status_code == 404  # owner only

    assert share(client, note.pk, bob, can_edit=True).status_code == 303
    edited = bob_client.post(f"/notes/{note.pk}/edit/", data={"title": "Joint plan"})
    assert edited.status_code == 303
    assert Note.objects.get().title == "Joint plan"
    assert bob_client.get(f"/notes/{note.pk}/share/").status_code == 404  # still owner only


def test_logout_is_a_post_form(client: Client, author: Any) -> None:
    assert client.get("/notes/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # an <img> cannot log you out
    token = csrf_token(client, "/notes/")
    out = client.post("/accounts/logout/", data={"csrf_token": token})
    assert out.status_code in (302, 303)
    assert client.get("/notes/").status_code == 302


def test_repeated_wrong_passwords_lock_the_account(client: Client) -> None:
    """After 5 failures (docs/login.md) even the right password gets the same refusal."""
    from bastion.auth.models import User

    email = new_email()
    User.objects.create_user(email, PASSWORD)
    for _ in range(5):
        wrong = post_login(client, email, "not the password at all")
        assert wrong.status_code == 400
    locked = post_login(client, email, PASSWORD)
    assert locked.status_code == 400
    assert "Please enter a correct email address and password." in locked.text
    assert client.get("/notes/").status_code == 302


def test_password_reset_mail_links_to_site_url(demo: Any, client: Client) -> None:
    from bastion.auth.models import User

    email = new_email()
    User.objects.create_user(email, PASSWORD)
    token = csrf_token(client, "/accounts/password_reset/")
    asked = client.post("/accounts/password_reset/", data={"email": email, "csrf_token": token})
    assert asked.status_code == 303
    mails = [m for m in demo.mailer.outbox if email in map(str, m.to)]
    assert len(mails) == 1
    link = re.search(r"http://localhost:8000/accounts/reset/[^/\s]+/[^/\s]+/", mails[0].body)
    assert link is not None, mails[0].body
    opened = client.get(link[0].removeprefix("http://localhost:8000"))
    assert opened.status_code in (200, 302)


def test_login_with_mfa_needs_the_code(demo: Any, client: Client) -> None:
    import pyotp

    from bastion.auth.mfa import totp
    from bastion.auth.models import User

    email = new_email()
    user = User.objects.create_user(email, PASSWORD)
    device = totp.create_device(user, demo.settings)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    secret = totp.device_secret(device, demo.settings)
    assert secret is not None
    step = post_login(client, email, PASSWORD, next_url="/notes/")
    assert step.status_code == 303
    assert step.headers["location"].startswith("/accounts/mfa/verify/")
    assert client.get("/notes/").status_code == 302  # half logged in is not logged in
    verify = "/accounts/mfa/verify/"
    wrong = client.post(verify, data={"code": "000000", "csrf_token": csrf_token(client, verify)})
    assert wrong.status_code == 400
    code = pyotp.TOTP(secret).now()
    done = client.post(verify, data={"code": code, "csrf_token": csrf_token(client, verify)})
    assert done.status_code == 303
    assert client.get("/notes/").status_code == 200
