"""Real-browser fixtures: Debian's Chromium driven by Playwright, and WSGI apps on loopback.

Without Chromium or the ``playwright`` package these tests skip with a hint; under
``CI=true`` they fail instead, because a green CI run must mean the browser was exercised.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from bastion.types import WSGIApp

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_browser() -> None:
    """Skip (or, under ``CI=true``, fail) unless Playwright and Debian's Chromium are here."""
    problems = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the `playwright` package is not installed (pip install -e '.[dev]')")
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        problems.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    if not problems:
        return
    message = "; ".join(problems) + ". Never run `playwright install`: Debian's browser is used."
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} CI=true requires the browser tests.", pytrace=False)
    pytest.skip(message)


class _QuietHandler(WSGIRequestHandler):
    timeout = 5  # an idle preconnected socket must not hold up shutdown

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(WSGIServer):
    """One thread per connection (Chromium opens several); server_close() joins them."""

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address)
        )
        self._threads.append(thread)
        thread.start()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        for thread in self._threads:
            thread.join()


class LiveServer:
    """A WSGI app served on 127.0.0.1 at a free port, from a background thread."""

    def __init__(self, app: WSGIApp) -> None:
        self.server = make_server(
            "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self.server._threads = []  # type: ignore[attr-defined]
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Any]:
    """``serve(app)`` starts a LiveServer; every one is stopped and joined at test end."""
    servers: list[LiveServer] = []

    def start(app: WSGIApp) -> LiveServer:
        server = LiveServer(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, serve: Any) -> Iterator[Any]:
    """A fresh browser context (own cookies) and page, closed before the servers stop."""
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()
