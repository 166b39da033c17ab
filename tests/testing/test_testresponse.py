from __future__ import annotations

from typing import Any

import pytest

from bastion.testing import ResponseHeaders, TestResponse


def _response(
    content: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
    environ: dict[str, Any] | None = None,
) -> TestResponse:
    return TestResponse(
        status="200 OK",
        headers=headers if headers is not None else [],
        content=content,
        url="https://testserver/",
        request_environ=environ or {},
        cookies={},
    )


def test_response_headers_are_case_insensitive_and_keep_repeats() -> None:
    headers = ResponseHeaders([("Set-Cookie", "a=1"), ("Vary", "Cookie"), ("set-cookie", "b=2")])
    assert headers["SET-COOKIE"] == "a=1"
    assert headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert headers.getlist("X-Missing") == []
    assert list(headers) == ["Set-Cookie", "Vary"]
    assert len(headers) == 2
    assert "vary" in headers
    assert headers.get("X-Missing") is None
    assert repr(headers).startswith("ResponseHeaders([('Set-Cookie'")
    with pytest.raises(KeyError):
        headers["X-Missing"]


def test_response_basics() -> None:
    response = _response(b"hi", [("Content-Type", "text/plain; charset=utf-8")])
    assert (response.status_code, response.status) == (200, "200 OK")
    assert response.body == response.content == b"hi"
    assert response.text == "hi"
    assert repr(response) == "<TestResponse 200 'text/plain; charset=utf-8'>"
    assert response.redirect_chain == []


@pytest.mark.parametrize(
    ("content_type", "charset", "text"),
    [
        ("text/plain; charset=latin-1", "latin-1", "café"),
        ('text/plain; Charset="ISO-8859-1"', "ISO-8859-1", "café"),
        ("text/plain; charset=", "utf-8", "caf\ufffd"),
        ("text/plain; format=flowed", "utf-8", "caf\ufffd"),
        ("text/plain; charset=no-such-codec", "no-such-codec", "caf\ufffd"),
    ],
)
def test_response_text_uses_the_charset(content_type: str, charset: str, text: str) -> None:
    response = _response("café".encode("latin-1"), [("Content-Type", content_type)])
    assert response.charset == charset
    assert response.text == text


def test_response_json() -> None:
    assert _response(b'{"a": [1]}').json() == {"a": [1]}


def test_response_json_error_shows_the_body() -> None:
    response = _response(b"<h1>Server Error</h1>", [("Content-Type", "text/html")])
    with pytest.raises(ValueError, match=r"not JSON \(200 OK, Content-Type 'text/html'\): '<h1>"):
        response.json()


class FakeTemplateResponse:
    template_name = "blog/post.html"
    context = {"title": "Hello"}


def test_response_exposes_the_framework_response_and_template() -> None:
    original: Any = FakeTemplateResponse()
    response = _response(environ={"bastion.response": original})
    assert response.response is original
    assert response.template_name == "blog/post.html"
    assert response.context == {"title": "Hello"}


def test_response_without_a_template() -> None:
    response = _response(environ={"bastion.response": object()})
    assert (response.template_name, response.context) == (None, None)
    bare = _response()
    assert (bare.response, bare.template_name, bare.context) == (None, None, None)


def test_response_is_not_collected_as_a_test_class() -> None:
    assert TestResponse.__test__ is False
