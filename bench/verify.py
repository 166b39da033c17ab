"""What a correct answer is, for every endpoint: a fast wrong answer must never be reported.

The fortunes pages are checked row by row after HTML parsing, so each engine may spell its
escapes its own way (``&#39;`` or ``&#x27;``) but must produce the same 13 rows, in order,
with the ``<script>`` row escaped. Rows of ``world`` are checked against the table's known
contents (`bench.world`), and ``/queries`` at the counts TechEmpower's own verifier asks
for, clamping included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from typing import Any

from bench.apps import TARGETS
from bench.fortunes import for_request
from bench.world import WORLD_ROWS, random_numbers

__all__ = ["BenchError", "Fetch", "check_response", "verify", "verify_targets"]

Fetch = Callable[[str], tuple[int, dict[str, str], bytes]]
"""Sends ``GET target`` to the app under test; returns the status, headers and body."""


class BenchError(Exception):
    """An app answered wrongly, failed to start, or a tool failed: the run must not go on."""


class _TableParser(HTMLParser):
    """Collect the text of every ``<td>`` cell, grouped by ``<tr>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _media_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def _check_plaintext(body: bytes, headers: dict[str, str]) -> None:
    if _media_type(headers) != "text/plain":
        raise BenchError(f"Content-Type {headers.get('content-type')!r}, expected text/plain")
    if body != b"Hello, World!":
        raise BenchError(f"body {body[:80]!r}, expected b'Hello, World!'")


def _check_json(body: bytes, headers: dict[str, str]) -> None:
    if _media_type(headers) != "application/json":
        raise BenchError(f"Content-Type {headers.get('content-type')!r}, expected JSON")
    if json.loads(body) != {"message": "Hello, World!"}:
        raise BenchError(f"body {body[:80]!r}, expected the hello-world object")


def _check_fortunes(body: bytes, headers: dict[str, str]) -> None:
    if _media_type(headers) != "text/html":
        raise BenchError(f"Content-Type {headers.get('content-type')!r}, expected text/html")
    html = body.decode("utf-8")
    if "<script>alert" in html:
        raise BenchError("the <script> fortune is NOT escaped: XSS")
    if "&lt;script&gt;" not in html:
        raise BenchError("the escaped &lt;script&gt; fortune is missing")
    parser = _TableParser()
    parser.feed(html)
    rows = [tuple(row) for row in parser.rows if row]
    expected = [(str(f.id), f.message) for f in for_request()]
    if rows != expected:
        raise BenchError(f"fortune rows differ from the expected 13 sorted rows: {rows!r}")


_TOKEN = re.compile(
    r'<input type="hidden" name="(?:csrf_token|csrfmiddlewaretoken)" value="[^"]{32,}"'
)


def _check_form(body: bytes, headers: dict[str, str]) -> None:
    if _media_type(headers) != "text/html":
        raise BenchError(f"Content-Type {headers.get('content-type')!r}, expected text/html")
    html = body.decode("utf-8")
    if "Visits: 0" not in html or '<form method="post" action="/form">' not in html:
        raise BenchError("the form page lacks the form or the session-read visit count")
    if not _TOKEN.search(html) and "no CSRF token: the framework has none" not in html:
        raise BenchError("the form carries no CSRF token")


_QUERY_COUNTS: dict[str, int] = {
    TARGETS["queries"]: 20,
    "/queries?queries=1": 1,
    "/queries?queries=0": 1,  # clamped up
    "/queries?queries=foo": 1,  # not a number
    "/queries": 1,  # missing
    "/queries?queries=501": 500,  # clamped down
}


def _check_world(item: Any) -> int:
    """Check one ``{"id": .., "randomNumber": ..}`` object against the table; return its id."""
    if not isinstance(item, dict) or set(item) != {"id", "randomNumber"}:
        raise BenchError(f"{item!r} is not an object with exactly id and randomNumber")
    row_id, number = item["id"], item["randomNumber"]
    if type(row_id) is not int or type(number) is not int:
        raise BenchError(f"{item!r}: id and randomNumber must be integers")
    if not 1 <= row_id <= WORLD_ROWS:
        raise BenchError(f"{item!r}: id outside 1..{WORLD_ROWS}")
    if number != random_numbers()[row_id - 1]:
        raise BenchError(f"{item!r}: the table holds {random_numbers()[row_id - 1]} for that id")
    return row_id


def _check_db(body: bytes, headers: dict[str, str]) -> None:
    if _media_type(headers) != "application/json":
        raise BenchError(f"Content-Type {headers.get('content-type')!r}, expected JSON")
    _check_world(json.loads(body))


def _check_queries(body: bytes, headers: dict[str, str], count: int) -> None:
    if _media_type(headers) != "application/json":
        raise BenchError(f"Content-Type {headers.get('content-type')!r}, expected JSON")
    worlds = json.loads(body)
    if not isinstance(worlds, list) or len(worlds) != count:
        raise BenchError(f"expected a list of {count} rows: {body[:200]!r}")
    ids = {_check_world(item) for item in worlds}
    if count >= 20 and len(ids) == 1:  # 1 in 10,000**19 by chance: the ids are not random
        raise BenchError(f"all {count} rows have the same id")


_CHECKS: dict[str, Callable[[bytes, dict[str, str]], None]] = {
    "plaintext": _check_plaintext,
    "json": _check_json,
    "template": _check_fortunes,
    "form": _check_form,
    "db": _check_db,
    "fortunes": _check_fortunes,
}


def verify_targets(endpoint: str) -> tuple[str, ...]:
    """Every request that checks ``endpoint``: the timed target first, then edge cases."""
    return tuple(_QUERY_COUNTS) if endpoint == "queries" else (TARGETS[endpoint],)


def check_response(
    endpoint: str,
    status: int,
    headers: dict[str, str],
    body: bytes,
    *,
    target: str | None = None,
) -> None:
    """Raise `BenchError` unless ``body`` is the right answer for ``endpoint``.

    Args:
        endpoint: A name in `bench.apps.ENDPOINTS`.
        status: The HTTP status code received.
        headers: Response headers, names lower-cased.
        body: The whole response body.
        target: The request target sent, when not the endpoint's timed one
            (``/queries?queries=0``, say); it sets how many rows ``/queries`` must return.

    Raises:
        BenchError: With what was wrong, so the failing app can be fixed.
    """
    target = target or TARGETS[endpoint]
    if status != 200:
        raise BenchError(f"{target} answered {status}, expected 200: {body[:200]!r}")
    try:
        if endpoint == "queries":
            _check_queries(body, headers, _QUERY_COUNTS[target])
        else:
            _CHECKS[endpoint](body, headers)
    except BenchError as exc:
        raise BenchError(f"{target}: {exc}") from None
    except ValueError as exc:  # undecodable JSON or UTF-8
        raise BenchError(f"{target}: {exc}") from None


def verify(endpoints: Iterable[str], fetch: Fetch) -> None:
    """Check every answer of every endpoint in ``endpoints``, fetched by ``fetch``.

    Raises:
        BenchError: On the first wrong answer.
    """
    for endpoint in endpoints:
        for target in verify_targets(endpoint):
            check_response(endpoint, *fetch(target), target=target)
