from __future__ import annotations

import json

import pytest

from bastion.exceptions import BadHeaderError
from bastion.http.response import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
    status_line,
)


def test_response_defaults_to_utf8_html() -> None:
    response = Response("héllo")
    assert response.status_code == 200
    assert response.body == "héllo".encode()
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == "héllo"
    assert list(response.iter_body()) == [response.body]
    assert repr(response) == "<Response 200 'text/html; charset=utf-8'>"
    assert HTMLResponse("x").headers["Content-Type"] == "text/html; charset=utf-8"


def test_response_headers_and_content_type_override() -> None:
    response = Response(b"x", 201, {"X-A": "1"}, content_type="application/xml")
    assert response.headers["Content-Type"] == "application/xml"
    assert response.headers["X-A"] == "1"
    response = Response(b"x", headers=[("X-B", "2")])
    assert response.headers["X-B"] == "2"


@pytest.mark.parametrize("status", [0, 99, 1000])
def test_response_refuses_invalid_status(status: int) -> None:
    with pytest.raises(ValueError, match="status"):
        Response(status=status)


def test_response_refuses_header_injection() -> None:
    with pytest.raises(BadHeaderError):
        Response(headers={"X-A": "1\r\nSet-Cookie: a=b"})
    with pytest.raises(BadHeaderError):
        Response(headers={"X-A": "1\n"}, content_type="text/plain")
    with pytest.raises(BadHeaderError):
        Response(content_type="text/plain\r\nX-Evil: 1")


def test_plain_text_and_json() -> None:
    assert PlainTextResponse("hi").headers["Content-Type"] == "text/plain; charset=utf-8"
    response = JSONResponse({"a": "é", "b": [1, 2]}, status=201)
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body) == {"a": "é", "b": [1, 2]}
    assert response.body == '{"a":"é","b":[1,2]}'.encode()
    with pytest.raises(ValueError, match="Out of range"):
        JSONResponse(float("nan"))
    assert JSONResponse({1}, default=sorted).body == b"[1]"


def test_cookies_are_secure_by_default_and_listed() -> None:
    response = Response()
    response.set_cookie("a", "1")
    response.delete_cookie("b")
    items = response.header_items()
    cookies = [value for name, value in items if name == "Set-Cookie"]
    assert cookies[0] == "a=1; Path=/; Secure; HttpOnly; SameSite=Lax"
    assert cookies[1].startswith("b=; Max-Age=0; Expires=")


def test_cookie_value_injection_refused() -> None:
    with pytest.raises(ValueError, match="encode"):
        Response().set_cookie("a", "1; Domain=evil.com")


def test_close_callbacks_run_once() -> None:
    calls: list[int] = []
    response = Response()
    response.call_on_close(lambda: calls.append(1))
    response.close()
    response.close()
    assert calls == [1]


def test_redirect_statuses() -> None:
    assert RedirectResponse("/x").status_code == 302
    assert RedirectResponse("/x", 308).headers["Location"] == "/x"
    with pytest.raises(ValueError, match="redirect status"):
        RedirectResponse("/x", 200)


def test_streaming_response_encodes_and_closes() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield "a"
            yield b"b"

        def close(self) -> None:
            closed.append(True)

    response = StreamingResponse(Body(), content_type="text/plain")
    assert response.streaming
    assert list(response.iter_body()) == [b"a", b"b"]
    assert closed == [True]


def test_streaming_response_refuses_async_iterables_in_sync_adapter() -> None:
    async def gen():  # type: ignore[no-untyped-def]
        yield b"x"

    response = StreamingResponse(gen())
    with pytest.raises(TypeError, match="synchronous"):
        list(response.iter_body())


def test_status_line() -> None:
    assert status_line(200) == "200 OK"
    assert status_line(404) == "404 Not Found"
    assert status_line(599) == "599 Unknown"
