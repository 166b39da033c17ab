"""The TechEmpower fortunes, shared by every app so all of them render the same data.

``/template`` renders them from memory, so it measures the framework, the template engine
and escaping, not a driver; `bench.database` stores the same rows in the ``fortune`` table
that ``/fortunes`` reads. The twelve rows are TechEmpower's own, including the ``<script>``
row that proves each engine escapes and the Japanese row that proves UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

__all__ = ["ADDITIONAL", "FORTUNES", "Fortune", "for_request"]


@dataclass(frozen=True, slots=True)
class Fortune:
    """One row of the fortunes table; attribute access works in Jinja2 and Django templates."""

    id: int
    message: str


FORTUNES: list[Fortune] = [
    Fortune(1, "fortune: No such file or directory"),
    Fortune(2, "A computer scientist is someone who fixes things that aren't broken."),
    Fortune(3, "After enough decimal places, nobody gives a damn."),
    Fortune(4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    Fortune(5, "A computer program does what you tell it to do, not what you want it to do."),
    Fortune(6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
    Fortune(7, "Any program that runs right is obsolete."),
    Fortune(8, "A list is only as strong as its weakest link. — Donald Knuth"),
    Fortune(9, "Feature: A bug with seniority."),
    Fortune(10, "Computers make very fast, very accurate mistakes."),
    Fortune(11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    Fortune(12, "フレームワークのベンチマーク"),
]

ADDITIONAL = Fortune(0, "Additional fortune added at request time.")

_BY_MESSAGE = attrgetter("message")


def for_request() -> list[Fortune]:
    """Return the 13 rows a fortunes view renders: the stored ones plus one, sorted by message.

    TechEmpower requires the extra row and the sort to happen per request, so that no
    framework can cache the rendered page; every app calls this same function.
    """
    fortunes = [*FORTUNES, ADDITIONAL]
    fortunes.sort(key=_BY_MESSAGE)
    return fortunes
