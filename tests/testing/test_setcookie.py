from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.http.cookies import format_set_cookie
from bastion.testing import SetCookie
from bastion.testing._setcookie import parse_cookie_date, parse_set_cookie


def _ts(*args: int) -> int:
    return calendar.timegm((*args, 0, 0, 0))


def test_parse_set_cookie_name_and_value_only() -> None:
    assert parse_set_cookie("sid=abc") == SetCookie("sid", "abc")


def test_parse_set_cookie_every_attribute() -> None:
    cookie = parse_set_cookie(
        "sid=abc; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=60; Domain=.Example.COM; "
        "Path=/app; Secure; HttpOnly; SameSite=strict; Partitioned"
    )
    assert cookie == SetCookie(
        "sid",
        "abc",
        expires=datetime(2037, 10, 21, 7, 28, tzinfo=UTC),
        max_age=60,
        domain="example.com",
        path="/app",
        secure=True,
        httponly=True,
        samesite="Strict",
        partitioned=True,
    )


def test_parse_set_cookie_reads_what_bastion_writes() -> None:
    header = format_set_cookie("__Host-sid", "v", max_age=timedelta(hours=1), samesite="None")
    cookie = parse_set_cookie(header)
    assert cookie is not None
    assert (cookie.name, cookie.value, cookie.max_age, cookie.path) == (
        "__Host-sid",
        "v",
        3600,
        "/",
    )
    assert cookie.secure
    assert cookie.httponly
    assert cookie.samesite == "None"
    assert cookie.expires is not None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("  a = b  ; path=/x", SetCookie("a", "b", path="/x")),
        ("a=", SetCookie("a", "")),
        ("a=b=c", SetCookie("a", "b=c")),
        ('a="quoted"', SetCookie("a", '"quoted"')),
        ("a=1; Max-Age=oops; Max-Age=+5; Max-Age=1.5", SetCookie("a", "1")),
        ("a=1; Max-Age=-1", SetCookie("a", "1", max_age=-1)),
        ("a=1; Max-Age=5; Max-Age=7", SetCookie("a", "1", max_age=7)),
        ("a=1; Expires=not a date", SetCookie("a", "1")),
        ("a=1; Domain=; Domain=.", SetCookie("a", "1")),
        ("a=1; Path=relative", SetCookie("a", "1", path=None)),
        ("a=1; Path=/x; Path=", SetCookie("a", "1", path=None)),
        ("a=1; SameSite=Sometimes", SetCookie("a", "1")),
        ("a=1; SECURE=yes; httponly", SetCookie("a", "1", secure=True, httponly=True)),
        ("a=1; Unknown=2; ; Flag", SetCookie("a", "1")),
        ("a=1; Path=/" + "x" * 1100, SetCookie("a", "1")),
    ],
)
def test_parse_set_cookie_is_lenient(header: str, expected: SetCookie) -> None:
    assert parse_set_cookie(header) == expected


@pytest.mark.parametrize(
    "header",
    ["", "novalue", "=value", " =value", "a\x01=1", "a=\x7f", "a=" + "x" * 4096, "; a=1"],
)
def test_parse_set_cookie_drops_what_browsers_drop(header: str) -> None:
    assert parse_set_cookie(header) is None


def test_parse_set_cookie_allows_tab_in_value() -> None:
    cookie = parse_set_cookie("a=x\ty")
    assert cookie is not None
    assert cookie.value == "x\ty"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 21 Oct 2015 07:28:00 GMT", _ts(2015, 10, 21, 7, 28, 0)),
        ("Wednesday, 21-Oct-15 07:28:00 GMT", _ts(2015, 10, 21, 7, 28, 0)),
        ("Wed Oct 21 07:28:00 2015", _ts(2015, 10, 21, 7, 28, 0)),
        ("21 October 1999 23:59:59", _ts(1999, 10, 21, 23, 59, 59)),
        ("Thu, 01-Jan-70 00:00:01 GMT", 1),
        ("Sat, 01-Jan-69 00:00:00 GMT", _ts(2069, 1, 1, 0, 0, 0)),
        ("1 jan 2000 1:2:3", _ts(2000, 1, 1, 1, 2, 3)),
        ("01 Jan 2000 00:00:00x 12 Feb 1999", _ts(2000, 1, 1, 0, 0, 0)),
        ("9999 Dec 31 23:59:59", _ts(9999, 12, 31, 23, 59, 59)),  # any order
        ("31 Dec 9999 23:59:59", _ts(9999, 12, 31, 23, 59, 59)),
    ],
)
def test_parse_cookie_date_reads_the_formats_servers_send(value: str, expected: int | None) -> None:
    assert parse_cookie_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Wed, 21 Oct 2015",  # no time
        "Wed, Oct 2015 07:28:00",  # no day
        "Wed, 21 2015 07:28:00",  # no month
        "Wed, 21 Oct 07:28:00",  # no year
        "Wed, 21 Oct 1600 07:28:00 GMT",  # before 1601
        "Wed, 21 Oct 2015 24:00:00 GMT",
        "Wed, 21 Oct 2015 23:60:00 GMT",
        "Wed, 21 Oct 2015 23:59:60 GMT",
        "Wed, 30 Feb 2015 07:28:00 GMT",
        "Wed, 32 Oct 2015 07:28:00 GMT",
    ],
)
def test_parse_cookie_date_refuses_incomplete_or_impossible_dates(value: str) -> None:
    assert parse_cookie_date(value) is None


@given(st.datetimes(min_value=datetime(1601, 1, 1), max_value=datetime(9999, 12, 31)))
def test_parse_cookie_date_round_trips_http_dates(moment: datetime) -> None:
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    assert parse_cookie_date(format_datetime(moment, usegmt=True)) == int(moment.timestamp())


@given(st.text())
def test_parse_set_cookie_never_raises(header: str) -> None:
    parse_set_cookie(header)
