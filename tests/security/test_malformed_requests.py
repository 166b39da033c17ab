"""No input yields a 500: every malformed request gets a 4xx with a readable message."""

from __future__ import annotations

from typing import Any

import pytest

from bastion import Bastion, JSONResponse, PlainTextResponse, Request, Response, path
from bastion.settings import HttpConfig, Settings

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"


def echo_query(request: Request) -> Response:
    return JSONResponse(request.query.to_dict())


def echo_form(request: Request) -> Response:
    return JSONResponse({"form": request.form.to_dict(), "files": list(request.files)})


def echo_json(request: Request) -> Response:
    return JSONResponse(request.json())


def echo_body(request: Request) -> Response:
    return PlainTextResponse(str(len(request.body)))


def set_header(request: Request) -> Response:
    return PlainTextResponse("x", headers={"X-Echo": request.query.get("v", "")})


def redirect_to_next(request: Request) -> Response:
    response = PlainTextResponse("", status=302)
    response.headers["Location"] = request.query.get("next", "/")
    return response


@pytest.fixture
def app() -> Bastion:
    settings = Settings(
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver"],
        HTTP=HttpConfig(max_body_size=256 * 1024, max_fields=10),
    )
    return Bastion(
        settings,
        routes=[
            path("query", echo_query),
            path("form", echo_form, methods=["POST"]),
            path("json", echo_json, methods=["POST"]),
            path("body", echo_body, methods=["POST"]),
            path("header", set_header),
            path("next", redirect_to_next),
            path("only-get", echo_query, methods=["GET"]),
        ],
    )


def assert_clear_4xx(result: Any, status: int, fragment: str) -> None:
    assert result.status_code == status, result.text
    assert fragment.lower() in result.text.lower()
    assert "Traceback" not in result.text


@pytest.mark.parametrize("raw_path", ["/\xff\xfe", "/caf\xe9", "/%C3"])
def test_invalid_utf8_path_is_400(app: Bastion, wsgi: Any, raw_path: str) -> None:
    result = wsgi.call(app, wsgi.environ(raw_path))
    if raw_path == "/%C3":  # still percent-encoded: a path that matches nothing
        assert_clear_4xx(result, 404, "Not Found")
    else:
        assert_clear_4xx(result, 400, "not valid UTF-8")


@pytest.mark.parametrize("query", ["a=%ff", "a=%C3%28", "%ff=1"])
def test_invalid_utf8_query_is_400(app: Bastion, wsgi: Any, query: str) -> None:
    assert_clear_4xx(wsgi.call(app, wsgi.environ("/query", query=query)), 400, "UTF-8")


@pytest.mark.parametrize("query", ["a=%zz", "a=%", "a=%4", "=&&=x&a"])
def test_broken_percent_encoding_in_query_is_kept_literally(
    app: Bastion, wsgi: Any, query: str
) -> None:
    assert wsgi.call(app, wsgi.environ("/query", query=query)).status_code == 200


def test_too_many_query_fields_is_400(app: Bastion, wsgi: Any) -> None:
    query = "&".join(f"f{i}=1" for i in range(50))
    assert_clear_4xx(wsgi.call(app, wsgi.environ("/query", query=query)), 400, "Too many")


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "0x10", " 12 3", "9" * 40])
def test_bad_content_length_is_400(app: Bastion, wsgi: Any, length: str) -> None:
    env = wsgi.environ("/body", method="POST", body=b"abc", content_length=length)
    assert_clear_4xx(wsgi.call(app, env), 400, "Content-Length")


def test_content_length_longer_than_body_is_400(app: Bastion, wsgi: Any) -> None:
    env = wsgi.environ("/body", method="POST", body=b"abc", content_length="10")
    assert_clear_4xx(wsgi.call(app, env), 400, "ended before")


def test_declared_body_over_limit_is_413(app: Bastion, wsgi: Any) -> None:
    env = wsgi.environ("/body", method="POST", body=b"x" * 300_000)
    assert_clear_4xx(wsgi.call(app, env), 413, "limit")


