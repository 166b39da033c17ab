"""``bastion runserver``: the development server, with autoreload.

A development tool, so it is built to stay one (STYLE.md, Avoid 12): it listens on loopback
unless ``--allow-remote`` is given, says so loudly when DEBUG is off, and is the standard
library's ``wsgiref`` server with a thread per request, never meant to face the internet.
Production runs ``gunicorn project.wsgi:application`` behind a reverse proxy.

With autoreload (the default) the parent process only watches the project's files, using
``watchfiles``; the server runs in a child process that is replaced after every change to a
``.py``, ``.html``, ``.css``, ``.js`` or ``.toml`` file.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import socketserver
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import click

from bastion.cli.discovery import ProjectContext, load_app, parse_app_ref, pass_project
from bastion.exceptions import ImproperlyConfigured
from bastion.logging import configure_logging

if TYPE_CHECKING:
    from collections.abc import Callable

    from watchfiles import Change

    from bastion.app import Bastion
    from bastion.types import WSGIApp

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "RELOAD_SUFFIXES",
    "Address",
    "DevServer",
    "make_server",
    "parse_addrport",
    "run_with_reloader",
    "runserver_command",
    "serve",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
RELOAD_SUFFIXES = (".py", ".html", ".css", ".js", ".toml")
"""Files whose change restarts the server."""
IGNORED_DIRS = ("staticfiles", "venv", "env", ".ruff_cache", "htmlcov", "build", "dist")
"""Directories never watched, on top of watchfiles' defaults (``.git``, ``.venv``...)."""

_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")

_SHOWN_CHANGES = 3

server_logger = logging.getLogger("bastion.server")


