from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bastion.http import dates
from bastion.http.dates import http_date, parse_http_date

MODIFIED = datetime(2024, 5, 17, 12, 30, 15, tzinfo=UTC)
MODIFIED_TEXT = "Fri, 17 May 2024 12:30:15 GMT"


@pytest.mark.parametrize(
    "value",
    [
        MODIFIED,
        MODIFIED.replace(tzinfo=None),
        MODIFIED.astimezone(timezone(timedelta(hours=5))),
        MODIFIED.timestamp(),
        MODIFIED.timestamp() + 0.9,
    ],
)
def test_http_date_formats_imf_fixdate(value: datetime | float) -> None:
    assert http_date(value) == MODIFIED_TEXT


@pytest.mark.parametrize(
    "text",
    [
        MODIFIED_TEXT,
        "Friday, 17-May-24 12:30:15 GMT",
        "Fri May 17 12:30:15 2024",
        f"  {MODIFIED_TEXT}  ",
    ],
)
def test_parse_http_date_reads_three_forms(text: str) -> None:
    assert parse_http_date(text) == MODIFIED


def test_parse_http_date_single_digit_asctime_day() -> None:
    assert parse_http_date("Sun Nov  6 08:49:37 1994") == datetime(
        1994, 11, 6, 8, 49, 37, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "Fri, 17 May 2024 12:30:15 UTC",
        "fri, 17 may 2024 12:30:15 GMT",
        "Fri, 31 Feb 2024 12:30:15 GMT",
        "Fri, 17 May 2024 12:30:60 GMT",
        "Fri, 17 May 2024 25:30:15 GMT",
        "Fri, 17 May 2024 12:30:15 GMT" + " " * 10 + "x" * 60,
        "Fri, 17 May 2024 12:30:15 GMT, Sat, 18 May 2024 12:30:15 GMT",
        "Fri, \u0661\u0667 May 2024 12:30:15 GMT",
    ],
)
def test_parse_http_date_rejects_invalid(text: str) -> None:
    assert parse_http_date(text) is None


def _two_digit(year: int) -> int | None:
    parsed = parse_http_date(f"Monday, 01-Jan-{year % 100:02d} 00:00:00 GMT")
    return None if parsed is None else parsed.year


@pytest.mark.parametrize("this_year", [2026, 2049])
def test_parse_http_date_two_digit_year_is_never_far_future(
    monkeypatch: pytest.MonkeyPatch, this_year: int
) -> None:
    # The reading depends on the current year: the clock is frozen so that the test cannot
    # straddle a New Year (the test and the parser each reading the year once).
    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:
            return cls(this_year, 6, 15, 12, 0, 0, tzinfo=tz)

    monkeypatch.setattr(dates, "datetime", Frozen)
    assert _two_digit(this_year) == this_year
    assert _two_digit(this_year + 50) == this_year + 50  # 50 years ahead: still the future
    assert _two_digit(this_year + 51) == this_year + 51 - 100  # more: the last century
    assert _two_digit(this_year + 60) == this_year + 60 - 100


# No deadline: a wall-clock limit per example measures the machine (a loaded CI runner, other
# test runs alongside), not the code. The boundaries are checked on every run, whatever
# Hypothesis draws.
@settings(database=None, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(9999, 12, 31, 23, 59, 59),
        timezones=st.just(UTC),
    )
)
@example(datetime(1970, 1, 1, tzinfo=UTC))
@example(datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC))
@example(datetime(2024, 2, 29, 23, 59, 59, 500_000, tzinfo=UTC))
def test_http_date_round_trips(moment: datetime) -> None:
    assert parse_http_date(http_date(moment)) == moment.replace(microsecond=0)
