from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_parse_http_date_two_digit_year_is_never_far_future() -> None:
    this_year = datetime.now(UTC).year
    near = parse_http_date(f"Monday, 01-Jan-{this_year % 100:02d} 00:00:00 GMT")
    assert near is not None
    assert near.year == this_year
    far = (this_year + 60) % 100
    past = parse_http_date(f"Monday, 01-Jan-{far:02d} 00:00:00 GMT")
    assert past is not None
    assert past.year == this_year + 60 - 100


@settings(database=None)
@given(
    st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(9999, 12, 31, 23, 59, 59),
        timezones=st.just(UTC),
    )
)
def test_http_date_round_trips(moment: datetime) -> None:
    assert parse_http_date(http_date(moment)) == moment.replace(microsecond=0)