def test_chunked_body_over_limit_is_413(app: Bastion, wsgi: Any) -> None:
    env = wsgi.environ(
        "/body", method="POST", body=b"x" * 300_000, **{"wsgi.input_terminated": True}
    )
    del env["CONTENT_LENGTH"]
    assert_clear_4xx(wsgi.call(app, env), 413, "limit")


def test_chunked_body_under_limit_is_read(app: Bastion, wsgi: Any) -> None:
    env = wsgi.environ("/body", method="POST", body=b"x" * 100, **{"wsgi.input_terminated": True})
    del env["CONTENT_LENGTH"]
    assert wsgi.call(app, env).body == b"100"


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"a": }', b"\xff", b"NaN", b"[" * 50_000 + b"]" * 50_000],
)
def test_malformed_json_is_400(app: Bastion, wsgi: Any, body: bytes) -> None:
    env = wsgi.environ(
        "/json", method="POST", body=body, headers={"Content-Type": "application/json"}
    )
    assert_clear_4xx(wsgi.call(app, env), 400, "JSON")


def test_json_with_wrong_content_type_is_415(app: Bastion, wsgi: Any) -> None:
    env = wsgi.environ("/json", method="POST", body=b"{}", headers={"Content-Type": "text/plain"})
    assert_clear_4xx(wsgi.call(app, env), 415, "JSON")


MULTIPART = "multipart/form-data; boundary=BOUNDARY"


@pytest.mark.parametrize(
    "body",
    [
        b'--BOUNDARY\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue',
        b'--BOUNDARY\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nab',
        b"--BOUNDARY\r\nContent-Disp",
        b"garbage without boundary",
    ],
)
def test_truncated_multipart_is_400(app: Bastion, wsgi: Any, body: bytes) -> None:
    env = wsgi.environ("/form", method="POST", body=body, headers={"Content-Type": MULTIPART})
    result = wsgi.call(app, env)
    assert_clear_4xx(result, 400, "multipart")


def test_multipart_without_boundary_is_400(app: Bastion, wsgi: Any) -> None:
    env = wsgi.environ(
        "/form", method="POST", body=b"x", headers={"Content-Type": "multipart/form-data"}
    )
    assert_clear_4xx(wsgi.call(app, env), 400, "boundary")


@pytest.mark.parametrize("method", ["PATCH", "DELETE", "BREW", "PUT"])
def test_unsupported_method_is_405_with_allow(app: Bastion, wsgi: Any, method: str) -> None:
    result = wsgi.call(app, wsgi.environ("/only-get", method=method))
    assert_clear_4xx(result, 405, "Allowed")
    assert result.header("Allow") == "GET, HEAD"


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: evil=1", "a\nX: y", "a\rb", "a\x00b"])
def test_header_with_newline_from_input_is_refused(app: Bastion, wsgi: Any, value: str) -> None:
    from urllib.parse import quote

    result = wsgi.call(app, wsgi.environ("/header", query=f"v={quote(value)}"))
    assert_clear_4xx(result, 400, "Bad Request")
    assert all(name.lower() != "set-cookie" for name, _ in result.headers)
    assert all("\n" not in v and "\r" not in v for _, v in result.headers)


def test_location_with_newline_is_refused(app: Bastion, wsgi: Any) -> None:
    result = wsgi.call(app, wsgi.environ("/next", query="next=/x%0D%0AX-Evil:%201"))
    assert result.status_code == 400
    assert result.header("X-Evil") is None


@pytest.mark.parametrize(("path", "query"), [("/" + "a" * 9000, ""), ("/query", "a=" + "b" * 9000)])
def test_overlong_url_is_414(app: Bastion, wsgi: Any, path: str, query: str) -> None:
    assert_clear_4xx(wsgi.call(app, wsgi.environ(path, query=query)), 414, "over 8192")
