"""The database side of the benchmark: where PostgreSQL is and what its tables hold.

Shared by `bench.database` (which fills the tables), `bench.verify` (which checks every
answer against them) and the apps (which read the URL and clamp ``?queries=``). The
``world`` table is generated from a fixed seed, so the expected ``randomNumber`` of every
id is known without asking the database.
"""

from __future__ import annotations

import random
from functools import cache

__all__ = [
    "DATABASE",
    "HOST",
    "MAX_QUERIES",
    "PORT",
    "URL",
    "USER",
    "WORLD_ROWS",
    "query_count",
    "random_numbers",
]

HOST = "127.0.0.1"
PORT = 5432
USER = "postgres"
DATABASE = "bastion_bench"
URL = f"postgresql://{USER}@{HOST}:{PORT}/{DATABASE}"
"""Trust authentication, no password: the bench only ever runs against a local server."""

WORLD_ROWS = 10_000
MAX_QUERIES = 500
_SEED = 20_240_601


@cache
def random_numbers() -> tuple[int, ...]:
    """The ``randomnumber`` column, index 0 holding id 1's: the same on every run."""
    rng = random.Random(_SEED)
    return tuple(rng.randint(1, WORLD_ROWS) for _ in range(WORLD_ROWS))


def query_count(raw: str | None) -> int:
    """The number of rows ``?queries=raw`` asks for, as TechEmpower's rules clamp it.

    A missing or non-numeric value counts as 1; the count is clamped to 1..500.
    """
    try:
        count = int(raw) if raw is not None else 1
    except ValueError:
        return 1
    return min(max(count, 1), MAX_QUERIES)
