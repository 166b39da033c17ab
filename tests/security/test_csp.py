"""Content Security Policy against script injection: nonces and the report endpoint.

A nonce is only worth something if an attacker cannot predict or replay it: one per
response, never reused, never sent when no page asked for one, and always the same in the
header as in the page. The report endpoint faces anyone on the Internet, before CSRF and rate
limiting, so it must refuse what is not a small report and never fail.
"""

from __future__ import annotations

import base64
import doctest
import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion import Bastion, PlainTextResponse, Request, Response, path, render
from bastion.settings import CSPConfig, RateLimitConfig, Settings, TemplateConfig
from bastion.testing import Client

KEY = "q8Zr2LmV7xKp4TnW9cYb3HdJ6fGs1RaE5uQo0iMl8NvBwXyCtPkSj"
DOCS = Path(__file__).resolve().parents[2] / "docs"
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")
PAGE = """<!doctype html><title>t</title>
<script nonce="{{ csp_nonce() }}" src="/static/app.js"></script>
<style nonce="{{ csp_nonce() }}">p{color:red}</style>"""


def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


def page(request: Request) -> Response:
    return render(request, "page.html")


def crash(request: Request) -> Response:
    raise RuntimeError("a bug")


def make_app(base_dir: Path, **overrides: Any) -> Bastion:
    (base_dir / "templates").mkdir(exist_ok=True)
    (base_dir / "templates" / "page.html").write_text(PAGE, encoding="utf-8")
    settings = Settings(
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver"],
        BASE_DIR=str(base_dir),
        TEMPLATES=TemplateConfig(dirs=("templates",)),
        **overrides,
    )
    routes = [path("", ok), path("page", page), path("crash", crash)]
    return Bastion(settings, routes=routes)


@pytest.fixture
def app(tmp_path: Path) -> Bastion:
    return make_app(tmp_path)


def header_nonces(response: Any, name: str = "Content-Security-Policy") -> set[str]:
    return set(NONCE.findall(response.headers[name]))


def page_nonces(response: Any) -> set[str]:
    return set(re.findall(r'nonce="([^"]*)"', response.text))


def test_the_nonce_in_the_header_is_the_one_in_the_page(app: Bastion) -> None:
    response = Client(app).get("/page")
    [value] = page_nonces(response)
    assert header_nonces(response) == {value}
    directives = response.headers["Content-Security-Policy"].split("; ")
    assert f"script-src 'self' 'strict-dynamic' 'nonce-{value}'" in directives


def test_a_nonce_is_unique_per_response(app: Bastion) -> None:
    client = Client(app)
    seen = [page_nonces(client.get("/page")).pop() for _ in range(200)]
    assert len(set(seen)) == len(seen)
    assert all(len(base64.urlsafe_b64decode(n + "==")) == 16 for n in seen)  # 128 bits


def test_no_nonce_when_no_page_asked(app: Bastion) -> None:
    client = Client(app)
    client.get("/page")
    response = client.get("/")
    assert "nonce-" not in response.headers["Content-Security-Policy"]


def test_a_nonce_is_never_carried_to_another_response(app: Bastion) -> None:
    client = Client(app)
    first, second = client.get("/page"), client.get("/page")
    assert header_nonces(first).isdisjoint(header_nonces(second))
    assert page_nonces(first).isdisjoint(page_nonces(second))


def test_the_report_only_policy_carries_the_same_nonce(tmp_path: Path) -> None:
    app = make_app(tmp_path, CSP=CSPConfig(report_only_directives={"script-src": ("'self'",)}))
    response = Client(app).get("/page")
    assert header_nonces(response, "Content-Security-Policy-Report-Only") == page_nonces(response)


