"""HTTP dates (RFC 9110 §5.6.7): formatting for ``Last-Modified``, lenient strict reading.

Reading never raises: an unreadable date in a request header means the header is ignored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import format_datetime, formatdate

__all__ = ["http_date", "parse_http_date"]

_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_LONG_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = f"({'|'.join(_MONTHS)})"
_TIME = r"([0-9]{2}):([0-9]{2}):([0-9]{2})"
_IMF_FIXDATE = re.compile(rf"{_DAY}, ([0-9]{{2}}) {_MONTH} ([0-9]{{4}}) {_TIME} GMT")
_RFC850_DATE = re.compile(rf"{_LONG_DAY}, ([0-9]{{2}})-{_MONTH}-([0-9]{{2}}) {_TIME} GMT")
_ASCTIME_DATE = re.compile(rf"{_DAY} {_MONTH} ([0-9 ][0-9]) {_TIME} ([0-9]{{4}})")
_MAX_DATE_LENGTH = 64


def http_date(value: datetime | float) -> str:
    """Format a moment as an IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``).

    Args:
        value: an aware datetime, a naive one taken as UTC, or a POSIX timestamp.

    Returns:
        The date for ``Last-Modified``, ``Expires`` and the like (fractions of a second are
        dropped, as HTTP dates have none).
    """
    if isinstance(value, datetime):
        # From the fields, not through a float timestamp: far-future dates would round up.
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return format_datetime(moment, usegmt=True)
    return formatdate(value, usegmt=True)


def parse_http_date(value: str) -> datetime | None:
    """Read an HTTP-date in any of its three RFC 9110 forms; None when it is not one.

    Args:
        value: an IMF-fixdate, or the obsolete RFC 850 and asctime forms that RFC 9110
            still asks recipients to accept. Two-digit years more than 50 years ahead are
            read as the past century.

    Returns:
        An aware UTC datetime. An invalid date gives None (RFC 9110 says to ignore the
        header then), never an exception.
    """
    value = value.strip()
    if len(value) > _MAX_DATE_LENGTH:
        return None
    if match := _IMF_FIXDATE.fullmatch(value):
        day, month, year, hour, minute, second = match.groups()
        full_year = int(year)
    elif match := _RFC850_DATE.fullmatch(value):
        day, month, year, hour, minute, second = match.groups()
        full_year = _two_digit_year(int(year))
    elif match := _ASCTIME_DATE.fullmatch(value):
        month, day, hour, minute, second, year = match.groups()
        full_year = int(year)
    else:
        return None
    try:
        return datetime(
            full_year,
            _MONTHS.index(month) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=UTC,
        )
    except ValueError:  # 31 Feb, 25:00, a leap second...
        return None


def _two_digit_year(year: int) -> int:
    # RFC 9110 §5.6.7: a year more than 50 years ahead is the latest past one with those digits.
    this_year = datetime.now(UTC).year
    full = this_year - this_year % 100 + year
    return full - 100 if full > this_year + 50 else full
