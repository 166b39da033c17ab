from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from bastion.testing._wsgi import build_environ, check_header, run_wsgi
from bastion.types import StartResponse, WSGIEnviron


def test_build_environ_follows_pep_3333() -> None:
    environ = build_environ(
        "POST",
        "https://testserver:8443/mount/caf%C3%A9/x%2Fy?q=%C3%A9&a=1",
        script_name="/mount",
        headers=[("Host", "testserver:8443"), ("Content-Type", "text/plain"), ("X-Trace", "1")],
        body=b"hello",
    )
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["SCRIPT_NAME"] == "/mount"
    assert environ["PATH_INFO"] == "/café/x/y".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "q=%C3%A9&a=1"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("testserver", "8443")
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert environ["REMOTE_ADDR"] == "127.0.0.1"
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["wsgi.version"] == (1, 0)
    assert environ["wsgi.input"].read() == b"hello"
    assert environ["wsgi.errors"].write("x") == 1
    assert environ["HTTP_HOST"] == "testserver:8443"
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["HTTP_X_TRACE"] == "1"
    assert "CONTENT_LENGTH" not in environ
    assert not environ["wsgi.multithread"]
    assert not environ["wsgi.run_once"]


@pytest.mark.parametrize(("url", "port"), [("http://h/", "80"), ("https://h/", "443")])
def test_build_environ_default_ports(url: str, port: str) -> None:
    environ = build_environ("GET", url, script_name="", headers=[], body=None)
    assert environ["SERVER_PORT"] == port
    assert environ["wsgi.input"].read() == b""


def test_build_environ_extra_keys_win() -> None:
    environ = build_environ(
        "GET", "http://h/", script_name="", headers=[], body=None, extra={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert environ["REMOTE_ADDR"] == "10.0.0.9"


def test_build_environ_root_path_equal_to_mount() -> None:
    environ = build_environ("GET", "http://h/mount", script_name="/mount", headers=[], body=None)
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/mount", "")


@pytest.mark.parametrize("url", ["http://h/mountain", "http://h/"])
def test_build_environ_refuses_paths_outside_the_mount(url: str) -> None:
    with pytest.raises(ValueError, match="not below"):
        build_environ("GET", url, script_name="/mount", headers=[], body=None)


@pytest.mark.parametrize(
    ("name", "value", "error", "message"),
    [
        ("Bad Name", "v", ValueError, "invalid header name"),
        ("X", "a\r\nB: c", ValueError, "CR, LF or NUL"),
        ("X", "snow ☃", ValueError, "ISO-8859-1"),
        ("X", 5, TypeError, "not \\(str, str\\)"),
    ],
)
def test_check_header_refuses_what_a_server_cannot_send(
    name: str, value: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        check_header(name, value, sender="The test")


def test_check_header_accepts_latin1() -> None:
    check_header("X", "café", sender="The test")


def _environ() -> WSGIEnviron:
    return build_environ("GET", "http://h/", script_name="", headers=[], body=None)


App = Callable[[WSGIEnviron, StartResponse], Iterable[bytes]]


def test_run_wsgi_collects_status_headers_and_body() -> None:
    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        start_response("201 Created", [("X-A", "1")])
        return [b"a", b"", b"b"]

    result = run_wsgi(app, _environ())
    assert (result.status, result.headers, result.body) == ("201 Created", [("X-A", "1")], b"ab")


class Closing:
    """A body iterable that records whether the server closed it."""

    def __init__(self, chunks: Iterable[Any], fail: bool = False) -> None:
        self.chunks = chunks
        self.fail = fail
        self.closed = False

    def __iter__(self) -> Iterator[Any]:
        yield from self.chunks
        if self.fail:
            raise RuntimeError("boom while streaming")

    def close(self) -> None:
        self.closed = True


def test_run_wsgi_closes_the_iterable() -> None:
    body = Closing([b"x"])

    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        return body

    assert run_wsgi(app, _environ()).body == b"x"
    assert body.closed


def test_run_wsgi_closes_the_iterable_when_streaming_fails() -> None:
    body = Closing([b"x"], fail=True)

    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        return body

    with pytest.raises(RuntimeError, match="boom while streaming"):
        run_wsgi(app, _environ())
    assert body.closed


def test_run_wsgi_start_response_may_come_late() -> None:
    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterator[bytes]:
        yield b""
        start_response("200 OK", [])
        yield b"late"

    assert run_wsgi(app, _environ()).body == b"late"


def test_run_wsgi_supports_the_write_callable() -> None:
    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        write = start_response("200 OK", [])
        write(b"written ")
        return [b"returned"]

    assert run_wsgi(app, _environ()).body == b"written returned"


def test_run_wsgi_exc_info_before_the_body_replaces_the_status() -> None:
    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("X-A", "1")])
        try:
            raise ValueError("late failure")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"error"]

    result = run_wsgi(app, _environ())
    assert (result.status, result.headers, result.body) == (
        "500 Internal Server Error",
        [],
        b"error",
    )


def test_run_wsgi_exc_info_after_the_body_reraises() -> None:
    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [])
        yield b"partial"
        try:
            raise ValueError("too late")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())

    with pytest.raises(ValueError, match="too late"):
        run_wsgi(app, _environ())


def _app(status: Any = "200 OK", headers: Any = None, body: Any = (b"",)) -> App:
    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        start_response(status, [] if headers is None else headers)
        return body  # type: ignore[no-any-return]

    return app


@pytest.mark.parametrize(
    ("app", "error", "message"),
    [
        (_app(status="200"), ValueError, "invalid status line"),
        (_app(status=200), ValueError, "invalid status line"),
        (_app(status="200 OK\r\nX: y"), ValueError, "invalid status line"),
        (_app(headers=(("A", "b"),)), TypeError, "not a list"),
        (_app(headers=[("A", "b", "c")]), TypeError, "not a pair"),
        (_app(headers=[["A", "b"]]), TypeError, "not a pair"),
        (_app(headers=[("A", "b\nc")]), ValueError, "The application gave header 'A'"),
        (_app(headers=[("Connection", "close")]), ValueError, "hop-by-hop"),
        (_app(headers=[("Transfer-Encoding", "chunked")]), ValueError, "hop-by-hop"),
        (_app(body=["text"]), TypeError, "body chunk of type str"),
    ],
)
def test_run_wsgi_refuses_protocol_violations(
    app: App, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        run_wsgi(app, _environ())


def test_run_wsgi_refuses_start_response_twice() -> None:
    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        start_response("200 OK", [])
        return []

    with pytest.raises(RuntimeError, match="twice"):
        run_wsgi(app, _environ())


def test_run_wsgi_refuses_a_body_before_start_response() -> None:
    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        return [b"x"]

    with pytest.raises(RuntimeError, match="before calling start_response"):
        run_wsgi(app, _environ())


def test_run_wsgi_refuses_a_missing_start_response() -> None:
    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        return []

    with pytest.raises(RuntimeError, match="without calling start_response"):
        run_wsgi(app, _environ())