def style_sources(response: Any) -> list[str]:
    for directive in response.headers["Content-Security-Policy"].split("; "):
        name, *sources = directive.split(" ")
        if name == "style-src":
            return sources
    raise AssertionError("no style-src")


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(("url", "status"), [("/missing", 404), ("/crash", 500)])
def test_error_page_styles_are_allowed_by_the_policy(
    tmp_path: Path, url: str, status: int, debug: bool
) -> None:
    app = make_app(tmp_path, DEBUG=debug)
    response = Client(app, raise_server_exceptions=False).get(url)
    assert response.status_code == status
    [style] = re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in style_sources(response)
    assert "'unsafe-inline'" not in style_sources(response)


# -- the report endpoint ----------------------------------------------------------------------

REPORT = {
    "csp-report": {
        "document-uri": "https://testserver/account?session=LEAKED",
        "blocked-uri": "inline",
        "violated-directive": "script-src",
    }
}


def test_reports_never_log_cookies_or_queries(
    app: Bastion, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(app)
    client.set_cookie("sessionid", "COOKIE-SECRET")
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/csp-report/",
            body=json.dumps(REPORT).encode(),
            content_type="application/csp-report",
            headers={"Authorization": "Bearer HEADER-SECRET"},
        )
    assert response.status_code == 204
    logged = caplog.text + repr([r.__dict__ for r in caplog.records])
    assert "script-src" in logged
    for secret in ("COOKIE-SECRET", "HEADER-SECRET", "LEAKED", "sessionid"):
        assert secret not in logged


def test_reports_are_answered_before_csrf_and_rate_limiting(tmp_path: Path) -> None:
    # Browsers send reports cross-site, without a CSRF token, and a page can send many: the
    # default stack's CSRF and rate-limit layers (which run after CSP) must not see them.
    limits = RateLimitConfig(storage_url="memory://", default_limits=("2/minute",))
    app = make_app(tmp_path, RATELIMIT=limits)
    client = Client(app)
    cross_site = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    for _ in range(3):
        response = client.post(
            "/csp-report/",
            body=json.dumps(REPORT).encode(),
            content_type="application/csp-report",
            headers=cross_site,
        )
        assert response.status_code == 204
    assert client.post("/", headers=cross_site).status_code == 403  # CSRF is there
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]  # so is the limit
    app.ratelimiter.close()  # the memory storage's expiry timer


@pytest.mark.parametrize("size", [16 * 1024 + 1, 1024 * 1024])
def test_oversized_reports_are_refused(app: Bastion, size: int) -> None:
    body = b'{"csp-report": {"document-uri": "' + b"a" * size + b'"}}'
    response = Client(app).post("/csp-report/", body=body, content_type="application/csp-report")
    assert response.status_code == 413


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/html", "multipart/form-data; boundary=x", "application/xml", ""],
)
def test_other_types_are_refused(app: Bastion, content_type: str) -> None:
    response = Client(app).post(
        "/csp-report/", body=json.dumps(REPORT).encode(), content_type=content_type or None
    )
    assert response.status_code == 415


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["csp-report", "type", "body", "document-uri", "blocked-uri", "documentURL", "x"]
            )
            | st.text(max_size=5),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)
REPORT_TYPES = st.sampled_from(
    ["application/csp-report", "application/reports+json", "application/json", "text/plain"]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(st.binary(max_size=300), JSON.map(lambda v: json.dumps(v).encode())),
    content_type=REPORT_TYPES,
)
def test_garbage_never_fails_the_endpoint(app: Bastion, body: bytes, content_type: str) -> None:
    response = Client(app).post("/csp-report/", body=body, content_type=content_type)
    assert response.status_code in {204, 400, 413, 415}


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(report=st.dictionaries(st.sampled_from(list(REPORT["csp-report"])), JSON, max_size=3))
def test_any_field_values_are_logged_safely(app: Bastion, report: dict[str, Any]) -> None:
    body = json.dumps({"csp-report": report}).encode()
    response = Client(app).post("/csp-report/", body=body, content_type="application/csp-report")
    assert response.status_code == 204


def test_doc_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the page writes its templates into the current folder
    result = doctest.testfile(
        str(DOCS / "csp.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 0
    assert result.failed == 0
