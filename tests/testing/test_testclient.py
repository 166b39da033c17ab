from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from bastion.testing import Client
from bastion.types import StartResponse, WSGIApp, WSGIEnviron


def test_client_defaults_to_https_testserver(client: Client) -> None:
    seen = client.get("/").json()
    assert seen["scheme"] == "https"
    assert seen["server"] == ["testserver", "443"]
    assert seen["headers"] == {"HTTP_HOST": "testserver", "HTTP_SEC_FETCH_SITE": "same-origin"}
    assert seen["remote_addr"] == "127.0.0.1"
    assert repr(client) == "<Client https://testserver>"


def test_client_fetch_metadata_can_be_off_or_forged(echo_app: WSGIApp) -> None:
    old_browser = Client(echo_app, fetch_metadata=False)
    assert "HTTP_SEC_FETCH_SITE" not in old_browser.get("/").json()["headers"]
    forged = Client(echo_app).get("/", headers={"Sec-Fetch-Site": "cross-site"}).json()
    assert forged["headers"]["HTTP_SEC_FETCH_SITE"] == "cross-site"


def test_client_base_url_with_port_and_mount(echo_app: WSGIApp) -> None:
    client = Client(echo_app, base_url="http://example.org:8000/shop/")
    response = client.get("/cart/")
    seen = response.json()
    assert (seen["scheme"], seen["server"]) == ("http", ["example.org", "8000"])
    assert (seen["script_name"], seen["path"]) == ("/shop", "/cart/")
    assert seen["headers"]["HTTP_HOST"] == "example.org:8000"
    assert response.url == "http://example.org:8000/shop/cart/"


