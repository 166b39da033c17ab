"""The benchmark run: both measures for every app, then one table.

Every app is measured in process (one interpreter each) and over the wire (one gunicorn
each), the apps taking turns within each measure. An app that answers wrongly is reported
as FAILED and the run exits 1: a fast wrong answer is never printed as a number. PostgreSQL
is prepared first; when it cannot be, the database endpoints are reported as unavailable
with the reason and the others still run (under ``CI=true`` that fails the run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from bench.apps import APPS, DB_ENDPOINTS, ENDPOINTS
from bench.auth import measure_auth, render_auth
from bench.database import prepare
from bench.interleave import measure_inprocess
from bench.latency import awake_cpus
from bench.paths import REPO
from bench.report import render_summary, render_table, render_unavailable
from bench.wire import ensure_wrk, measure_apps

__all__ = ["main"]


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations, no wire")
    parser.add_argument("--only", choices=("inprocess", "wire"), help="run one measure only")
    parser.add_argument("--verify-only", action="store_true", help="check answers, no timing")
    parser.add_argument("--duration", type=int, help="wrk seconds per app and endpoint (default 5)")
    parser.add_argument("--apps", default=",".join(APPS), help="comma-separated subset")
    parser.add_argument(
        "--endpoints", default=",".join(ENDPOINTS), help="comma-separated subset of endpoints"
    )
    parser.add_argument(
        "--awake-cpus", action="store_true", help="keep idle CPUs polling (root; see latency.py)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--report", metavar="PATH", help="print a saved --json file")
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument(
        "--auth", action="store_true", help="only the auth section (password verify, has_perm)"
    )
    auth.add_argument("--no-auth", action="store_true", help="skip the auth section")
    args = parser.parse_args(argv)
    args.apps = [a.strip() for a in args.apps.split(",") if a.strip()]
    unknown = sorted(set(args.apps) - set(APPS))
    if unknown:
        parser.error(f"unknown app(s) {unknown}; choose from {sorted(APPS)}")
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    unknown = sorted(set(args.endpoints) - set(ENDPOINTS))
    if unknown:
        parser.error(f"unknown endpoint(s) {unknown}; choose from {list(ENDPOINTS)}")
    if args.only:
        args.measures = [args.only]
    else:
        args.measures = ["inprocess"] if args.quick else ["inprocess", "wire"]
    if args.duration is None:
        args.duration = 1 if args.quick else 5
    return args


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _commit() -> str:
    """The measured checkout, so a figure can be tied to the code it came from."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True, text=True, cwd=REPO, check=False, timeout=10,
        )  # fmt: skip
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


def _metadata(args: argparse.Namespace) -> dict[str, Any]:
    versions = {}
    for name in (
        "bastion", "django", "flask", "jinja2", "gunicorn",
        "psycopg", "sqlalchemy", "flask-sqlalchemy", "django-guardian",
    ):  # fmt: skip
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "source checkout" if name == "bastion" else "missing"
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "versions": versions,
        "quick": args.quick,
        "wrk": f"-t2 -c32, median of {args.duration} runs of 1 s",
        "gunicorn": "-w 2 -k gthread --threads 4 --worker-connections 16",
    }


def _runnable(results: dict[str, Any]) -> list[str]:
    return [e for e in results["endpoints"] if e not in results["unavailable"]]


def _prepare_database(results: dict[str, Any]) -> None:
    """Fill PostgreSQL's tables, or mark the database endpoints unavailable and say why."""
    wanted = [e for e in results["endpoints"] if e in DB_ENDPOINTS]
    if not wanted:
        return
    readiness = prepare()
    if readiness.reason:
        results["unavailable"] = dict.fromkeys(wanted, readiness.reason)
        _progress(f"unavailable {', '.join('/' + e for e in wanted)}: {readiness.reason}")
    else:
        results["meta"]["database"] = readiness.server
        _progress(f"database    ready ({readiness.server})")


def _run_inprocess(args: argparse.Namespace, results: dict[str, Any]) -> None:
    options, repeats = ["--target", "0.3", "--warmup", "0.2"], 7
    if args.verify_only:
        options, repeats = ["--verify-only"], 0
    elif args.quick:
        options, repeats = ["--target", "0.05", "--warmup", "0.05"], 3
    measured, errors = measure_inprocess(
        args.apps,
        endpoints=_runnable(results),
        options=options,
        repeats=repeats,
        progress=_progress,
    )
    for app, entry in measured.items():
        results["apps"][app]["stack"] = entry["stack"]
        if "endpoints" in entry:
            results["apps"][app]["inprocess"] = entry["endpoints"]
            results["apps"][app]["harness_us"] = entry["harness_us"]
    for app, error in errors.items():
        results["apps"][app]["error"] = error
        _progress(f"FAILED      {app:8} {error}")


