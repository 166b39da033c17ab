"""The account pages share one skeleton, ``auth/base.html``, that a project can replace."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import nodes
from login_support import make_password_app, settings_for
from markupsafe import Markup

from bastion import Bastion
from bastion.auth.apps import auth_app
from bastion.settings import TemplateConfig
from bastion.testing import Client

TEMPLATES = Path(auth_app.templates_dir or "") / "auth"
NOT_PAGES = {
    "base.html": "the skeleton itself",
    "passkeys_script.html": "a fragment included by the passkey pages",
    "password_reset_email.html": "a mail body, not a page",
}
PAGES = sorted(p.name for p in TEMPLATES.glob("*.html") if p.name not in NOT_PAGES)
SCRIPT_PAGES = {"passkeys.html", "passkeys_verify.html"}

PROJECT_BASE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
{% block meta %}{% endblock %}
<title>{% block title %}{% endblock %} · Project</title>
{% block head %}<link rel="stylesheet" href="/static/project.css">{% endblock %}
</head>
<body class="project-skin">
<main>{% block content %}{% endblock %}</main>
{% block scripts %}{% endblock %}
</body>
</html>
"""


class Tags(HTMLParser):
    """The start tags of a page, in order, with their attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


class StubForm:
    def render(self, request: object) -> Markup:
        return Markup('<input type="email" name="email">')


def page_context(**overrides: Any) -> dict[str, Any]:
    """Every variable any account page reads, and a request that carries a token and a nonce."""
    passkey = SimpleNamespace(
        name="Laptop", pk=3, created=datetime.datetime(2027, 1, 1), last_used=None
    )
    request = SimpleNamespace(
        csrf_token_factory=lambda: "TOKEN", csp_nonce_factory=lambda: "NONCE", root_path=""
    )
    context: dict[str, Any] = {
        "request": request,
        "form": StubForm(),
        "next": "/",
        "qr": Markup("<svg></svg>"),
        "secret": "ABCD",
        "codes": [],
        "remaining": 10,
        "passkeys": [passkey],
        "passkey": passkey,
        "passkeys_url": "/accounts/passkeys/",
        "passkey_url": "/accounts/passkeys/verify/",
        "setup_url": "/accounts/mfa/setup/",
        "login_url": "/accounts/login/",
    }
    context.update(overrides)
    return context


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bastion]:
    """An application with the auth app and no project templates (nothing is migrated)."""
    application = Bastion(
        settings_for(tmp_path_factory.mktemp("templates") / "db.sqlite3"), apps=[auth_app]
    )
    try:
        yield application
    finally:
        application.close()


@pytest.fixture
def project_templates(tmp_path: Path) -> Path:
    """A project's templates folder that replaces ``auth/base.html``."""
    folder = tmp_path / "templates"
    (folder / "auth").mkdir(parents=True)
    (folder / "auth" / "base.html").write_text(PROJECT_BASE)
    return folder


@pytest.fixture
def restyled(tmp_path: Path, project_templates: Path) -> Iterator[Bastion]:
    application = make_password_app(
        tmp_path / "db.sqlite3", TEMPLATES=TemplateConfig(dirs=(str(project_templates),))
    )
    try:
        yield application
    finally:
        application.close()


def test_every_page_is_listed() -> None:
    assert len(PAGES) >= 15
    assert set(NOT_PAGES) <= {p.name for p in TEMPLATES.glob("*.html")}


@pytest.mark.parametrize("name", PAGES)
def test_template_extends_the_account_base(app: Bastion, name: str) -> None:
    environment = app.templates.environment
    source = (TEMPLATES / name).read_text()
    tree = environment.parse(source)
    extends = list(tree.find_all(nodes.Extends))
    assert len(extends) == 1
    assert tree.body[0] is extends[0], "{% extends %} must come first"
    assert isinstance(extends[0].template, nodes.Const)
    assert extends[0].template.value == "auth/base.html"
    assert "<html" not in source
    assert "<head" not in source
    assert "<main" not in source


def test_base_has_the_documented_blocks_and_an_empty_head(app: Bastion) -> None:
    tree = app.templates.environment.parse((TEMPLATES / "base.html").read_text())
    blocks = {block.name: block for block in tree.find_all(nodes.Block)}
    assert set(blocks) == {"meta", "title", "head", "content", "scripts"}
    assert blocks["head"].body == []


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_template_has_no_inline_style_or_handler(name: str) -> None:
    tags = Tags((TEMPLATES / name).read_text())
    assert not tags.named("style")
    for tag, attrs in tags.tags:
        assert "style" not in attrs, tag
        assert not [a for a in attrs if a.startswith("on")], tag


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("variant", [{}, {"enabled": True, "enrolling": True, "codes": ["a"]}])
def test_page_has_one_title_one_main_and_a_language(
    app: Bastion, name: str, variant: dict[str, Any]
) -> None:
    html = app.templates.render(f"auth/{name}", page_context(**variant))
    tags = Tags(html)
    assert html.startswith("<!doctype html>\n")
    assert html.count("<title>") == 1
    assert len(tags.named("main")) == 1
    assert tags.named("html") == [{"lang": "en"}]
    assert tags.tags[0][0] == "html"
    assert len(tags.named("head")) == len(tags.named("body")) == 1
    assert not tags.named("style")
    assert all("style" not in attrs for _, attrs in tags.tags)


@pytest.mark.parametrize("name", PAGES)
def test_page_scripts_follow_main_and_carry_the_nonce(app: Bastion, name: str) -> None:
    html = app.templates.render(f"auth/{name}", page_context())
    scripts = Tags(html).named("script")
    if name not in SCRIPT_PAGES:
        assert scripts == []
        return
    assert scripts == [{"nonce": "NONCE"}]
    assert html.index("</main>") < html.index("<script") < html.index("</body>")
    assert '<meta name="csrf-token" content="TOKEN">' in html


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/accounts/login/", "<h1>Log in</h1>"),
        ("/accounts/signup/", "<h1>Create an account</h1>"),
        ("/accounts/password_reset/", "<h1>Reset your password</h1>"),
    ],
)
def test_project_base_restyles_the_pages(restyled: Bastion, url: str, heading: str) -> None:
    response = Client(restyled).get(url)
    assert response.status_code == 200
    html = response.text
    assert '<body class="project-skin">' in html
    assert '<link rel="stylesheet" href="/static/project.css">' in html
    assert " · Project</title>" in html
    assert heading in html
    assert 'name="csrf_token"' in html
    tags = Tags(html)
    assert len(tags.named("main")) == 1
    assert html.count("<title>") == 1


def test_project_base_keeps_the_reset_pages_referrer_policy(restyled: Bastion) -> None:
    html = Client(restyled).get("/accounts/password_reset/").text
    assert '<meta name="referrer" content="no-referrer">' in html


def test_project_base_keeps_the_passkey_script(restyled: Bastion) -> None:
    html = restyled.templates.render("auth/passkeys.html", page_context())
    assert 'class="project-skin"' in html
    assert Tags(html).named("script") == [{"nonce": "NONCE"}]
    assert html.index("</main>") < html.index("<script") < html.index("</body>")


def test_project_folder_is_searched_before_the_auth_app(restyled: Bastion) -> None:
    template = restyled.templates.get_template("auth/base.html")
    assert template.filename is not None
    assert "project-skin" in Path(template.filename).read_text()
