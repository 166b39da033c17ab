"""Over-the-wire measure: each app behind gunicorn on loopback, loaded by wrk.

gunicorn runs as deployed (``-w 2 -k gthread --threads 4``, access log off); wrk keeps
32 connections busy (``wrk -t2 -c32``). Both share this machine's cores, so the figures
are comparable to each other, not to a TechEmpower run on dedicated hardware.
"""

from __future__ import annotations

import http.client
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import IO, Any

from bench.apps import TARGETS
from bench.headers import BROWSER_HEADERS, PROXY_HEADERS
from bench.paths import BENCH, REPO, child_env
from bench.verify import BenchError, check_response, verify

__all__ = ["ensure_wrk", "gunicorn", "measure_apps"]

_LOOPBACK = "127.0.0.1"
_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 15.0
_CONNECTIONS = 32


def ensure_wrk() -> str | None:
    """Return wrk's path, installing it with ``ensure_wrk.sh`` first if it is missing."""
    if shutil.which("wrk") is None:
        try:
            subprocess.run(["sh", str(BENCH / "ensure_wrk.sh")], check=False, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"ensure_wrk: could not run bench/ensure_wrk.sh: {exc}", file=sys.stderr)
    return shutil.which("wrk")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _get(port: int, target: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(_LOOPBACK, port, timeout=10)
    try:
        conn.request("GET", target, headers=dict(BROWSER_HEADERS + PROXY_HEADERS))
        response = conn.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        conn.close()


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-2000:]


def _wait_ready(proc: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited with {proc.returncode}:\n{_tail(log)}")
        try:
            _get(port, "/plaintext")
        except OSError:
            time.sleep(0.1)
        else:
            return
    raise BenchError(f"gunicorn did not answer within {_START_TIMEOUT_S:.0f}s:\n{_tail(log)}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the master we started (it stops its own workers); SIGKILL only if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def gunicorn(spec: str) -> Iterator[int]:
    """Serve ``spec`` with gunicorn on a free loopback port; yield the port."""
    port = _free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{_LOOPBACK}:{port}",
        "--workers", "2", "--worker-class", "gthread", "--threads", "4",
        # wrk opens its 32 connections at once and the first worker to wake can take most
        # of them, leaving the other core idle; capping each worker at 32 / 2 keeps the
        # split even, so a run does not depend on the luck of the accept.
        "--worker-connections", str(_CONNECTIONS // 2),
        "--chdir", str(REPO), "--log-level", "warning", "--graceful-timeout", "5",
        spec,
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=child_env())
        try:
            _wait_ready(proc, port, log)
            yield port
        finally:
            _stop(proc)


def _run_wrk(wrk: str, port: int, endpoint: str, duration: int) -> float:
    command = [wrk, "-t2", f"-c{_CONNECTIONS}", f"-d{duration}s", "--timeout", "5s"]
    for name, value in BROWSER_HEADERS + PROXY_HEADERS:
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{_LOOPBACK}:{port}{TARGETS[endpoint]}")
    out = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=duration + 30
    )
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out.stdout)
    if out.returncode != 0 or rps is None:
        raise BenchError(f"wrk failed on /{endpoint}: {out.stderr or out.stdout}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out.stdout)
    if non_2xx:
        raise BenchError(f"/{endpoint}: {non_2xx.group(1)} non-2xx answers under wrk load")
    return float(rps.group(1))


def _serve_verified(stack: ExitStack, spec: str, endpoints: list[str]) -> int:
    port = stack.enter_context(gunicorn(spec))
    verify(endpoints, lambda target: _get(port, target))
    return port


def _round(
    wrk: str, ports: dict[str, int], endpoint: str, seconds: int, errors: dict[str, str]
) -> dict[str, float]:
    """One wrk run per app on ``endpoint``; an app that fails is dropped from ``ports``."""
    rps: dict[str, float] = {}
    for app, port in list(ports.items()):
        try:
            rps[app] = _run_wrk(wrk, port, endpoint, seconds)
        except BenchError as exc:
            errors[app] = str(exc)
            del ports[app]
    return rps


def measure_apps(
    specs: dict[str, str],
    *,
    endpoints: list[str],
    duration: int,
    wrk: str | None,
    progress: Callable[[str], None],
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Serve every app at once, verify each over HTTP, then load them in turns with wrk.

    All servers are up together. For each endpoint every app gets a 1 s warm-up, then
    ``duration`` runs of 1 s, the apps taking turns, and the median run is kept: a burst
    of load from anything else on the machine then lands on every app alike and is
    voted out, instead of inflating one app's single long run. An idle gunicorn costs
    nothing measurable.

    Args:
        specs: App name to ``module:attribute`` of its WSGI callable.
        endpoints: Endpoints to verify and load (names in `bench.apps.ENDPOINTS`).
        duration: Seconds of measured load per app and endpoint.
        wrk: Path to wrk, or None to verify only.
        progress: Called with one line per finished step.

    Returns:
        Per app, ``rps`` (median requests per second by endpoint) and ``runs`` (every
        run); and the error of each app that failed (did not start, answered wrongly,
        or failed under load).
    """
    results: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    with ExitStack() as stack:
        ports: dict[str, int] = {}
        for app, spec in specs.items():
            try:
                ports[app] = _serve_verified(stack, spec, endpoints)
            except BenchError as exc:
                errors[app] = str(exc)
        if wrk is None:
            return results, errors
        for endpoint in endpoints:
            _round(wrk, ports, endpoint, 1, errors)  # warm-up, discarded
            runs: dict[str, list[float]] = {app: [] for app in ports}
            for _ in range(max(1, duration)):
                for app, rps in _round(wrk, ports, endpoint, 1, errors).items():
                    runs[app].append(rps)
            for app, port in list(ports.items()):
                try:
                    check_response(endpoint, *_get(port, TARGETS[endpoint]))  # still right
                except BenchError as exc:
                    errors[app] = str(exc)
                    del ports[app]
                    continue
                entry = results.setdefault(app, {"rps": {}, "runs": {}})
                entry["rps"][endpoint] = statistics.median(runs[app])
                entry["runs"][endpoint] = runs[app]
                progress(f"wire        {app:8} /{endpoint:10} {entry['rps'][endpoint]:8,.0f} req/s")
    for app in errors:
        results.pop(app, None)
    return results, errors
