from __future__ import annotations

import logging
import re
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from bastion.cli import cli
from bastion.cli.commands import runserver
from bastion.cli.commands.runserver import (
    Address,
    DevServer,
    _site_on_this_server,
    check_address,
    make_server,
    parse_addrport,
    serve,
)
from bastion.cli.discovery import ProjectContext


def hello_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"hello {environ['PATH_INFO']}".encode()]


@pytest.mark.parametrize(
    ("value", "host", "port"),
    [
        (None, "127.0.0.1", 8000),
        ("", "127.0.0.1", 8000),
        ("8001", "127.0.0.1", 8001),
        ("0.0.0.0:8000", "0.0.0.0", 8000),
        ("127.0.0.1:9000", "127.0.0.1", 9000),
        ("localhost:8080", "localhost", 8080),
        ("localhost", "localhost", 8000),
        ("[::1]:8000", "::1", 8000),
        ("[::]:8001", "::", 8001),
        ("[::1]", "::1", 8000),
        ("dev-box.local:80", "dev-box.local", 80),
        (" 8002 ", "127.0.0.1", 8002),
    ],
)
def test_parse_addrport(value: str | None, host: str, port: int) -> None:
    assert parse_addrport(value) == Address(host, port)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "port must be a number from 1 to 65535"),
        ("70000", "port must be a number from 1 to 65535"),
        ("127.0.0.1:", "port must be a number"),
        ("127.0.0.1:http", "port must be a number"),
        ("::1:8000", "IPv6 address in brackets"),
        ("[::1", "write an IPv6 address as [::1]:8000"),
        ("[::1]8000", "write an IPv6 address as [::1]:8000"),
        ("[not-ip]:8000", "is not an IPv6 address"),
        ("[127.0.0.1]:8000", "is not an IPv6 address"),
        (":8000", "expected HOST:PORT"),
        ("bad host:8000", "expected HOST:PORT"),
        ("-x:8000", "expected HOST:PORT"),
    ],
)
def test_parse_addrport_refuses(value: str, message: str) -> None:
    with pytest.raises(click.BadParameter, match=re.escape(message)):
        parse_addrport(value)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("dev-box.local", False),
        ("localhost.example.com", False),
    ],
)
def test_address_is_loopback(host: str, loopback: bool) -> None:
    assert Address(host, 8000).is_loopback is loopback


def test_address_url() -> None:
    assert Address("127.0.0.1", 8000).url == "http://127.0.0.1:8000/"
    assert Address("::1", 8001).url == "http://[::1]:8001/"


@pytest.mark.parametrize(
    ("site", "address", "shown"),
    [
        ("http://localhost:8000", Address("127.0.0.1", 8000), "http://localhost:8000/"),
        ("http://localhost:8000/", Address("::1", 8000), "http://localhost:8000/"),
        ("http://127.0.0.1:8000", Address("127.0.0.1", 8000), None),  # the same URL
        ("http://localhost:8001", Address("127.0.0.1", 8000), None),  # another server
        ("https://localhost:8000", Address("127.0.0.1", 8000), None),  # runserver is http
        ("http://example.com:8000", Address("127.0.0.1", 8000), None),  # not this machine
        ("http://localhost:8000", Address("0.0.0.0", 8000), None),
        ("", Address("127.0.0.1", 8000), None),
    ],
)
def test_the_banner_points_at_site_url_when_it_names_this_server(
    site: str, address: Address, shown: str | None
) -> None:
    assert _site_on_this_server(site, address) == shown


def test_check_address_loopback_needs_no_flag() -> None:
    assert check_address(Address("127.0.0.1", 8000), allow_remote=False) is None
    assert check_address(Address("::1", 8000), allow_remote=True) is None


def test_check_address_refuses_remote_without_flag() -> None:
    with pytest.raises(click.UsageError, match="--allow-remote") as info:
        check_address(Address("0.0.0.0", 8000), allow_remote=False)
    assert info.value.exit_code == 2


def test_check_address_warns_for_remote_with_flag() -> None:
    warning = check_address(Address("0.0.0.0", 8000), allow_remote=True)
    assert warning is not None
    assert "reachable from other machines" in warning


def test_runserver_command_refuses_remote_before_loading_app(
    runner: CliRunner, tmp_path: Path
) -> None:
    project = ProjectContext(cwd=tmp_path, environ={})  # no app anywhere
    result = runner.invoke(cli, ["runserver", "0.0.0.0:8000"], obj=project)
    assert result.exit_code == 2
    assert "Refusing to serve on 0.0.0.0" in result.stderr
    assert not project.loaded


def test_runserver_command_bad_addrport(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["runserver", "nope:port"])
    assert result.exit_code == 2
    assert "port must be a number" in result.stderr


@pytest.fixture
def running() -> Iterator[Callable[[Address, Any], DevServer]]:
    """Start a DevServer in a thread; stop it afterwards."""
    started: list[tuple[DevServer, threading.Thread]] = []

    def start(address: Address, app: Any) -> DevServer:
        server = make_server(address, app)
        thread = threading.Thread(target=serve, args=(server,), daemon=True)
        thread.start()
        started.append((server, thread))
        return server

    yield start
    for server, thread in started:
        server.shutdown()
        thread.join(5)


