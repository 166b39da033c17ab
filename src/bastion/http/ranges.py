"""Byte ranges (RFC 9110 §14): reading ``Range`` and narrowing a response to 206 or 416.

:func:`~bastion.http.conditional.finalize_response` stays the single entry point: once a GET's
preconditions have passed and its response accepts ranges
(:class:`~bastion.http.files.FileResponse`), it asks :func:`select_range` which bytes to send
and :func:`narrow_to_range` to send only those. No other response reaches this module.

Decisions, written down:

* A request for several ranges is coalesced; when the ranges do not merge into one, the full
  representation is sent with 200 (RFC 9110 §14.2 lets a server ignore ``Range``). There is
  no ``multipart/byteranges``: it costs code and attack surface for clients that rarely use it.
* A ``Range`` header that is malformed, names another unit, or lists more than
  :data:`MAX_RANGES` ranges is ignored (200), as the RFC asks: hostile headers stay cheap.
* ``If-Range`` is applied here (only with a ``Range``, and a failed one means "send it
  whole"); comparing its validator is :mod:`bastion.http.conditional`'s business, so the
  caller passes that comparison in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from bastion.http.exceptions import RangeNotSatisfiable

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response

__all__ = [
    "MAX_RANGES",
    "narrow_to_range",
    "parse_range",
    "representation_length",
    "select_range",
]

MAX_RANGES = 100
"""Most ranges read from one ``Range`` header; a header with more is ignored (200)."""

_RANGE_SPEC = re.compile(r"([0-9]*)-([0-9]*)")
# Longer digit strings are read as "larger than any file": exact below this, and int() of a
# few thousand digits (quadratic in CPython) never runs.
_MAX_DIGITS = 30
_HUGE = 10**_MAX_DIGITS


def parse_range(header: str, length: int) -> list[tuple[int, int]] | None:
    """Read a ``Range`` header against a representation of ``length`` bytes.

    Args:
        header: the header's value, such as ``bytes=0-499``, ``bytes=500-`` or ``bytes=-500``.
        length: the size of the full representation.

    Returns:
        None when the header must be ignored (malformed, not ``bytes``, more than
        :data:`MAX_RANGES` ranges); otherwise the satisfiable ranges as inclusive
        ``(first, last)`` byte positions clamped to the representation, in the order given
        (an empty list means "unsatisfiable", a 416).
    """
    unit, equals, spec = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    # maxsplit bounds the work: a header of 10,000 ranges is split 100 times, then ignored.
    parts = spec.split(",", MAX_RANGES)
    if len(parts) > MAX_RANGES:
        return None
    ranges: list[tuple[int, int]] = []
    seen = False
    for part in parts:
        part = part.strip(" \t")
        if not part:  # RFC 9110 §5.6.1: empty list elements are allowed
            continue
        match = _RANGE_SPEC.fullmatch(part)
        if match is None:
            return None
        first_text, last_text = match.groups()
        seen = True
        if not first_text:
            if not last_text:
                return None
            suffix = _number(last_text)
            if suffix > 0 and length > 0:
                ranges.append((max(0, length - suffix), length - 1))
            continue
        first = _number(first_text)
        last = _number(last_text) if last_text else _HUGE
        if last < first:
            return None
        if first < length:
            ranges.append((first, min(last, length - 1)))
    return ranges if seen else None


def _number(digits: str) -> int:
    return int(digits) if len(digits) <= _MAX_DIGITS else _HUGE


def _coalesce(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping and adjacent ranges (at most :data:`MAX_RANGES` of them)."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def representation_length(response: Response) -> int | None:
    """The length in bytes of ``response``'s full representation, None when it is unknown.

    Args:
        response: a response; an in-memory body is measured, a stream is taken at its
            ``Content-Length`` (when it has a valid one).

    Returns:
        The length a range is measured against (and that a 304 repeats).
    """
    if not response.streaming:
        return len(response.body)
    declared = response.headers.get("Content-Length")
    return int(declared) if declared is not None and declared.isdigit() else None


def select_range(
    request: Request, response: Response, if_range_passes: Callable[[str], bool]
) -> tuple[int, int, int] | None:
    """The one byte range of ``response`` that ``request`` asks for, if it is to be served.

    Args:
        request: the request; its ``Range`` and ``If-Range`` headers are read.
        response: the full response, which must accept ranges.
        if_range_passes: tells whether an ``If-Range`` value matches the response's current
            validators (a strong entity tag, or exactly its ``Last-Modified`` date).

    Returns:
        ``(first, last, length)``: serve bytes ``first`` to ``last`` (inclusive) of
        ``length``. None: send the whole representation (no ``Range``, an empty
        representation, a failed ``If-Range``, a header to ignore, ranges that do not
        merge into one).

    Raises:
        RangeNotSatisfiable: no requested range overlaps the representation (416).
    """
    header = request.headers.get("range")
    length = representation_length(response)
    # A zero-length representation has no byte to point at: send it whole.
    if header is None or not length:
        return None
    if_range = request.headers.get("if-range")
    if if_range is not None and not if_range_passes(if_range):
        return None
    ranges = parse_range(header, length)
    if ranges is None:
        return None
    if not ranges:
        raise RangeNotSatisfiable(length)
    merged = _coalesce(ranges)
    if len(merged) != 1:
        return None
    first, last = merged[0]
    return first, last, length


def narrow_to_range(response: Response, first: int, last: int, length: int) -> None:
    """Make ``response`` a 206 for bytes ``first`` to ``last`` when it can be (else a 200).

    A response with ``with_range(first, last)`` narrows itself (FileResponse seeks); an
    in-memory body is sliced; any other stream cannot skip bytes and goes out whole.

    Args:
        response: the full response, changed in place.
        first: the first byte to send.
        last: the last byte to send (inclusive).
        length: the length of the full representation, for ``Content-Range``.
    """
    with_range: Callable[[int, int], None] | None = getattr(response, "with_range", None)
    if with_range is not None:
        with_range(first, last)
    elif not response.streaming:
        response.body = response.body[first : last + 1]
        response.status_code = 206
        response.headers["Content-Range"] = f"bytes {first}-{last}/{length}"
        response.headers["Content-Length"] = str(last - first + 1)
