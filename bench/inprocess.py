"""In-process measure, the worker side: one app, timed with no server and no socket.

``python -m bench.inprocess --app NAME`` loads and verifies the app, warms each endpoint up
and sizes its batch, then answers one JSON line per command read on stdin: an endpoint name
runs one timed batch, ``verify`` checks every answer again, end of input stops it.
`bench.interleave` drives one worker per app and takes the runs in turns, so background
load falls on every app alike; one interpreter per app means the garbage collector of one
app never walks another framework's objects.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Callable, Iterable
from time import perf_counter_ns
from typing import IO, Any

from bench.apps import APPS, ENDPOINTS, TARGETS
from bench.verify import BenchError, verify
from bench.wsgi_client import WSGIApp, call, environ_factory, load_app

__all__ = ["main", "verify_app"]

_CALIBRATE_NS = 20_000_000


def _null_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Costs nothing, so timing it measures the harness itself (environ, loop, body)."""
    start_response("200 OK", [])
    return [b""]


def _batch(app: WSGIApp, make_environ: Callable[[], dict[str, Any]], n: int) -> int:
    """Run ``n`` requests and return the nanoseconds they took; raise on any non-200."""
    bad: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        if status[:3] != "200":  # same cheap check for every app, so it cancels out
            bad.append(status)

    start = perf_counter_ns()
    for _ in range(n):
        body = app(make_environ(), start_response)
        for _chunk in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()
    elapsed = perf_counter_ns() - start
    if bad:
        raise BenchError(f"{len(bad)} of {n} timed requests answered {bad[0]!r}, not 200")
    return elapsed


def _calibrate(app: WSGIApp, target: str, *, target_s: float, warmup_s: float) -> int:
    """Warm ``target`` up for ``warmup_s``; return the batch size that lasts ``target_s``."""
    make_environ = environ_factory(target)
    warm_until = perf_counter_ns() + int(warmup_s * 1e9)
    while perf_counter_ns() < warm_until:
        _batch(app, make_environ, 50)
    n = 1
    while (elapsed := _batch(app, make_environ, n)) < _CALIBRATE_NS:
        n *= 4
    return max(1, int(n * target_s * 1e9 / elapsed))


def _timed_run(app: WSGIApp, target: str, n: int) -> int:
    gc.collect()  # each run starts from the same heap; GC stays on, as in production
    return _batch(app, environ_factory(target), n)


def _harness_us(target_s: float, warmup_s: float) -> float:
    n = _calibrate(_null_app, "/plaintext", target_s=target_s / 3, warmup_s=warmup_s)
    return min(_timed_run(_null_app, "/plaintext", n) for _ in range(3)) / n / 1000


def verify_app(app: WSGIApp, endpoints: Iterable[str] = ENDPOINTS) -> None:
    """Check every answer of ``endpoints``; raise `BenchError` on the first wrong one."""
    verify(endpoints, lambda target: call(app, environ_factory(target)()))


def _stack(app: WSGIApp) -> list[str] | None:
    """Name the middleware a Bastion app runs, so a figure is never read without its stack."""
    layers = getattr(app, "middleware", None)
    return None if layers is None else [type(layer).__name__ for layer in layers]


def _serve(args: argparse.Namespace, out: IO[str]) -> None:
    def say(message: dict[str, Any]) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    try:
        app = load_app(APPS[args.app])
    except Exception as exc:  # a missing module, or settings the framework refuses
        raise BenchError(f"cannot import {APPS[args.app]}: {type(exc).__name__}: {exc}") from exc
    verify_app(app, args.endpoints)
    hello: dict[str, Any] = {"stack": _stack(app)}
    if not args.verify_only:
        timing = {"target_s": args.target, "warmup_s": args.warmup}
        hello["harness_us"] = _harness_us(**timing)
        hello["n"] = {e: _calibrate(app, TARGETS[e], **timing) for e in args.endpoints}
    say(hello)
    for line in sys.stdin:
        command = line.strip()
        if command == "verify":  # a throttle or a cache that breaks after N requests
            verify_app(app, args.endpoints)
            say({"ok": True})
        elif command in args.endpoints:
            say({"ns": _timed_run(app, TARGETS[command], hello["n"][command])})
        else:
            raise BenchError(f"unknown command {command!r}")


def main(argv: list[str] | None = None) -> int:
    """Serve the worker protocol for one app; exit 2 if it answered wrongly."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app", required=True, choices=sorted(APPS))
    parser.add_argument("--target", type=float, default=0.3, help="seconds per timed run")
    parser.add_argument("--warmup", type=float, default=0.2, help="seconds per endpoint")
    parser.add_argument("--verify-only", action="store_true")
    parser.add_argument(
        "--endpoints", default=",".join(ENDPOINTS), help="comma-separated endpoints to run"
    )
    args = parser.parse_args(argv)
    args.endpoints = [e for e in args.endpoints.split(",") if e]
    unknown = sorted(set(args.endpoints) - set(ENDPOINTS))
    if unknown:
        parser.error(f"unknown endpoint(s) {unknown}")
    # The protocol gets the real stdout; anything an app prints goes to stderr instead.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    try:
        _serve(args, out)
    except BenchError as exc:
        out.write(json.dumps({"error": str(exc)}) + "\n")
        out.flush()
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