def test_dev_server_serves_wsgi_app_on_ipv4(running: Callable[[Address, Any], DevServer]) -> None:
    server = running(Address("127.0.0.1", 0), hello_wsgi)
    assert server.server_name == "127.0.0.1"
    with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/x", timeout=5) as r:
        assert r.read() == b"hello /x"
    assert server.daemon_threads


def test_dev_server_serves_on_ipv6(running: Callable[[Address, Any], DevServer]) -> None:
    if not socket.has_ipv6:  # pragma: no cover - depends on the machine
        pytest.skip("no IPv6")
    try:
        server = running(Address("::1", 0), hello_wsgi)
    except click.ClickException:  # pragma: no cover - IPv6 disabled on loopback
        pytest.skip("IPv6 loopback unavailable")
    assert server.address_family == socket.AF_INET6
    with urllib.request.urlopen(f"http://[::1]:{server.server_port}/six", timeout=5) as r:
        assert r.read() == b"hello /six"


def test_dev_server_logs_requests_at_debug_only(
    running: Callable[[Address, Any], DevServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = running(Address("127.0.0.1", 0), hello_wsgi)
    with caplog.at_level(logging.DEBUG, logger="bastion.server"):
        urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/", timeout=5).close()
        server.shutdown()  # the log line is written after the response is sent
    records = [r for r in caplog.records if r.name == "bastion.server"]
    assert records
    assert all(r.levelno == logging.DEBUG for r in records)


def test_make_server_reports_address_in_use() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(
            click.ClickException, match=f"Cannot listen on http://127.0.0.1:{port}/"
        ):
            make_server(Address("127.0.0.1", port), hello_wsgi)


def test_handle_error_quiet_for_disconnects(caplog: pytest.LogCaptureFixture) -> None:
    server = make_server(Address("127.0.0.1", 0), hello_wsgi)
    try:
        with caplog.at_level(logging.DEBUG, logger="bastion.server"):
            try:
                raise BrokenPipeError("gone")
            except BrokenPipeError:
                server.handle_error(None, ("127.0.0.1", 1))
            try:
                raise ValueError("bug")
            except ValueError:
                server.handle_error(None, ("127.0.0.1", 2))
    finally:
        server.server_close()
    levels = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "bastion.server"]
    assert levels[0][0] == logging.DEBUG
    assert "went away" in levels[0][1]
    assert levels[1][0] == logging.ERROR
    assert caplog.records[1].exc_info is not None


def test_serve_stops_cleanly_on_keyboard_interrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    server = make_server(Address("127.0.0.1", 0), hello_wsgi)

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(server, "serve_forever", interrupted)
    serve(server)  # returns instead of raising
    assert server.socket.fileno() == -1


# -- the command ---------------------------------------------------------------------------


class FakeServer:
    """Stands in for a bound DevServer."""


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace the blocking parts: serving and the reloader record their arguments."""
    calls: dict[str, Any] = {}

    def fake_make_server(address: Address, app: Any) -> FakeServer:
        calls["make_server"] = (address, app)
        return FakeServer()

    def fake_serve(server: FakeServer) -> None:
        calls["serve"] = server

    def fake_reloader(app_ref: str, address: Address, project_dir: Path) -> None:
        calls["reloader"] = (app_ref, address, project_dir)

    monkeypatch.setattr(runserver, "make_server", fake_make_server)
    monkeypatch.setattr(runserver, "serve", fake_serve)
    monkeypatch.setattr(runserver, "run_with_reloader", fake_reloader)
    monkeypatch.setattr(
        runserver, "_ensure_free", lambda address: calls.setdefault("free", address)
    )
    return calls


def test_runserver_noreload_serves_app(
    runner: CliRunner, project: Path, no_serving: dict[str, Any]
) -> None:
    result = runner.invoke(cli, ["runserver", "--noreload", "8123"])
    assert result.exit_code == 0, result.output
    address, app = no_serving["make_server"]
    assert address == Address("127.0.0.1", 8123)
    assert type(app).__name__ == "Bastion"
    assert "serve" in no_serving
    assert "reloader" not in no_serving
    assert "http://127.0.0.1:8123/" in result.output
    assert "DEBUG on, without autoreload" in result.output
    assert "CONTROL-C" in result.output
    assert "DEBUG is off" not in result.stderr


def test_runserver_with_reload_starts_reloader(
    runner: CliRunner, project: Path, no_serving: dict[str, Any]
) -> None:
    result = runner.invoke(cli, ["runserver"])
    assert result.exit_code == 0, result.output
    app_ref, address, project_dir = no_serving["reloader"]
    assert app_ref == "clipkg.wsgi:application"
    assert address == Address("127.0.0.1", 8000)
    assert project_dir == project.resolve()
    assert no_serving["free"] == address
    assert "with autoreload" in result.output


def test_runserver_given_app_cannot_reload(
    runner: CliRunner, project: Path, no_serving: dict[str, Any]
) -> None:
    from bastion.cli.discovery import load_app, parse_app_ref

    app = load_app(parse_app_ref("clipkg.wsgi:application", "test"), cwd=project)
    result = runner.invoke(cli, ["runserver"], obj=ProjectContext(app=app))
    assert result.exit_code == 0, result.output
    assert "reloader" not in no_serving
    assert "without autoreload" in result.output


def test_runserver_remote_with_flag_warns(
    runner: CliRunner, project: Path, no_serving: dict[str, Any]
) -> None:
    result = runner.invoke(cli, ["runserver", "--noreload", "--allow-remote", "0.0.0.0:8000"])
    assert result.exit_code == 0, result.output
    assert "reachable from other machines" in result.stderr


def test_runserver_warns_when_debug_off(
    runner: CliRunner, make_project: Callable[..., Path], no_serving: dict[str, Any]
) -> None:
    make_project("prodpkg", debug=False, hosts=("localhost",))
    result = runner.invoke(cli, ["runserver", "--noreload"])
    assert result.exit_code == 0, result.output
    assert "DEBUG is off" in result.stderr
    assert "DEBUG off" in result.output


def test_runserver_configures_logging(
    runner: CliRunner, project: Path, no_serving: dict[str, Any]
) -> None:
    from bastion.logging import HANDLER_NAME

    runner.invoke(cli, ["runserver", "--noreload"])
    names = [h.get_name() for h in logging.getLogger("bastion").handlers]
    assert names.count(HANDLER_NAME) == 1


def test_runserver_outside_project(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["runserver"], obj=ProjectContext(cwd=tmp_path, environ={}))
    assert result.exit_code == 2
    assert "bastion startproject" in result.stderr


# -- the reloader ----------------------------------------------------------------------------


def test_run_with_reloader_watches_project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import watchfiles

    seen: dict[str, Any] = {}

    def fake_run_process(*paths: Any, **kwargs: Any) -> int:
        seen["paths"] = paths
        seen.update(kwargs)
        return 0

    monkeypatch.setattr(watchfiles, "run_process", fake_run_process)
    runserver.run_with_reloader("pkg.wsgi:application", Address("::1", 8001), tmp_path)
    assert seen["paths"] == (tmp_path,)
    assert seen["target"] is runserver._serve_child
    assert seen["args"] == ("pkg.wsgi:application", str(tmp_path), "::1", 8001)
    assert logging.getLogger("watchfiles").level == logging.ERROR
    watch_filter = seen["watch_filter"]
    added = watchfiles.Change.added
    assert watch_filter(added, str(tmp_path / "pkg" / "views.py"))
    assert watch_filter(added, str(tmp_path / "templates" / "base.html"))
    assert watch_filter(added, str(tmp_path / "static" / "site.css"))
    assert watch_filter(added, str(tmp_path / "static" / "app.js"))
    assert watch_filter(added, str(tmp_path / "pyproject.toml"))
    assert not watch_filter(added, str(tmp_path / "notes.txt"))
    assert not watch_filter(added, str(tmp_path / "db.sqlite3"))
    assert not watch_filter(added, str(tmp_path / "__pycache__" / "views.py"))
    assert not watch_filter(added, str(tmp_path / ".venv" / "lib" / "x.py"))
    assert not watch_filter(added, str(tmp_path / "staticfiles" / "site.css"))
    assert callable(seen["callback"])


def test_report_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import watchfiles

    report = runserver._report_changes(tmp_path)
    modified = watchfiles.Change.modified
    report({(modified, str(tmp_path / "a.py"))})
    assert capsys.readouterr().err == "Changed: a.py. Restarting.\n"
    report({(modified, str(tmp_path / f"{name}.py")) for name in "abcde"})
    assert capsys.readouterr().err == "Changed: a.py, b.py, c.py and 2 more. Restarting.\n"
    report({(modified, "/elsewhere/x.html")})
    assert "/elsewhere/x.html" in capsys.readouterr().err


def test_serve_child_loads_app_and_serves(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[Any] = []
    monkeypatch.setattr(runserver, "serve", served.append)
    runserver._serve_child("clipkg.wsgi:application", str(project), "127.0.0.1", 0)
    assert len(served) == 1
    server = served[0]
    assert isinstance(server, DevServer)
    assert type(server.get_app()).__name__ == "Bastion"
    server.server_close()


def test_serve_child_reports_broken_project_and_exits(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        runserver._serve_child("clipkg.nosuch:application", str(project), "127.0.0.1", 0)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "Cannot import 'clipkg.nosuch'" in err
    assert "Waiting for a change" in err


def test_serve_child_reports_configuration_error(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project("badpkg", debug=False)  # no ALLOWED_HOSTS with DEBUG off
    with pytest.raises(SystemExit):
        runserver._serve_child("badpkg.wsgi:application", str(root), "127.0.0.1", 0)
    assert "ALLOWED_HOSTS is empty" in capsys.readouterr().err


def test_ensure_free_detects_busy_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(click.ClickException, match="Cannot listen"):
            runserver._ensure_free(Address("127.0.0.1", sock.getsockname()[1]))
    runserver._ensure_free(Address("127.0.0.1", 0))
