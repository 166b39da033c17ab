from __future__ import annotations

import pytest

from bastion.exceptions import BadHeaderError
from bastion.http.headers import Headers, RequestHeaders, check_header


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Test", "a\r\nSet-Cookie: evil=1"),
        ("X-Test", "a\nb"),
        ("X-Test", "a\rb"),
        ("X-Test", "a\x00b"),
        ("X-Te st", "v"),
        ("X-Test:", "v"),
        ("X-Test\r\n", "v"),
        ("", "v"),
        ("X-Test", "snowman \u2603"),
    ],
)
def test_check_header_refuses_injection(name: str, value: str) -> None:
    with pytest.raises(BadHeaderError):
        check_header(name, value)


def test_check_header_accepts_latin1_and_tokens() -> None:
    check_header("X-Name", "caf\u00e9")
    check_header("Content-Type", "text/html; charset=utf-8")


def test_request_headers_case_insensitive_and_join() -> None:
    headers = RequestHeaders(
        [("Accept", "a"), ("accept", "b"), ("Cookie", "x=1"), ("COOKIE", "y=2")]
    )
    assert headers["ACCEPT"] == "a, b"
    assert headers["cookie"] == "x=1; y=2"
    assert "Accept" in headers
    assert 5 not in headers
    assert len(headers) == 2
    assert sorted(headers) == ["accept", "cookie"]
    assert "accept" in repr(headers)


def test_request_headers_from_mapping() -> None:
    assert RequestHeaders({"X-A": "1"})["x-a"] == "1"


def test_headers_set_replaces_and_add_appends() -> None:
    headers = Headers({"Vary": "Accept"})
    headers.add("vary", "Cookie")
    assert headers.getlist("VARY") == ["Accept", "Cookie"]
    headers["Vary"] = "Origin"
    assert headers.getlist("vary") == ["Origin"]
    assert headers["vary"] == "Origin"
    assert len(headers) == 1
    assert list(headers) == ["Vary"]


def test_headers_get_default_pop_delete_contains() -> None:
    headers = Headers([("X-A", "1")])
    assert headers.get("x-b") is None
    assert headers.get("x-b", "d") == "d"
    assert headers.setdefault("X-A", "2") == "1"
    assert headers.setdefault("X-B", "2") == "2"
    assert "x-b" in headers
    assert 1 not in headers
    assert headers.pop("x-b") == "2"
    assert headers.pop("x-b", "gone") == "gone"
    del headers["x-a"]
    with pytest.raises(KeyError):
        del headers["x-a"]
    with pytest.raises(KeyError):
        headers["x-a"]
    assert headers.items() == []
    assert repr(headers) == "Headers([])"


def test_headers_refuse_injection_on_every_write() -> None:
    headers = Headers()
    with pytest.raises(BadHeaderError):
        headers["Location"] = "/ok\r\nX-Evil: 1"
    with pytest.raises(BadHeaderError):
        headers.add("X-A", "\n")
    with pytest.raises(BadHeaderError):
        Headers({"X-A": "b\rc"})


def test_headers_has_any() -> None:
    headers = Headers({"ETag": '"x"'})
    assert headers.has_any(frozenset({"etag", "last-modified"}))
    assert not headers.has_any(frozenset({"vary"}))
    del headers["etag"]
    assert not headers.has_any(frozenset({"etag"}))
