"""Answers given outside the middleware chain still carry the static security headers.

A request that cannot be parsed, or a Host the site does not serve, is refused before the
header layers run; a redirect to a host not allowed is refused after them. Each answer is
checked here for the fixed header set (and no HSTS), on the wire as the WSGI server gets it.
"""

from __future__ import annotations

from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, RedirectResponse, Request, Response, path
from bastion.handlers.early import EARLY_CSP
from bastion.handlers.errors import ErrorRenderer
from bastion.settings import HttpConfig, SecurityConfig, Settings

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"
STATIC = {
    "x-content-type-options": ["nosniff"],
    "x-frame-options": ["DENY"],
    "referrer-policy": ["same-origin"],
    "content-security-policy": [EARLY_CSP],
    "cache-control": ["no-store"],
    "cross-origin-opener-policy": ["same-origin"],
    "cross-origin-resource-policy": ["same-origin"],
}


def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


def away(request: Request) -> Response:
    return RedirectResponse("https://evil.example/phish")


def make_app(**overrides: Any) -> Bastion:
    settings = Settings(
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver"],
        HTTP=HttpConfig(max_url_length=256),
        **overrides,
    )
    return Bastion(settings, routes=[path("", ok), path("away", away)])


def sent(result: Any) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in result.headers:
        headers.setdefault(name.lower(), []).append(value)
    return headers


def assert_early(result: Any, status: int) -> None:
    assert result.status_code == status, result.text
    headers = sent(result)
    for name, values in STATIC.items():
        assert headers.get(name) == values, name
    assert len(headers["permissions-policy"]) == 1
    assert "strict-transport-security" not in headers
    assert "Traceback" not in result.text


UNPARSEABLE = [
    pytest.param({"PATH_INFO": "/\xff\xfe"}, 400, id="path-not-utf8"),
    pytest.param({"PATH_INFO": "/" + "a" * 300}, 414, id="path-too-long"),
    pytest.param({"QUERY_STRING": "q=" + "a" * 300}, 414, id="query-too-long"),
    pytest.param({"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "-1"}, 400, id="length-negative"),
    pytest.param({"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "1e3"}, 400, id="length-float"),
    pytest.param({"HTTP_HOST": "evil.example"}, 400, id="hostile-host"),
    pytest.param({"HTTP_HOST": "testserver:bad"}, 400, id="malformed-host"),
]


@pytest.mark.parametrize(("environ", "status"), UNPARSEABLE)
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("scheme", ["https", "http"])
def test_early_errors_carry_the_static_headers(
    wsgi: Any, environ: dict[str, str], status: int, debug: bool, scheme: str
) -> None:
    app = make_app(DEBUG=debug)
    env = wsgi.environ("/", **{"wsgi.url_scheme": scheme})
    env.update(environ)
    assert_early(wsgi.call(app, env), status)


def test_a_redirect_refused_after_the_layers_carries_the_static_headers(wsgi: Any) -> None:
    result = wsgi.call(make_app(), wsgi.environ("/away"))
    assert_early(result, 400)
    assert "evil.example" not in result.text
    assert sent(result).get("location") is None


def test_in_chain_answers_keep_the_site_headers(wsgi: Any) -> None:
    """The early set is for early answers only: a 404 gets the site's policy and HSTS."""
    result = wsgi.call(make_app(), wsgi.environ("/missing"))
    assert result.status_code == 404
    headers = sent(result)
    assert headers["content-security-policy"] != [EARLY_CSP]
    assert "strict-transport-security" in headers


def test_a_project_error_page_gets_the_headers_in_place_of_its_own(wsgi: Any) -> None:
    def error_page(request: Request, status: int, title: str, detail: str) -> Response:
        response = PlainTextResponse(f"ours: {title}", status=status)
        response.headers["Content-Security-Policy"] = "default-src *"
        response.headers["X-Frame-Options"] = "ALLOWALL"
        response.headers["Cache-Control"] = "public, max-age=86400"
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"])
    app = Bastion(settings, routes=[path("", ok)], error_page=error_page)
    result = wsgi.call(app, wsgi.environ("/", headers={"Host": "evil.example"}))
    assert result.text == "ours: Bad Request"
    assert_early(result, 400)


def test_early_headers_are_checked_at_start_up() -> None:
    from bastion.exceptions import ImproperlyConfigured

    settings = Settings(SECRET_KEY=KEY, SECURITY=SecurityConfig(referrer_policy="unsafe-urll"))
    with pytest.raises(ImproperlyConfigured, match="referrer_policy"):
        ErrorRenderer(settings)


@pytest.mark.parametrize("nosniff", [True, False])
def test_early_answers_are_never_sniffed(wsgi: Any, nosniff: bool) -> None:
    """nosniff is fixed for these pages, even where the site switched it off."""
    app = make_app(SECURITY=SecurityConfig(content_type_nosniff=nosniff))
    result = wsgi.call(app, wsgi.environ("/", headers={"Host": "evil.example"}))
    assert result.header("X-Content-Type-Options") == "nosniff"
