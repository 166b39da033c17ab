"""The ``--auth`` section of ``make bench``: a login's password check and permission checks.

Rows, Bastion against Django 5.2 (django-guardian for object permissions), both on SQLite
files in one temporary directory: the password verify of a successful login (Bastion's
Argon2id default against Django's PBKDF2 default, :mod:`bench.hashing`), then the object
permission checks and listing of :mod:`bench.permissions`. ``python -m bench.auth --json -``
measures in this process and prints JSON; :func:`measure_auth` runs that in a child process,
because Django's settings can be configured only once per process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

from bench.paths import REPO

__all__ = ["measure", "measure_auth", "render_auth"]


def measure(repeats: int = 300, hash_repeats: int = 15) -> dict[str, Any]:
    """Every auth row, measured here (configures Django: call it in a fresh process)."""
    from bench import hashing, permissions

    results = permissions.measure(repeats)  # configures Django before hashing does
    verify = hashing.measure(hash_repeats)
    (ours_params, ours_ms), (theirs_params, theirs_ms) = verify.values()
    results["rows"].insert(0, {
        "operation": "login: password verify",
        "bastion_api": ours_params,
        "django_api": theirs_params,
        "us": (ours_ms * 1000, theirs_ms * 1000),
    })  # fmt: skip
    return results


def measure_auth(repeats: int = 300, hash_repeats: int = 15) -> dict[str, Any]:
    """:func:`measure` in a child interpreter; raises RuntimeError with its error if it fails."""
    command = [sys.executable, "-m", "bench.auth", "--json", "-"]
    command += ["--repeats", str(repeats), "--hash-repeats", str(hash_repeats)]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=REPO, check=False, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "no output")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _figure(us: float) -> str:
    return f"{us / 1000:.1f} ms" if us >= 1000 else f"{us:.1f} µs"


def render_auth(results: dict[str, Any], *, markdown: bool = False) -> str:
    """A table: operation, Bastion, Django/guardian, and how many times faster Bastion is."""
    head = ("operation", "bastion", "django/guardian", "django / bastion")
    lines = []
    for row in results["rows"]:
        ours, theirs = row["us"]
        lines.append((row["operation"], _figure(ours), _figure(theirs), f"{theirs / ours:.2f}x"))
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|---|--:|--:|--:|"]
        out += ["| " + " | ".join(line) + " |" for line in lines]
    else:
        widths = [max(len(r[i]) for r in [head, *lines]) for i in range(4)]
        out = [
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in [head, *lines]
        ]
    apis = [f"  {r['operation']}: {r['bastion_api']} | {r['django_api']}" for r in results["rows"]]
    return "\n".join([*out, "what was called (bastion | django):", *apis])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.auth", description=__doc__)
    parser.add_argument("--repeats", type=int, default=300, help="permission checks each (300)")
    parser.add_argument("--hash-repeats", type=int, default=15, help="password verifies (15)")
    parser.add_argument("--json", metavar="PATH", help="write JSON instead ('-': stdout)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    results = measure(args.repeats, args.hash_repeats)
    if args.json == "-":
        print(json.dumps(results))
    elif args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2, ensure_ascii=False)
    else:
        print(render_auth(results, markdown=args.markdown))


if __name__ == "__main__":
    main()
