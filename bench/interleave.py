"""In-process measure, the driving side: one worker per app, runs taken in turns.

Runs go round-robin (every app's plaintext run, then every app's json run, ...) for each
repeat, so a burst of load from anything else on the machine lands on all apps instead of
inflating one app's every run. The median of each app's runs is the reported figure.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from bench.paths import REPO, child_env
from bench.verify import BenchError

__all__ = ["measure_inprocess"]


class _Worker:
    """A ``bench.inprocess`` child speaking one JSON line per command."""

    def __init__(self, app: str, options: list[str]) -> None:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker
        command = [sys.executable, "-m", "bench.inprocess", "--app", app, *options]
        self._proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=child_env(),
            cwd=REPO,
        )

    def read(self) -> dict[str, Any]:
        """The worker's next message; raise `BenchError` with its reason if it failed."""
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            self._proc.wait()
            self._log.seek(0)
            log = self._log.read().decode(errors="replace").strip()
            raise BenchError(log[-3000:] or f"worker exited with {self._proc.returncode}")
        message: dict[str, Any] = json.loads(line)
        if "error" in message:
            raise BenchError(message["error"])
        return message

    def ask(self, command: str) -> dict[str, Any]:
        """Send one command and return the answer."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        return self.read()

    def close(self) -> None:
        """End of input stops the worker; kill it only if it does not stop."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):  # the worker may have died already
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._log.close()


def _summary(runs: list[float], n: int) -> dict[str, Any]:
    return {"median_us": statistics.median(runs), "min_us": min(runs), "runs_us": runs, "n": n}


def measure_inprocess(
    apps: list[str],
    *,
    endpoints: list[str],
    options: list[str],
    repeats: int,
    progress: Callable[[str], None],
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Verify and time every app in process.

    Args:
        apps: App names (keys of `bench.apps.APPS`).
        endpoints: Endpoints to verify and time (names in `bench.apps.ENDPOINTS`).
        options: Extra worker options (``--target``, ``--warmup``, ``--verify-only``).
        repeats: Timed runs per endpoint and app (0 to verify only).
        progress: Called with one line per finished step.

    Returns:
        Per app: ``stack``, ``harness_us`` and ``endpoints`` (``median_us``, ``min_us``,
        ``runs_us``, ``n``); and the error of each app that failed.
    """
    results: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    workers: dict[str, tuple[_Worker, dict[str, int]]] = {}
    runs: dict[str, dict[str, list[float]]] = {}
    try:
        for app in apps:  # one at a time, so each warms up and calibrates on a quiet machine
            worker = _Worker(app, ["--endpoints", ",".join(endpoints), *options])
            try:
                hello = worker.read()
            except BenchError as exc:
                errors[app] = str(exc)
                worker.close()
                continue
            results[app] = {"stack": hello["stack"], "harness_us": hello.get("harness_us")}
            workers[app] = (worker, hello.get("n", {}))
            runs[app] = {e: [] for e in endpoints}
            progress(f"in-process  {app:8} verified")
        for repeat in range(repeats):
            for endpoint in endpoints:
                for app, (worker, sizes) in list(workers.items()):
                    try:
                        ns = worker.ask(endpoint)["ns"]
                    except BenchError as exc:
                        errors[app] = str(exc)
                        worker.close()
                        del workers[app]
                    else:
                        runs[app][endpoint].append(ns / sizes[endpoint] / 1000)
            progress(f"in-process  run {repeat + 1}/{repeats} done")
        for app, (worker, sizes) in workers.items():
            try:
                if repeats:
                    worker.ask("verify")
            except BenchError as exc:
                errors[app] = str(exc)
            else:
                if repeats:
                    results[app]["endpoints"] = {
                        e: _summary(runs[app][e], sizes[e]) for e in endpoints
                    }
    finally:
        for worker, _sizes in workers.values():
            worker.close()
    for app in errors:
        results.pop(app, None)
    return results, errors