@dataclass(frozen=True, slots=True)
class Address:
    """Where the server listens.

    Attributes:
        host: a host name or an IP address (IPv6 without brackets).
        port: the TCP port.
    """

    host: str
    port: int

    @property
    def is_ipv6(self) -> bool:
        """Whether ``host`` is an IPv6 address."""
        return ":" in self.host

    @property
    def url(self) -> str:
        """The address as a URL to open in a browser."""
        host = f"[{self.host}]" if self.is_ipv6 else self.host
        return f"http://{host}:{self.port}/"

    @property
    def is_loopback(self) -> bool:
        """Whether only this machine can connect: ``localhost`` or a loopback address.

        Any other name counts as remote: it may resolve to anything.
        """
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def _port(text: str, value: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise click.BadParameter(f"{value!r}: the port must be a number from 1 to 65535.")
    return int(text)


def parse_addrport(value: str | None) -> Address:
    """Parse ``ADDRPORT``: ``8001``, ``0.0.0.0:8000``, ``localhost:8000``, ``[::1]:8000``.

    A bare port listens on 127.0.0.1; a host without a port uses 8000. IPv6 addresses go in
    brackets.

    Raises:
        click.BadParameter: the value is not one of those forms.
    """
    if value is None or not value.strip():
        return Address(DEFAULT_HOST, DEFAULT_PORT)
    value = value.strip()
    if value.isdigit():
        return Address(DEFAULT_HOST, _port(value, value))
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise click.BadParameter(f"{value!r}: write an IPv6 address as [::1]:8000.")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise click.BadParameter(f"{value!r}: {host!r} is not an IPv6 address.") from None
        return Address(host, _port(rest[1:], value) if rest else DEFAULT_PORT)
    host, colon, port_text = value.rpartition(":")
    port: str | None = port_text
    if not colon:
        host, port = value, None
    if ":" in host:
        raise click.BadParameter(f"{value!r}: write an IPv6 address in brackets, as [::1]:8000.")
    if not _HOST.fullmatch(host):
        raise click.BadParameter(f"{value!r}: expected HOST:PORT, such as 127.0.0.1:8000.")
    return Address(host, _port(port, value) if port is not None else DEFAULT_PORT)


def check_address(address: Address, *, allow_remote: bool) -> str | None:
    """Refuse a non-loopback address unless allowed; return a warning to show, if any.

    Args:
        address: where the server would listen.
        allow_remote: the user passed ``--allow-remote``.

    Raises:
        click.UsageError: the address is not loopback and ``allow_remote`` is false.
    """
    if address.is_loopback:
        return None
    if not allow_remote:
        raise click.UsageError(
            f"Refusing to serve on {address.host}: the development server listens on "
            "loopback only (127.0.0.1, [::1], localhost). Pass --allow-remote if other "
            "machines really must reach it; never use it in production (use gunicorn)."
        )
    return (
        f"Warning: serving on {address.host}, reachable from other machines. The development "
        "server is not hardened; with DEBUG on, error pages show code and settings. Remote "
        "clients also need their Host in ALLOWED_HOSTS."
    )


class _RequestHandler(WSGIRequestHandler):
    """wsgiref's handler, quiet: the application writes the access log (``bastion.request``)."""

    def log_message(self, format: str, *args: Any) -> None:  # base class's parameter name
        """Keep wsgiref's own request line at DEBUG, so requests are not logged twice."""
        server_logger.debug(format, *args)


class DevServer(socketserver.ThreadingMixIn, WSGIServer):
    """``wsgiref``'s server with a thread per request, IPv4 or IPv6.

    Threads are daemons so that Ctrl-C stops the server without waiting for a slow client.
    """

    daemon_threads = True

    def __init__(self, address: Address) -> None:
        self.address_family = socket.AF_INET6 if address.is_ipv6 else socket.AF_INET
        super().__init__((address.host, address.port), _RequestHandler)

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse-DNS lookup, which can stall start-up."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed connection; a client hanging up early is routine, not an error.

        Args:
            request: the client's socket.
            client_address: the client's address, for the log line.
        """
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            server_logger.debug("Client %s went away: %s", client_address, error)
        else:
            server_logger.exception("Error while serving %s", client_address)


def make_server(address: Address, app: WSGIApp) -> DevServer:
    """Bind a :class:`DevServer` to ``address`` serving ``app``.

    Args:
        address: where to listen; port 0 picks a free port (read ``server.server_port``).
        app: the WSGI application.

    Raises:
        click.ClickException: the address cannot be bound (in use, not local, no permission).
    """
    try:
        server = DevServer(address)
    except OSError as exc:
        raise click.ClickException(
            f"Cannot listen on {address.url}: {exc.strerror or exc}."
        ) from None
    server.set_app(app)
    return server


def serve(server: DevServer) -> None:
    """Serve until Ctrl-C (or SIGINT from the reloader), then close the socket cleanly."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _banner(app: Bastion, address: Address, *, reload: bool) -> str:
    debug = "on" if app.settings.DEBUG else "off"
    reloading = "with autoreload" if reload else "without autoreload"
    site = _site_on_this_server(str(app.settings.SITE_URL or ""), address)
    hint = f"Open {site} (SITE_URL: reset links and passkeys use it).\n" if site else ""
    return (
        f"Bastion development server at {address.url} (DEBUG {debug}, {reloading}).\n"
        f"{hint}Quit with CONTROL-C."
    )


def _site_on_this_server(site_url: str, address: Address) -> str | None:
    """``SITE_URL`` when it names this loopback server by another name, else None.

    The demo and new projects say ``http://localhost:8000`` (browsers refuse an IP address
    for passkeys) while the server listens on ``127.0.0.1``: a page opened there would be
    another origin than the one reset links and passkeys are made for.
    """
    site = urlsplit(site_url)
    if site.scheme != "http" or site.hostname is None or site.port != address.port:
        return None
    same = Address(site.hostname, address.port)
    if not (same.is_loopback and address.is_loopback) or same.url == address.url:
        return None
    return same.url


def _serve_child(app_ref: str, cwd: str, host: str, port: int) -> None:
    """The reloader's child process: load the application afresh and serve it.

    A project that fails to load after an edit prints the error and exits; the parent keeps
    watching and starts a new child on the next change.
    """
    try:
        app = load_app(parse_app_ref(app_ref, "--app"), cwd=Path(cwd))
        configure_logging(app.settings)
        server = make_server(Address(host, port), app)
    except (ImproperlyConfigured, click.ClickException) as exc:
        message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        click.echo(f"Error: {message}\nWaiting for a change to retry.", err=True)
        raise SystemExit(1) from None
    serve(server)


class _SourceFilter:
    """Which changes restart the server: source files, outside ignored directories."""

    def __init__(self) -> None:
        from watchfiles import DefaultFilter

        self._default = DefaultFilter(
            ignore_dirs=(*DefaultFilter.ignore_dirs, *IGNORED_DIRS),
        )

    def __call__(self, change: Change, path: str) -> bool:
        return path.endswith(RELOAD_SUFFIXES) and self._default(change, path)


def _report_changes(project_dir: Path) -> Callable[[set[tuple[Change, str]]], None]:
    def report(changes: set[tuple[Change, str]]) -> None:
        """Say which files changed (a few of them) before the restart."""
        paths = sorted({_relative(Path(path), project_dir) for _, path in changes})
        shown = ", ".join(paths[:_SHOWN_CHANGES])
        if len(paths) > _SHOWN_CHANGES:
            shown += f" and {len(paths) - _SHOWN_CHANGES} more"
        click.echo(f"Changed: {shown}. Restarting.", err=True)

    return report


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def run_with_reloader(app_ref: str, address: Address, project_dir: Path) -> None:
    """Serve in a child process that is restarted whenever a project source file changes.

    ``watchfiles.run_process`` handles Ctrl-C: the child gets SIGINT and exits cleanly.

    Args:
        app_ref: ``module:attr`` of the application, loaded afresh by each child.
        address: where the child listens.
        project_dir: the folder watched (recursively) and put on the child's ``sys.path``.
    """
    from watchfiles import run_process

    # watchfiles reports its own signal handling as warnings; the banner already says how
    # to quit, so keep its logger to errors.
    logging.getLogger("watchfiles").setLevel(logging.ERROR)
    run_process(
        project_dir,
        target=_serve_child,
        args=(app_ref, str(project_dir), address.host, address.port),
        watch_filter=_SourceFilter(),
        callback=_report_changes(project_dir),
    )


def _ensure_free(address: Address) -> None:
    """Fail early, in the parent, when the address cannot be listened on.

    Raises:
        click.ClickException: as :func:`make_server`.
    """
    make_server(address, _no_app).server_close()


def _no_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:  # pragma: no cover
    return []


@click.command("runserver")
@click.argument("addrport", required=False, metavar="[ADDRPORT]")
@click.option("--noreload", "--no-reload", "noreload", is_flag=True, help="Disable autoreload.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a non-loopback address such as 0.0.0.0 (other machines can connect).",
)
@pass_project
def runserver_command(
    project: ProjectContext, addrport: str | None, noreload: bool, allow_remote: bool
) -> None:
    """Serve the project for development (default 127.0.0.1:8000).

    ADDRPORT is PORT, HOST:PORT or [IPV6]:PORT. Only for development: use gunicorn in
    production.
    """
    address = parse_addrport(addrport)
    warning = check_address(address, allow_remote=allow_remote)
    app = project.load_app()
    configure_logging(app.settings)
    if warning:
        click.echo(warning, err=True)
    if not app.settings.DEBUG:
        click.echo(
            "Warning: DEBUG is off. Static files are not served by the application and errors "
            "show no details; set BASTION_DEBUG=true for development.",
            err=True,
        )
    reload = not noreload and project.loaded_from is not None
    if not reload:
        server = make_server(address, app)
        click.echo(_banner(app, address, reload=False))
        serve(server)
        return
    _ensure_free(address)
    click.echo(_banner(app, address, reload=True))
    run_with_reloader(str(project.loaded_from), address, project.project_dir)
