from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

import pytest

from bastion.testing import Client
from bastion.types import StartResponse, WSGIApp, WSGIEnviron

request_logger = logging.getLogger("bastion.request")


def _app(log: Callable[[], None], status: str = "500 Internal Server Error") -> WSGIApp:
    """An application that, like Bastion's error handling, logs and answers an error page."""

    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        log()
        start_response(status, [("Content-Type", "text/plain")])
        return [b"error page"]

    return app


def _log_failure() -> None:
    try:
        raise ZeroDivisionError("view bug")
    except ZeroDivisionError as exc:
        request_logger.error(
            "Internal Server Error: GET /", exc_info=(type(exc), exc, exc.__traceback__)
        )


def test_client_reraises_a_logged_server_error() -> None:
    client = Client(_app(_log_failure))
    with pytest.raises(ZeroDivisionError, match="view bug") as info:
        client.get("/")
    assert any("Re-raised by the test client" in note for note in info.value.__notes__)
    assert any("500 Internal Server Error" in note for note in info.value.__notes__)
    assert request_logger.handlers == []


def test_client_returns_the_error_page_when_asked() -> None:
    response = Client(_app(_log_failure), raise_server_exceptions=False).get("/")
    assert (response.status_code, response.content) == (500, b"error page")


def test_client_reraises_the_first_of_several_errors() -> None:
    def log_twice() -> None:
        _log_failure()
        try:
            raise KeyError("error page hook bug")
        except KeyError:
            request_logger.exception("The project's error page hook failed")

    with pytest.raises(ZeroDivisionError):
        Client(_app(log_twice)).get("/")


def test_client_ignores_errors_logged_without_a_traceback() -> None:
    def log_plain() -> None:
        request_logger.error("something went wrong")
        request_logger.info("GET / 200", exc_info=False)

    assert Client(_app(log_plain, "200 OK")).get("/").status_code == 200


def test_client_ignores_errors_logged_by_other_threads() -> None:
    def log_elsewhere() -> None:
        thread = threading.Thread(target=_log_failure)
        thread.start()
        thread.join()

    assert Client(_app(log_elsewhere, "200 OK")).get("/").status_code == 200


def test_client_ignores_other_loggers() -> None:
    def log_other() -> None:
        try:
            raise ValueError("handled by the view")
        except ValueError:
            logging.getLogger("myproject").exception("handled")

    assert Client(_app(log_other, "200 OK")).get("/").status_code == 200


def test_client_removes_its_log_handler_when_the_application_raises() -> None:
    def explode() -> None:
        raise RuntimeError("adapter bug")

    with pytest.raises(RuntimeError):
        Client(_app(explode)).get("/")
    assert request_logger.handlers == []
