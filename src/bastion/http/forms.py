"""``application/x-www-form-urlencoded`` parsing, for form bodies and query strings alike.

A query string is the same format as a form body, so one parser serves both; it runs for every
request that looks at its query, hence the fast path for data with nothing to unescape.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from bastion.http.datastructures import MultiDict
from bastion.http.exceptions import BadRequest

__all__ = ["parse_urlencoded"]

_SEPARATOR_RUNS = re.compile(rb"&{2,}")
# MultiDict is immutable, so every empty query string can share one (building one costs more
# than the rest of this function's fast path for empty input).
_EMPTY: MultiDict[str, str] = MultiDict()


def parse_urlencoded(
    data: bytes, *, max_fields: int, encoding: str = "utf-8"
) -> MultiDict[str, str]:
    """Parse form data or a query string into a :class:`MultiDict`, in arrival order.

    ``+`` stands for a space and ``%XX`` for a byte; the bytes are then decoded with
    ``encoding``. Only ``&`` separates pairs (not ``;``, whose use as a separator by some
    servers but not others allowed web cache poisoning). A pair without ``=`` and a pair with
    nothing after it both give ``""``; empty segments (``a=1&&b=2``) are skipped.

    The number of pairs is checked against ``max_fields`` by counting separators before
    anything is split, so a huge body of tiny fields is refused without building a list of
    them first.

    Args:
        data: The raw bytes: a request body, or a query string (encode a WSGI
            ``QUERY_STRING``, which is latin-1 decoded, back with ``latin-1``).
        max_fields: The most pairs accepted.
        encoding: The character encoding of the decoded bytes.

    Returns:
        The pairs, names and values as ``str``.

    Raises:
        BadRequest: There are more than ``max_fields`` pairs, a name or value is not valid in
            ``encoding`` once unescaped, or ``encoding`` is not a known text encoding.
    """
    if not data:
        return _EMPTY
    if data.count(b"&") >= max_fields:
        # Cheap count says "maybe too many"; recount without empty segments to be exact.
        data = _SEPARATOR_RUNS.sub(b"&", data).strip(b"&")
        if data and data.count(b"&") >= max_fields:
            raise BadRequest(f"Too many form fields: the limit is {max_fields}.")
    try:
        return _parse(data, encoding)
    except UnicodeDecodeError:
        raise BadRequest(f"The form data is not valid {encoding} once percent-decoded.") from None
    except LookupError:
        raise BadRequest("The form data's character encoding is not supported.") from None


def _parse(data: bytes, encoding: str) -> MultiDict[str, str]:
    """Split and decode; the caller turns decoding errors into :class:`BadRequest`."""
    if b"+" in data:
        data = data.replace(b"+", b" ")
    if b"%" not in data:
        # Fast path, the usual query string: decode once, split as text.
        return MultiDict(
            [
                (name, value)
                for segment in data.decode(encoding).split("&")
                if segment
                for name, _, value in (segment.partition("="),)
            ]
        )
    pairs: list[tuple[str, str]] = []
    for segment in data.split(b"&"):
        if segment:
            name, _, value = segment.partition(b"=")
            if b"%" in name:
                name = unquote_to_bytes(name)
            if b"%" in value:
                value = unquote_to_bytes(value)
            pairs.append((name.decode(encoding), value.decode(encoding)))
    return MultiDict(pairs)