def _run_wire(args: argparse.Namespace, results: dict[str, Any]) -> None:
    wrk = None
    if not args.verify_only:
        wrk = ensure_wrk()
        if wrk is None:
            results["wire_note"] = "n/a (wrk missing)"
    # An app that already failed in-process is not served: its numbers would not be shown.
    specs = {a: APPS[a] for a in args.apps if not results["apps"][a].get("error")}
    measured, errors = measure_apps(
        specs, endpoints=_runnable(results), duration=args.duration, wrk=wrk, progress=_progress
    )
    for app, entry in measured.items():
        results["apps"][app]["wire"] = entry["rps"]
        results["apps"][app]["wire_runs"] = entry["runs"]
    for app, error in errors.items():
        results["apps"][app]["error"] = error
        results["apps"][app].pop("wire", None)
        _progress(f"FAILED      {app:8} {error}")


def _print(results: dict[str, Any], args: argparse.Namespace) -> None:
    meta = results["meta"]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    print(f"\nPython {meta['python']} on {meta['machine']}; {versions}")
    print(f"commit {meta.get('commit', 'unknown')}, {meta['date']}")
    if meta.get("database"):
        print(f"database: {meta['database']} on loopback")
    if meta.get("cpus"):
        print(f"CPUs: {meta['cpus']}")
    unavailable = render_unavailable(results)
    stack = results["apps"].get("bastion", {}).get("stack")
    if stack is not None:
        print(f"Bastion middleware: {', '.join(stack) or 'none'}")
    if args.verify_only:
        for app, entry in results["apps"].items():
            print(f"{app:8} {'FAILED: ' + entry['error'] if entry.get('error') else 'verified'}")
        if unavailable:
            print(unavailable)
        return
    if "wire" in results["measures"]:
        print(f"wire: gunicorn {meta['gunicorn']}, wrk {meta['wrk']}, loopback")
    print()
    print(render_table(results, markdown=args.markdown))
    print()
    print(render_summary(results))
    if unavailable:
        print(unavailable)
    harness = [e["harness_us"] for e in results["apps"].values() if "harness_us" in e]
    if harness:
        print(f"(in-process figures include the harness itself: {min(harness):.2f} µs/request)")
    for app, entry in results["apps"].items():
        if entry.get("error"):
            print(f"\n{app} FAILED:\n{entry['error']}")


def _run_auth(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """The auth section (a child process, a few seconds); a wrong answer fails the run."""
    _progress("auth        password verify, has_perm and for_user (bastion, django-guardian)")
    repeats, hash_repeats = (50, 5) if args.quick else (300, 15)
    try:
        results["auth"] = measure_auth(repeats, hash_repeats)
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        results["auth"] = {"error": str(error)}


def _print_auth(results: dict[str, Any], args: argparse.Namespace) -> None:
    auth = results.get("auth")
    if auth is None:
        return
    print("\nAuthentication (SQLite files, same run; times per operation, median):")
    if auth.get("error"):
        print(f"auth FAILED:\n{auth['error']}")
    else:
        print(render_auth(auth, markdown=args.markdown))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; return 0, or 1 if any app failed to start or answered wrongly."""
    args = _parse(argv)
    if args.report:
        with open(args.report, encoding="utf-8") as saved:
            results = json.load(saved)
        args.verify_only = False
        if results.get("apps"):
            _print(results, args)
        _print_auth(results, args)
        return 0
    results: dict[str, Any] = {
        "meta": _metadata(args),
        "measures": args.measures,
        "endpoints": args.endpoints,
        "unavailable": {},
        "apps": {app: {} for app in args.apps},
    }
    with ExitStack() as held:
        if args.awake_cpus:
            problem = held.enter_context(awake_cpus())
            results["meta"]["cpus"] = problem or "kept awake (/dev/cpu_dma_latency = 0)"
            _progress(f"cpus        {results['meta']['cpus']}")
        if args.auth:
            results["apps"], results["measures"] = {}, []
        else:
            _prepare_database(results)
        if results["apps"] and _runnable(results):
            if "inprocess" in args.measures:
                _run_inprocess(args, results)
            if "wire" in args.measures:
                _run_wire(args, results)
    if results["apps"]:
        _print(results, args)
    if not args.no_auth and not args.verify_only:
        _run_auth(args, results)
        _print_auth(results, args)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2, ensure_ascii=False)
    failed = any(entry.get("error") for entry in results["apps"].values())
    failed = failed or bool(results.get("auth", {}).get("error"))
    # In CI a green run must mean every endpoint ran, as the tests require every service.
    missing_service = bool(results["unavailable"]) and os.environ.get("CI") == "true"
    return 1 if failed or missing_service else 0
