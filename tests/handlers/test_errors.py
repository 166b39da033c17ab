from __future__ import annotations

import logging

import pytest

from bastion.exceptions import DisallowedHost
from bastion.handlers.errors import ErrorRenderer, wants_json
from bastion.http.exceptions import MethodNotAllowed, NotFound, TooManyRequests
from bastion.http.headers import RequestHeaders
from bastion.http.request import Request
from bastion.http.response import PlainTextResponse, Response
from bastion.settings import Settings

PROD = Settings(
    SECRET_KEY="s3cr3t-value-that-must-never-appear-anywhere-0123456789abcdef",
    ALLOWED_HOSTS=["example.com"],
    DATABASE_URL="postgresql://app:dbpassword@db/app",
)
DEBUG = PROD.replace(DEBUG=True)


def make(headers: dict[str, str] | None = None, query: bytes = b"") -> Request:
    return Request(
        settings=PROD, path="/p", headers=RequestHeaders(headers or {}), query_string=query
    )


def test_wants_json() -> None:
    assert wants_json(make({"Accept": "application/json"}))
    assert not wants_json(make({"Accept": "text/html,application/json"}))
    assert not wants_json(make())


def test_http_exception_renders_status_detail_and_headers() -> None:
    response = ErrorRenderer(PROD).response_for_exception(make(), MethodNotAllowed(["GET"]))
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert "405 Method Not Allowed" in response.text
    assert "Allowed: GET" in response.text


def test_http_exception_detail_is_escaped() -> None:
    response = ErrorRenderer(PROD).response_for_exception(make(), NotFound("<script>x</script>"))
    assert "<script>x" not in response.text
    assert "&lt;script&gt;" in response.text


def test_http_exception_as_json() -> None:
    response = ErrorRenderer(PROD).response_for_exception(
        make({"Accept": "application/json"}), TooManyRequests(retry_after=30)
    )
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Content-Type"] == "application/json"
    assert b'"status":429' in response.body


def test_not_found_lists_patterns_only_in_debug() -> None:
    exc = NotFound("No page.")
    exc.tried = ["/a/", "/b/<int:id>/"]  # type: ignore[attr-defined]
    assert "/b/" not in ErrorRenderer(PROD).response_for_exception(make(), exc).text
    assert "Patterns tried" in ErrorRenderer(DEBUG).response_for_exception(make(), exc).text


def test_suspicious_operation_is_400_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bastion.security"):
        response = ErrorRenderer(PROD).response_for_exception(make(), DisallowedHost("evil.com"))
    assert response.status_code == 400
    assert "evil.com" not in response.text
    assert caplog.records[0].name == "bastion.security.DisallowedHost"
    debug = ErrorRenderer(DEBUG).response_for_exception(make(), DisallowedHost("evil.com"))
    assert "evil.com" in debug.text


def test_server_error_hides_details_without_debug(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="bastion.request"):
        response = ErrorRenderer(PROD).response_for_exception(make(), RuntimeError("db password"))
    assert response.status_code == 500
    assert "db password" not in response.text
    assert "Traceback" not in response.text
    assert caplog.records[0].exc_info is not None


def test_debug_page_shows_traceback_and_redacts_secrets() -> None:
    request = make(
        {"Cookie": "session=abc", "Authorization": "Bearer tok", "X-Api-Key": "k", "X-Ok": "v"},
        query=b"password=hunter2&page=2",
    )
    try:
        raise ValueError("boom")
    except ValueError as exc:
        response = ErrorRenderer(DEBUG).response_for_exception(request, exc)
    text = response.text
    assert response.status_code == 500
    assert "ValueError: boom" in text
    assert "Traceback" in text
    for secret in ("abc", "Bearer tok", "hunter2", "dbpassword", PROD.SECRET_KEY):
        assert secret not in text
    assert "X-Ok" in text or "x-ok" in text
    assert "page" in text


def test_debug_page_survives_malformed_query() -> None:
    request = make(query=b"a=%ff")
    response = ErrorRenderer(DEBUG).response_for_exception(request, RuntimeError("x"))
    assert response.status_code == 500


def test_error_page_hook_used_and_may_decline() -> None:
    def page(request: Request, status: int, title: str, detail: str) -> Response | None:
        if status == 404:
            return PlainTextResponse(f"custom {detail}", status=404)
        return None

    renderer = ErrorRenderer(PROD, error_page=page)
    assert renderer.response_for_exception(make(), NotFound("gone")).text == "custom gone"
    assert "405" in renderer.response_for_exception(make(), MethodNotAllowed(["GET"])).text


def test_error_page_hook_failure_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    def page(request: Request, status: int, title: str, detail: str) -> Response | None:
        raise RuntimeError("broken hook")

    with caplog.at_level(logging.ERROR, logger="bastion.request"):
        response = ErrorRenderer(PROD, error_page=page).render(make(), 404, "Not Found", "x")
    assert response.status_code == 404
    assert "hook failed" in caplog.text


def test_http_exception_with_its_own_response_answers_with_it() -> None:
    from bastion.forms import InvalidInput

    response = ErrorRenderer(PROD).response_for_exception(
        make(), InvalidInput({"email": ["Enter a valid email address."]})
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.body == b'{"errors":{"email":["Enter a valid email address."]}}'
