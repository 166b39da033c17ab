"""``Set-Cookie`` parsing as a browser does it: leniently, attribute by attribute.

The test client must accept whatever a browser accepts (RFC 6265 section 5.2 and its
successor, RFC 6265bis), or a test would pass against a response that real users see fail,
or the other way round. So nothing here raises: a malformed attribute is ignored, a malformed
cookie is dropped, exactly as section 5.2 says. Dates follow the section 5.1.1 algorithm,
which reads every date format that servers have sent over the years.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["SetCookie", "parse_cookie_date", "parse_set_cookie"]

# RFC 6265 section 5.1.1: the delimiters between the tokens of a cookie date.
_DATE_DELIMITERS = re.compile(r"[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")
_TIME = re.compile(r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D.*)?", re.DOTALL)
_DAY = re.compile(r"(\d{1,2})(?:\D.*)?", re.DOTALL)
_YEAR = re.compile(r"(\d{2,4})(?:\D.*)?", re.DOTALL)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# RFC 6265bis section 5.7: a name or value with a control character (other than TAB) is dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_MAX_NAME_VALUE = 4096
_MAX_ATTRIBUTE_VALUE = 1024
_MIN_YEAR = 1601
_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}


@dataclass(frozen=True, slots=True)
class SetCookie:
    """One ``Set-Cookie`` header as a browser understands it.

    Attributes are ``None`` (or ``False``) when the header did not carry them or carried
    them malformed; a test can then assert on exactly what the server asked for, e.g.
    ``response.cookies["sessionid"].httponly``.
    """

    name: str
    value: str
    expires: datetime | None = None
    """The ``Expires`` date (UTC), when present and readable."""
    max_age: int | None = None
    """The ``Max-Age`` in seconds; it takes precedence over ``expires``. ``<= 0`` deletes."""
    domain: str | None = None
    """The ``Domain`` attribute, lower-cased, without a leading dot."""
    path: str | None = None
    """The ``Path`` attribute; ``None`` when absent or not starting with ``/``."""
    secure: bool = False
    httponly: bool = False
    samesite: str | None = None
    """``"Strict"``, ``"Lax"`` or ``"None"``; an unknown value is ignored."""
    partitioned: bool = False


def parse_set_cookie(header: str) -> SetCookie | None:
    """Parse one ``Set-Cookie`` header value, or return None when a browser would drop it.

    A cookie is dropped when its first part has no ``=``, its name is empty, it contains a
    control character, or name and value together exceed 4096 characters.
    """
    pair, _, attributes = header.partition(";")
    name, sep, value = pair.partition("=")
    name, value = name.strip(" \t"), value.strip(" \t")
    if not sep or not name or _CONTROL.search(name) or _CONTROL.search(value):
        return None
    if len(name) + len(value) > _MAX_NAME_VALUE:
        return None
    options: dict[str, Any] = {}
    for item in attributes.split(";"):
        key, _, raw = item.partition("=")
        _read_attribute(key.strip(" \t").lower(), raw.strip(" \t"), options)
    return SetCookie(name, value, **options)


def _read_attribute(key: str, value: str, options: dict[str, Any]) -> None:
    """Store one attribute in ``options`` if it is known and well formed (the last one wins)."""
    if len(value) > _MAX_ATTRIBUTE_VALUE:
        return
    if key == "expires":
        timestamp = parse_cookie_date(value)
        if timestamp is not None:
            options["expires"] = datetime.fromtimestamp(timestamp, UTC)
    elif key == "max-age":
        if re.fullmatch(r"-?[0-9]+", value):
            options["max_age"] = int(value)
    elif key == "domain":
        domain = value.removeprefix(".").lower()
        if domain:
            options["domain"] = domain
    elif key == "path":
        options["path"] = value if value.startswith("/") else None
    elif key == "samesite":
        samesite = _SAMESITE.get(value.lower())
        if samesite is not None:
            options["samesite"] = samesite
    elif key in ("secure", "httponly", "partitioned"):
        options[key] = True


def parse_cookie_date(value: str) -> int | None:
    """Read a cookie date (RFC 6265 section 5.1.1) into a UNIX timestamp, or None.

    Reads ``Wed, 21 Oct 2015 07:28:00 GMT`` as well as the older ``Wednesday, 21-Oct-15
    07:28:00 GMT`` and ``Wed Oct 21 07:28:00 2015``: the first time, day, month and year
    found among the tokens are used, whatever their order. Dates before 1601 are refused.
    """
    hms: tuple[int, int, int] | None = None
    day = month = year = None
    for token in _DATE_DELIMITERS.split(value):
        if not token:
            continue
        if hms is None and (match := _TIME.fullmatch(token)):
            hms = (int(match[1]), int(match[2]), int(match[3]))
        elif day is None and (match := _DAY.fullmatch(token)):
            day = int(match[1])
        elif month is None and token[:3].lower() in _MONTHS:
            month = _MONTHS.index(token[:3].lower()) + 1
        elif year is None and (match := _YEAR.fullmatch(token)):
            year = int(match[1])
    if hms is None or day is None or month is None or year is None:
        return None
    if year < 100:  # two-digit years: section 5.1.1, steps 3 and 4
        year += 1900 if year >= 70 else 2000
    hour, minute, second = hms
    if year < _MIN_YEAR or hour > 23 or minute > 59 or second > 59:
        return None
    try:
        datetime(year, month, day)  # only checks that the day exists
    except ValueError:
        return None
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
