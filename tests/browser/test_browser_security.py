"""Controls only a real browser can prove: it enforces the CSP and sends Fetch Metadata.

Unit tests check the headers Bastion sends and the headers it refuses; here Chromium itself
decides which scripts run and which headers a cross-site form carries.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, path, render
from bastion.settings import Settings, TemplateConfig

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html><head>
<script nonce="{{ csp_nonce() }}">
  window.violations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.violations.push(event.effectiveDirective);
  });
  document.title = "nonce ran";
</script>
</head><body>
<p>{{ comment|safe }}</p>
<button id="handler" onclick="document.body.dataset.clicked = 'yes'">Click</button>
</body></html>
"""

INJECTED = '<script>document.body.dataset.injected = "yes";</script>'

FORM = """<!doctype html>
<form method="post" action="/transfer/">{{ csrf_input() }}
<input name="name"><button id="send">Send</button></form>
"""


def make_app(tmp_path: Path, seen: list[dict[str, str]]) -> Any:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/page.html").write_text(PAGE)
    (tmp_path / "templates/transfer.html").write_text(FORM)

    def page(request: Any) -> Any:
        return render(request, "page.html", {"comment": INJECTED})

    def transfer(request: Any) -> Any:
        if request.method == "POST":
            return PlainTextResponse(f"posted {request.form.get('name', '')}")
        return render(request, "transfer.html")

    settings = Settings(
        DEBUG=True,
        SECRET_KEY=secrets.token_urlsafe(48),
        BASE_DIR=str(tmp_path),
        TEMPLATES=TemplateConfig(dirs=("templates",)),
    )
    app = Bastion(settings, routes=[path("", page), path("transfer/", transfer)])

    def recording(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "POST":
            seen.append(
                {
                    "path": environ["PATH_INFO"],
                    "site": environ.get("HTTP_SEC_FETCH_SITE", ""),
                    "origin": environ.get("HTTP_ORIGIN", ""),
                }
            )
        return app(environ, start_response)

    return recording


def test_csp_nonce_runs_only_the_nonced_script(tmp_path: Path, serve: Any, page: Any) -> None:
    server = serve(make_app(tmp_path, []))
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    response = page.goto(server.url("/"))
    assert response.status == 200
    assert "'nonce-" in response.headers["content-security-policy"]

    assert page.title() == "nonce ran"
    assert page.evaluate("document.body.dataset.injected") is None
    page.click("#handler")
    assert page.evaluate("document.body.dataset.clicked") is None

    page.wait_for_function("window.violations.length >= 2")
    directives = page.evaluate("window.violations")
    assert "script-src-elem" in directives  # the injected <script>
    assert "script-src-attr" in directives  # the onclick handler
    assert any("Content Security Policy" in text for text in console), console


def test_csrf_fetch_metadata_refuses_a_cross_site_form(
    tmp_path: Path, serve: Any, page: Any
) -> None:
    seen: list[dict[str, str]] = []
    server = serve(make_app(tmp_path, seen))

    page.goto(server.url("/transfer/"))
    page.fill("input[name=name]", "alice")
    with page.expect_navigation():
        page.click("#send")
    assert page.text_content("body") == "posted alice"
    assert seen[-1]["site"] == "same-origin"

    target = server.url("/transfer/")

    def attacker(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [
            f'<form method="post" action="{target}"><input name="name" value="mallory">'
            "</form><script>document.forms[0].submit()</script>".encode()
        ]

    evil = serve(attacker)
    # "localhost" is another site than "127.0.0.1" (a different port alone is same-site).
    with page.expect_response(lambda r: r.url == target and r.request.method == "POST") as info:
        page.goto(evil.url("/", host="localhost"))
    assert info.value.status == 403
    page.wait_for_load_state()
    body = page.text_content("body") or ""
    assert "posted" not in body
    assert "403" in body or "Forbidden" in body, body
    assert seen[-1]["site"] == "cross-site"
    assert seen[-1]["origin"] == f"http://localhost:{evil.port}"
