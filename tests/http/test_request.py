from __future__ import annotations

import io
from typing import Any

import pytest

from bastion.exceptions import DisallowedHost
from bastion.http.body import BodyReader
from bastion.http.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from bastion.http.headers import RequestHeaders
from bastion.http.request import Request
from bastion.settings import HttpConfig, ProxyConfig, Settings

SETTINGS = Settings(DEBUG=True, SECRET_KEY="test", ALLOWED_HOSTS=["example.com", ".example.org"])


def make(
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    settings: Settings = SETTINGS,
    **kwargs: Any,
) -> Request:
    reader = None
    all_headers = {"Host": "example.com", **(headers or {})}
    if body is not None:
        reader = BodyReader(
            io.BytesIO(body).read,
            content_length=len(body),
            max_size=settings.HTTP.max_body_size,
        )
        all_headers.setdefault("Content-Length", str(len(body)))
    return Request(settings=settings, headers=RequestHeaders(all_headers), body=reader, **kwargs)


def test_request_basics_and_repr() -> None:
    request = make(method="POST", path="/a b")
    assert repr(request) == "<Request POST '/a b'>"
    assert request.route_name is None
    assert request.path_params == {}
    assert request.state == {}


def test_request_query_is_multidict() -> None:
    request = make(query_string=b"a=1&a=2&b=%C3%A9")
    assert request.query.getlist("a") == ["1", "2"]
    assert request.query["b"] == "é"
    assert len(make().query) == 0


def test_request_query_field_limit() -> None:
    settings = SETTINGS.replace(HTTP=HttpConfig(max_fields=2))
    with pytest.raises(BadRequest):
        _ = make(query_string=b"a=1&b=2&c=3", settings=settings).query


def test_request_full_path_quotes_path() -> None:
    request = make(path="/a b/é", root_path="/app", query_string=b"x=1")
    assert request.full_path == "/app/a%20b/%C3%A9?x=1"
    assert make(path="/x").full_path == "/x"


def test_request_cookies_and_content_headers() -> None:
    request = make(headers={"Cookie": "a=1; b=2", "Content-Type": "Text/Plain; charset=UTF-8"})
    assert request.cookies == {"a": "1", "b": "2"}
    assert request.content_type == ("text/plain", {"charset": "UTF-8"})
    assert make().cookies == {}
    assert make().content_length is None
    assert make(headers={"Content-Length": "12"}).content_length == 12
    with pytest.raises(BadRequest):
        _ = make(headers={"Content-Length": "abc"}).content_length


def test_request_host_validated() -> None:
    assert make().host == "example.com"
    assert make(headers={"Host": "Sub.Example.org:8443"}).host == "sub.example.org:8443"
    with pytest.raises(DisallowedHost, match="not allowed"):
        _ = make(headers={"Host": "evil.com"}).host
    with pytest.raises(DisallowedHost, match="Invalid Host"):
        _ = make(headers={"Host": "evil.com/x"}).host


def test_request_host_falls_back_to_server_name() -> None:
    request = Request(settings=SETTINGS, server=("example.com", 80))
    assert request.host == "example.com"
    request = Request(settings=SETTINGS, server=("example.com", 8000))
    assert request.host == "example.com:8000"
    request = Request(settings=SETTINGS, server=("example.com", 443), scheme="https")
    assert request.host == "example.com"


def test_request_origin_and_absolute_uri() -> None:
    request = make(path="/a/", scheme="https", query_string=b"q=1")
    assert request.origin == "https://example.com"
    assert request.build_absolute_uri() == "https://example.com/a/?q=1"
    assert request.build_absolute_uri("b") == "https://example.com/a/b"
    assert request.build_absolute_uri("/c") == "https://example.com/c"


PROXIED = SETTINGS.replace(PROXY=ProxyConfig(trusted_hops=1, trust_forwarded_host=True))


def test_proxy_headers_ignored_by_default() -> None:
    request = make(
        client_addr="127.0.0.1",
        headers={"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"},
    )
    assert request.client_ip == "127.0.0.1"
    assert request.is_secure is False


