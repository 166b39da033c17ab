"""What a correct answer is, for every endpoint: a fast wrong answer must never be reported.

The fortunes page is checked row by row after HTML parsing, so each engine may spell its
escapes its own way (``&#39;`` or ``&#x27;``) but must produce the same 13 rows, in order,
with the ``<script>`` row escaped.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from bench.fortunes import for_request

__all__ = ["BenchError", "check_response"]


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


def _check_template(body: bytes, headers: dict[str, str]) -> None:
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


_CHECKS = {
    "plaintext": _check_plaintext,
    "json": _check_json,
    "template": _check_template,
    "form": _check_form,
}


def check_response(endpoint: str, status: int, headers: dict[str, str], body: bytes) -> None:
    """Raise `BenchError` unless ``body`` is the right answer for ``endpoint``.

    Args:
        endpoint: ``plaintext``, ``json`` or ``template``.
        status: The HTTP status code received.
        headers: Response headers, names lower-cased.
        body: The whole response body.

    Raises:
        BenchError: With what was wrong, so the failing app can be fixed.
    """
    if status != 200:
        raise BenchError(f"/{endpoint} answered {status}, expected 200: {body[:200]!r}")
    try:
        _CHECKS[endpoint](body, headers)
    except BenchError as exc:
        raise BenchError(f"/{endpoint}: {exc}") from None
    except ValueError as exc:  # undecodable JSON or UTF-8
        raise BenchError(f"/{endpoint}: {exc}") from None
