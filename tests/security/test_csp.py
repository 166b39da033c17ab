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


# -- a view's own policy ----------------------------------------------------------------------
# A policy the view sets itself is sent after the site's, never instead of it: the browser
# enforces both, so a permissive one cannot lift anything the site's forbids.

PERMISSIVE = "default-src *; script-src 'unsafe-inline'"
SPLITTING = [
    "default-src *\r\nSet-Cookie: session=attacker",
    "default-src *\nX-Injected: 1",
    "default-src *\rX-Injected: 1",
    "default-src *\x00X-Injected: 1",
    "\r\n\r\n<script>alert(1)</script>",
]


def permissive(request: Request) -> Response:
    response = PlainTextResponse("legacy")
    response.headers["Content-Security-Policy"] = PERMISSIVE
    return response


def permissive_lowercase_twice(request: Request) -> Response:
    response = PlainTextResponse("legacy", headers={"content-security-policy": PERMISSIVE})
    response.headers.add("CONTENT-SECURITY-POLICY", "script-src *")
    return response


def permissive_page(request: Request) -> Response:
    response = render(request, "page.html")
    response.headers["Content-Security-Policy"] = PERMISSIVE
    return response


def own_app(base_dir: Path, view: Any, **overrides: Any) -> Bastion:
    app = make_app(base_dir, **overrides)
    routes = [path("", ok), path("page", page), path("own", view)]
    return Bastion(app.settings, routes=routes)


def site_policy(app: Bastion) -> str:
    """The site's policy as the layer sends it to a view that sets none."""
    [value] = Client(app).get("/").headers.getlist("Content-Security-Policy")
    return value


@pytest.mark.parametrize("view", [permissive, permissive_lowercase_twice])
def test_a_permissive_view_policy_does_not_replace_the_site_policy(
    tmp_path: Path, view: Any
) -> None:
    app = own_app(tmp_path, view)
    strict = site_policy(app)
    assert "script-src 'self' 'strict-dynamic'" in strict.split("; ")
    assert "frame-ancestors 'none'" in strict.split("; ")
    sent = Client(app).get("/own").headers.getlist("Content-Security-Policy")
    assert sent[0] == strict  # the site's, first and untouched
    assert PERMISSIVE in sent[1:]  # the view's, beside it
    assert len(sent) == (3 if view is permissive_lowercase_twice else 2)


def test_a_permissive_view_policy_keeps_the_nonce_in_the_site_policy(tmp_path: Path) -> None:
    app = own_app(tmp_path, permissive_page)
    response = Client(app).get("/own")
    site, own = response.headers.getlist("Content-Security-Policy")
    [value] = page_nonces(response)
    assert f"script-src 'self' 'strict-dynamic' 'nonce-{value}'" in site.split("; ")
    assert own == PERMISSIVE


def test_a_policy_the_layer_made_is_not_kept_as_the_views(tmp_path: Path) -> None:
    """The same response object sent again keeps neither a second copy nor its old nonce."""
    stored: list[Response] = []

    def replay(request: Request) -> Response:
        if not stored:
            stored.append(render(request, "page.html"))
        return stored[0]

    client = Client(own_app(tmp_path, replay))
    first = client.get("/own").headers.getlist("Content-Security-Policy")
    [old_nonce] = set(NONCE.findall(first[0]))
    second = client.get("/own").headers.getlist("Content-Security-Policy")
    assert len(first) == len(second) == 1
    assert old_nonce not in second[0]


def test_a_nonce_page_with_its_own_policy_is_not_stored_by_the_page_cache(
    tmp_path: Path,
) -> None:
    """The page cache reads one policy for its nonce check: the layer's, which comes first."""
    from bastion.cache import cache_page

    client = Client(own_app(tmp_path, cache_page(60)(permissive_page)))
    first, second = client.get("/own"), client.get("/own")
    assert "Age" not in second.headers  # answered by the view again, not from the cache
    assert page_nonces(first).isdisjoint(page_nonces(second))
    assert header_nonces(second) == page_nonces(second)


@pytest.mark.parametrize("value", SPLITTING)
@pytest.mark.parametrize("how", ["set", "add", "constructor"])
def test_header_splitting_in_a_view_policy_is_refused(
    tmp_path: Path, wsgi: Any, value: str, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    def splitter(request: Request) -> Response:
        if how == "constructor":
            return PlainTextResponse("x", headers={"Content-Security-Policy": value})
        response = PlainTextResponse("x")
        if how == "set":
            response.headers["Content-Security-Policy"] = value
        else:
            response.headers.add("Content-Security-Policy", value)
        return response

    app = own_app(tmp_path, splitter)
    with caplog.at_level(logging.WARNING, logger="bastion.security"):
        result = wsgi.call(app, wsgi.environ("/own"))
    assert result.status_code == 400
    assert any(r.name == "bastion.security.BadHeaderError" for r in caplog.records)
    names = [name.lower() for name, _ in result.headers]
    assert "x-injected" not in names
    assert "set-cookie" not in names or not any(
        "attacker" in v for n, v in result.headers if n.lower() == "set-cookie"
    )
    assert [v for n, v in result.headers if n.lower() == "content-security-policy"] == [
        site_policy(app)
    ]
    assert all("\r" not in n + v and "\n" not in n + v for n, v in result.headers)
    assert "<script>" not in result.text


def test_served_uploads_carry_the_sandbox_and_the_site_policy(tmp_path: Path) -> None:
    from bastion.files import UPLOAD_CSP, InMemoryStorage, serve
    from bastion.security.headers import csp_override

    storage = InMemoryStorage()
    name = storage.save(b"<html><script>alert(document.cookie)</script></html>", "x.html")

    def download(request: Request) -> Response:
        return serve(request, storage, name)

    app = own_app(tmp_path, download)
    sent = Client(app).get("/own").headers.getlist("Content-Security-Policy")
    assert sent == [site_policy(app), "sandbox; default-src 'none'"]
    # With the decorator the docs used to require: still a sandbox, in both headers.
    app = own_app(tmp_path, csp_override(UPLOAD_CSP)(download))
    sent = Client(app).get("/own").headers.getlist("Content-Security-Policy")
    assert len(sent) == 2
    assert all(value.startswith("sandbox; default-src 'none'") for value in sent)
    assert "frame-ancestors 'none'" in sent[0].split("; ")


def test_the_wsgi_layer_sends_each_policy_as_its_own_header(tmp_path: Path, wsgi: Any) -> None:
    """Two policies are two header lines, never one comma-joined value (that would still be
    two policies to a browser, but a proxy or a later layer could not tell them apart)."""
    app = own_app(tmp_path, permissive)
    result = wsgi.call(app, wsgi.environ("/own"))
    assert result.status_code == 200
    assert isinstance(result.headers, list)
    assert all(
        type(item) is tuple and type(item[0]) is str and type(item[1]) is str
        for item in result.headers
    )
    policies = [item for item in result.headers if item[0].lower() == "content-security-policy"]
    assert policies == [
        ("Content-Security-Policy", site_policy(app)),
        ("Content-Security-Policy", PERMISSIVE),
    ]
    for _, value in result.headers:
        value.encode("latin-1")  # PEP 3333: latin-1 native strings


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
