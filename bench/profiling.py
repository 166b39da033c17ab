"""Where an app's time goes: cProfile over the same in-process loop the bench times.

Usage: ``python -m bench.profiling bastion template [--requests 20000] [--top 25]``
(with the repo root on ``PYTHONPATH``). Sorted by own time (``tottime``), which points at
the code to change; ``--sort cumulative`` shows which layer (middleware, view) is heavy.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys

from bench.apps import APPS, DB_ENDPOINTS, ENDPOINTS, TARGETS
from bench.database import prepare
from bench.inprocess import verify_app
from bench.wsgi_client import call, environ_factory, load_app

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Profile ``--requests`` calls of one endpoint of one app and print the top functions."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("app", choices=sorted(APPS))
    parser.add_argument("endpoint", choices=ENDPOINTS)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    args = parser.parse_args(argv)
    if args.endpoint in DB_ENDPOINTS:
        readiness = prepare()
        if readiness.reason:
            print(readiness.reason, file=sys.stderr)
            return 1
    app = load_app(APPS[args.app])
    verify_app(app, [args.endpoint])  # never profile a wrong answer
    make_environ = environ_factory(TARGETS[args.endpoint])
    for _ in range(200):  # warm caches (compiled templates, routes) before profiling
        call(app, make_environ())
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        call(app, make_environ())
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
