"""JSON, and only JSON, for session data.

Session data crosses a trust boundary: it comes back from a cookie, or from a cache that
other programs may write to. Unpickling it would run whatever code a forged payload names
(Bottle's ``get_cookie``, reported four times), so sessions hold JSON values and are decoded
with :mod:`json` alone, whatever the backend.

Values are checked before they are saved, so a mistake (a ``datetime``, a model instance, a
dict with integer keys that JSON would silently turn into strings) is reported at once, with
the key that holds it, instead of surfacing as different data on the next request.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Final, TypeGuard

from bastion.sessions.base import SessionRecord, SessionTampered, is_session_key

__all__ = [
    "FORMAT_VERSION",
    "check_json",
    "decode",
    "encode",
    "record_from_json",
    "record_to_json",
]

FORMAT_VERSION: Final = 1
"""Version of the stored record (its ``"v"`` field), so the layout can change safely."""

MAX_DEPTH: Final = 32
"""How deeply values may nest; deeper usually means a structure that contains itself."""

_SCALARS: Final = (str, int, type(None))
_ALLOWED: Final = "str, int, float, bool, None, and lists and dicts (with str keys) of them"


def check_json(data: Mapping[str, Any]) -> None:
    """Check that every value in ``data`` survives a JSON round trip unchanged in meaning.

    Tuples are accepted and come back as lists.

    Raises:
        TypeError: a value (or a dict key) is not JSON; the message names where it is.
        ValueError: a float is NaN or infinite, or values nest deeper than ``MAX_DEPTH``.
    """
    for key, value in data.items():
        problem = _problem(value, 0)
        if problem is not None:
            where, kind, message = problem
            raise kind(f"session[{key!r}]{where} {message}")


_Problem = tuple[str, type[Exception], str]


def _problem(value: Any, depth: int) -> _Problem | None:
    """None when ``value`` is JSON; else (path below ``value``, exception class, message)."""
    if isinstance(value, _SCALARS):
        return None
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        return "", ValueError, f"is {value!r}, which JSON cannot represent."
    if depth >= MAX_DEPTH:
        return "", ValueError, f"nests more than {MAX_DEPTH} levels deep."
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            problem = _problem(item, depth + 1)
            if problem is not None:
                return f"[{index}]{problem[0]}", problem[1], problem[2]
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                message = f"has the key {key!r}; JSON object keys are strings."
                return "", TypeError, message
            problem = _problem(item, depth + 1)
            if problem is not None:
                return f"[{key!r}]{problem[0]}", problem[1], problem[2]
        return None
    message = (
        f"is a {type(value).__name__}; sessions hold JSON values only ({_ALLOWED}). "
        "Store an id or a plain dict instead."
    )
    return "", TypeError, message


def record_to_json(record: SessionRecord, *, with_key: bool) -> dict[str, Any]:
    """The JSON object a store writes; the id is inside only when nothing else names it."""
    document: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "c": record.created,
        "a": record.activity,
        "d": record.data,
    }
    if with_key:
        document["i"] = record.key
    return document


def record_from_json(document: Any, key: str | None = None) -> SessionRecord:
    """Check and unpack what :func:`record_to_json` wrote.

    Args:
        document: the decoded JSON.
        key: the id the record was stored under; None to take it from the document.

    Raises:
        SessionTampered: the document does not have the expected shape and types.
    """
    if not isinstance(document, dict) or document.get("v") != FORMAT_VERSION:
        raise SessionTampered("The stored session has an unknown format.")
    data = document.get("d")
    created = document.get("c")
    activity = document.get("a")
    if key is None:
        key = document.get("i")
    if (
        not isinstance(data, dict)
        or not _is_time(created)
        or not _is_time(activity)
        or not is_session_key(key)
    ):
        raise SessionTampered("The stored session is malformed.")
    return SessionRecord(key=key, data=data, created=created, activity=activity)


def _is_time(value: object) -> TypeGuard[int]:
    return type(value) is int and value >= 0


def encode(document: Any) -> str:
    """Compact JSON text (for stores that keep strings)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def decode(text: str | bytes) -> Any:
    """Parse JSON text; never anything else.

    Raises:
        SessionTampered: ``text`` is not JSON.
    """
    try:
        return _DECODER.decode(text.decode("utf-8") if isinstance(text, bytes) else text)
    except (ValueError, RecursionError) as exc:
        raise SessionTampered("The stored session is not JSON.") from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER: Final = json.JSONDecoder(parse_constant=_refuse_constant)
