from __future__ import annotations

import io
from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, Request, Response, path
from bastion.handlers.wsgi import EnvironHeaders, request_from_environ
from bastion.http.exceptions import BadRequest
from bastion.settings import Settings

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"


def describe(request: Request, **params: str) -> Response:
    return PlainTextResponse(
        f"{request.method} {request.root_path}|{request.path} {request.server} {request.scheme}"
    )


@pytest.fixture
def app() -> Bastion:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver", "localhost"])
    return Bastion(settings, routes=[path("<path:rest>", describe), path("", describe)])


def test_environ_headers_view() -> None:
    environ = {
        "HTTP_X_REQUEST_ID": "abc",
        "CONTENT_TYPE": "text/plain",
        "CONTENT_LENGTH": "",
        "HTTP_BROKEN": 3,
        "wsgi.input": object(),
    }
    headers = EnvironHeaders(environ)
    assert headers["x-request-id"] == "abc"
    assert headers["Content-Type"] == "text/plain"
    assert headers.get("X-Missing") is None
    assert headers.get("Broken", "d") == "d"
    assert "X-Request-Id" in headers
    assert "Broken" not in headers
    assert 3 not in headers
    assert sorted(headers) == ["content-type", "x-request-id"]
    assert len(headers) == 2
    with pytest.raises(KeyError):
        headers["Broken"]


def test_request_from_environ_decodes_utf8_path_and_script_name(app: Bastion, wsgi: Any) -> None:
    env = wsgi.environ("/caf\xc3\xa9", method="get", SCRIPT_NAME="/m\xc3\xbc", SERVER_PORT="x")
    request = request_from_environ(app, env)
    assert request.path == "/café"
    assert request.root_path == "/mü"
    assert request.method == "GET"
    assert request.server == ("testserver", 80)


def test_request_from_environ_bad_script_name(app: Bastion, wsgi: Any) -> None:
    request = request_from_environ(app, wsgi.environ("/", SCRIPT_NAME="/\xff"))
    with pytest.raises(BadRequest):
        _ = request.root_path
    assert wsgi.call(app, wsgi.environ("/", SCRIPT_NAME="/\xff")).status_code == 400


def test_request_from_environ_minimal_environ(app: Bastion) -> None:
    request = request_from_environ(app, {"wsgi.input": io.BytesIO()})
    assert (request.method, request.path, request.scheme) == ("GET", "/", "http")
    assert request.client_addr is None


def test_wsgi_serves_with_mount_and_https(app: Bastion, wsgi: Any) -> None:
    env = wsgi.environ(
        "/x/y", SCRIPT_NAME="/app", SERVER_PORT="8443", **{"wsgi.url_scheme": "https"}
    )
    assert wsgi.call(app, env).text == "GET /app|/x/y ('testserver', 8443) https"


def test_wsgi_body_without_length_is_empty(app: Bastion, wsgi: Any) -> None:
    env = wsgi.environ("/x", method="POST", body=b"ignored")
    del env["CONTENT_LENGTH"]
    assert wsgi.call(app, env).status_code == 200


def test_wsgi_empty_content_length_means_no_body(app: Bastion, wsgi: Any) -> None:
    env = wsgi.environ("/x", method="POST", content_length="")
    assert wsgi.call(app, env).status_code == 200