def test_proxy_headers_trusted_from_proxy_address() -> None:
    request = make(
        settings=PROXIED,
        client_addr="127.0.0.1",
        headers={
            "X-Forwarded-For": "6.6.6.6, 1.2.3.4",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "www.example.org",
        },
    )
    assert request.client_ip == "1.2.3.4"
    assert request.is_secure is True
    assert request.host == "www.example.org"


def test_proxy_headers_ignored_from_untrusted_peer() -> None:
    request = make(
        settings=PROXIED,
        client_addr="8.8.8.8",
        headers={"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"},
    )
    assert request.client_ip == "8.8.8.8"
    assert request.is_secure is False


@pytest.mark.parametrize("peer", [None, "not-an-ip"])
def test_proxy_with_unknown_peer(peer: str | None) -> None:
    request = make(settings=PROXIED, client_addr=peer, headers={"X-Forwarded-For": "1.2.3.4"})
    assert request.client_ip == peer


def test_proxy_bad_forwarded_values_fall_back() -> None:
    settings = SETTINGS.replace(PROXY=ProxyConfig(trusted_hops=2))
    request = make(
        settings=settings,
        client_addr="127.0.0.1",
        headers={"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "http"},
    )
    assert request.client_ip == "127.0.0.1"  # fewer values than hops
    assert request.is_secure is False
    request = make(settings=PROXIED, client_addr="127.0.0.1", headers={"X-Forwarded-For": "junk"})
    assert request.client_ip == "127.0.0.1"
    assert make(settings=PROXIED, client_addr="127.0.0.1", scheme="https").is_secure


def test_request_body_and_stream() -> None:
    request = make(body=b"hello")
    assert request.body == b"hello"
    assert make().body == b""
    assert isinstance(make().stream, BodyReader)


def test_request_body_over_limit() -> None:
    settings = SETTINGS.replace(HTTP=HttpConfig(max_body_size=3))
    with pytest.raises(RequestEntityTooLarge):
        _ = make(body=b"hello", settings=settings).body


def test_request_json() -> None:
    request = make(body=b'{"a": [1, 2]}', headers={"Content-Type": "application/json"})
    assert request.json() == {"a": [1, 2]}
    request = make(body=b"[]", headers={"Content-Type": "application/vnd.api+json"})
    assert request.json() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{bad", "malformed"),
        (b"\xff\xfe", "UTF-8"),
        (b"NaN", "malformed"),
        (b"[" * 100_000 + b"]" * 100_000, "malformed"),
    ],
)
def test_request_json_errors_are_400(body: bytes, message: str) -> None:
    request = make(body=body, headers={"Content-Type": "application/json"})
    with pytest.raises(BadRequest, match=message):
        request.json()


def test_request_json_needs_json_content_type() -> None:
    with pytest.raises(UnsupportedMediaType):
        make(body=b"{}", headers={"Content-Type": "text/plain"}).json()


def test_request_urlencoded_form() -> None:
    request = make(
        body=b"name=Ada&tags=a&tags=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert request.form["name"] == "Ada"
    assert request.form.getlist("tags") == ["a", "b"]
    assert len(request.files) == 0


def test_request_form_empty_for_other_bodies() -> None:
    request = make(body=b"{}", headers={"Content-Type": "application/json"})
    assert len(request.form) == 0
    assert len(request.files) == 0


def test_request_multipart_files_closed_on_close() -> None:
    body = (
        b"--XX\r\n"
        b'Content-Disposition: form-data; name="title"\r\n\r\n'
        b"Hi\r\n"
        b"--XX\r\n"
        b'Content-Disposition: form-data; name="doc"; filename="../a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n"
        b"content\r\n"
        b"--XX--\r\n"
    )
    request = make(body=body, headers={"Content-Type": "multipart/form-data; boundary=XX"})
    assert request.form["title"] == "Hi"
    upload = request.files["doc"]
    assert upload.filename == "a.txt"
    assert upload.read() == b"content"
    request.close()
    assert upload.closed
    request.close()


def test_request_close_without_files() -> None:
    make().close()