@pytest.mark.parametrize(
    "base_url",
    [
        "testserver",
        "ftp://testserver",
        "https://",
        "https://u:p@testserver",
        "https://h/?q",
        "https://h/#f",
    ],
)
def test_client_refuses_a_bad_base_url(echo_app: WSGIApp, base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url must look like"):
        Client(echo_app, base_url=base_url)


def test_client_path_is_percent_decoded_into_path_info(client: Client) -> None:
    expected = "/café/a b".encode().decode("latin-1")
    assert client.get("/café/a b").json()["path"] == expected
    assert client.get("/caf%C3%A9/a%20b").json()["path"] == expected
    assert client.get("/caf%C3%A9/a%20b").url == "https://testserver/caf%C3%A9/a%20b"


def test_client_query_merges_with_the_path_query(client: Client) -> None:
    seen = client.get("/search?q=a b&x=é#fragment", query={"page": "2", "tag": ["x", "y"]}).json()
    assert seen["query"] == "q=a%20b&x=%C3%A9&page=2&tag=x&tag=y"
    assert client.get("/s", query=[("b", "1"), ("a", "2")]).json()["query"] == "b=1&a=2"
    assert client.get("/s", query={}).json()["query"] == ""


def test_client_absolute_url_on_the_same_host(client: Client) -> None:
    seen = client.get("https://TESTSERVER:444/x?y=1").json()
    assert (seen["path"], seen["query"], seen["server"]) == ("/x", "y=1", ["testserver", "444"])
    assert client.get("http://testserver/").json()["scheme"] == "http"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("relative", "must start with '/'"),
        ("", "must start with '/'"),
        ("https://elsewhere.com/", "not the application's"),
        ("//elsewhere.com/", "not the application's"),
        ("ftp://testserver/", "scheme 'ftp' is not HTTP"),
    ],
)
def test_client_refuses_paths_it_cannot_send(client: Client, path: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        client.get(path)


def test_client_refuses_absolute_urls_outside_the_mount(echo_app: WSGIApp) -> None:
    client = Client(echo_app, base_url="https://testserver/app")
    with pytest.raises(ValueError, match="outside the application's mount point '/app'"):
        client.get("https://testserver/other")
    assert client.get("https://testserver/app").json()["path"] == ""


@pytest.mark.parametrize("method", ["get", "head", "post", "put", "patch", "delete", "options"])
def test_client_verb_methods(client: Client, method: str) -> None:
    response = getattr(client, method)("/")
    assert response.request_environ["REQUEST_METHOD"] == method.upper()


def test_client_request_with_any_method(client: Client) -> None:
    assert client.request("propfind", "/").json()["method"] == "PROPFIND"


def test_client_refuses_an_invalid_method(client: Client) -> None:
    with pytest.raises(ValueError, match="Invalid HTTP method"):
        client.request("GET /", "/")


def test_client_refuses_unknown_options(client: Client) -> None:
    with pytest.raises(TypeError, match="Unexpected request option\\(s\\): datta"):
        client.post("/", datta={"a": "1"})  # type: ignore[call-arg]


def test_client_form_data_is_urlencoded(client: Client) -> None:
    seen = client.post("/", data={"name": "Zoë", "tags": ["a", "b"]}).json()
    assert seen["content_type"] == "application/x-www-form-urlencoded"
    assert seen["body"] == "name=Zo%C3%AB&tags=a&tags=b"
    assert seen["content_length"] == str(len(seen["body"]))


def test_client_form_data_with_a_content_type(client: Client) -> None:
    content_type = "application/x-www-form-urlencoded; charset=utf-8"
    seen = client.post("/", data={"a": "1"}, content_type=content_type).json()
    assert seen["content_type"] == content_type


def test_client_json_body(client: Client) -> None:
    seen = client.put("/", json={"a": [1, None]}).json()
    assert (seen["content_type"], seen["body"]) == ("application/json", '{"a":[1,null]}')
    assert client.patch("/", json=None).json()["body"] == "null"
    patch = client.patch("/", json={}, content_type="application/merge-patch+json").json()
    assert patch["content_type"] == "application/merge-patch+json"


def test_client_files_make_a_multipart_body(client: Client) -> None:
    seen = client.post("/", data={"a": "1"}, files={"f": ("a.txt", io.BytesIO(b"xyz"))}).json()
    assert seen["content_type"].startswith("multipart/form-data; boundary=")
    assert 'name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nxyz' in seen["body"]
    assert 'name="a"\r\n\r\n1\r\n' in seen["body"]


def test_client_raw_body(client: Client) -> None:
    seen = client.post("/", body=b"\x00\xff", content_type="application/octet-stream").json()
    assert (seen["body"], seen["content_type"]) == ("\x00\xff", "application/octet-stream")
    seen = client.delete("/", body=b"x").json()
    assert (seen["body"], seen["content_type"], seen["content_length"]) == ("x", None, "1")


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_client_empty_unsafe_request_sends_content_length_zero(client: Client, method: str) -> None:
    seen = getattr(client, method)("/").json()
    assert (seen["content_length"], seen["content_type"]) == ("0", None)


@pytest.mark.parametrize("method", ["get", "delete", "options"])
def test_client_empty_request_sends_no_content_length(client: Client, method: str) -> None:
    assert getattr(client, method)("/").json()["content_length"] is None


@pytest.mark.parametrize(
    ("method", "options", "message"),
    [
        ("POST", {"data": {"a": "1"}, "json": 1}, "Give one body"),
        ("POST", {"json": 1, "body": b"x"}, "Give one body"),
        ("POST", {"json": 1, "files": {}}, "Give one body"),
        ("POST", {"body": b"x", "files": {}}, "Give one body"),
        ("GET", {"data": {"a": "1"}}, "A GET request has no body; pass parameters with query="),
        ("HEAD", {"json": None}, "A HEAD request has no body"),
        ("GET", {"files": {}}, "A GET request has no body"),
        ("POST", {"files": {}, "content_type": "multipart/form-data"}, "multipart needs"),
        ("POST", {"content_type": "text/plain"}, "content_type describes a body"),
        ("POST", {"body": "text"}, "body must be bytes, got str"),
    ],
)
def test_client_refuses_conflicting_bodies(
    client: Client, method: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        client.request(method, "/", **options)


def test_client_headers_client_wide_and_per_request(echo_app: WSGIApp) -> None:
    client = Client(echo_app, headers={"Accept": "text/html", "X-Client": "1"})
    seen = client.get("/", headers={"accept": "application/json", "X-Request": "2"}).json()
    assert seen["headers"] == {
        "HTTP_HOST": "testserver",
        "HTTP_SEC_FETCH_SITE": "same-origin",
        "HTTP_ACCEPT": "application/json",
        "HTTP_X_CLIENT": "1",
        "HTTP_X_REQUEST": "2",
    }


def test_client_headers_may_override_derived_ones(client: Client) -> None:
    seen = client.post(
        "/", json=1, headers={"Host": "evil.example", "Content-Type": "text/plain"}
    ).json()
    assert seen["headers"]["HTTP_HOST"] == "evil.example"
    assert seen["server"] == ["testserver", "443"]
    assert seen["content_type"] == "text/plain"


def test_client_refuses_an_unsafe_header(client: Client) -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        client.get("/", headers={"X": "a\r\nInjected: 1"})


def test_client_environ_overrides(client: Client) -> None:
    assert client.get("/", environ={"REMOTE_ADDR": "10.1.2.3"}).json()["remote_addr"] == "10.1.2.3"


def test_client_head_returns_an_empty_body(client: Client) -> None:
    response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""


class StreamedBody:
    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield b"one "
        yield b"two"

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(("method", "expected"), [("GET", b"one two"), ("HEAD", b"")])
def test_client_consumes_and_closes_a_streamed_body(method: str, expected: bytes) -> None:
    body = StreamedBody()

    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    response = Client(app).request(method, "/")
    assert response.content == expected
    assert body.closed


def test_client_propagates_what_the_application_raises(echo_app: WSGIApp) -> None:
    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        raise KeyError("broken adapter")

    for raise_server_exceptions in (True, False):
        client = Client(app, raise_server_exceptions=raise_server_exceptions)
        with pytest.raises(KeyError, match="broken adapter"):
            client.get("/")
