"""Byte ranges (RFC 9110 §14) in ``bastion.http.ranges``, mostly through ``finalize_response``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.http import ranges
from bastion.http.conditional import finalize_response
from bastion.http.exceptions import RangeNotSatisfiable
from bastion.http.headers import RequestHeaders
from bastion.http.ranges import (
    MAX_RANGES,
    narrow_to_range,
    parse_range,
    representation_length,
    select_range,
)
from bastion.http.request import Request
from bastion.http.response import Response, StreamingResponse
from bastion.settings.core import Settings

SETTINGS = Settings(DEBUG=True)
ETAG = '"v1"'
MODIFIED_TEXT = "Fri, 17 May 2024 12:30:15 GMT"
BODY = bytes(range(100))


def make_request(method: str = "GET", **headers: str) -> Request:
    names = {name.replace("_", "-"): value for name, value in headers.items()}
    return Request(settings=SETTINGS, method=method, headers=RequestHeaders(names))


def validated() -> Response:
    response = Response(b"hello")
    response.headers["ETag"] = ETAG
    response.headers["Last-Modified"] = MODIFIED_TEXT
    return response


class RangedResponse(Response):
    """An in-memory response that opts in to ranges."""

    accepts_ranges = True


def ranged(body: bytes = BODY, **headers: str) -> RangedResponse:
    response = RangedResponse(body, content_type="application/octet-stream")
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


class RangedStream(StreamingResponse):
    """A stream that claims range support but cannot seek."""

    accepts_ranges = True


def _stream() -> Iterator[bytes]:
    yield BODY


# -- parse_range ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", [(0, 9)]),
        ("bytes=10-", [(10, 99)]),
        ("bytes=-10", [(90, 99)]),
        ("bytes=-1000", [(0, 99)]),
        ("bytes=90-1000", [(90, 99)]),
        ("bytes=0-0,-1", [(0, 0), (99, 99)]),
        ("Bytes=0-0", [(0, 0)]),
        ("bytes = 0-0", [(0, 0)]),
        ("bytes=0-0 , 5-5", [(0, 0), (5, 5)]),
        ("bytes=,0-0,,", [(0, 0)]),
        ("bytes=100-", []),
        ("bytes=100-200", []),
        ("bytes=-0", []),
        ("bytes=100-,0-0", [(0, 0)]),
        ("bytes=99999999999999999999-", []),
        ("bytes=0-99999999999999999999", [(0, 99)]),
        ("bytes=" + "9" * 5000 + "-", []),
        ("bytes=-" + "9" * 5000, [(0, 99)]),
        ("bytes=" + "9" * 40 + "-" + "9" * 40, []),
    ],
)
def test_parse_range_reads_specs(header: str, expected: list[tuple[int, int]]) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize(
    "header",
    [
        "",
        "bytes",
        "bytes=",
        "bytes=,",
        "bytes=-",
        "bytes=5-4",
        "bytes=a-b",
        "bytes=0-1-2",
        "bytes=0 - 1",
        "bytes=+1-2",
        "bytes=\u0660-\u0661",
        "items=0-1",
        "bytes=0-0,x",
        "bytes=1",
    ],
)
def test_parse_range_malformed_is_none(header: str) -> None:
    assert parse_range(header, 100) is None


def test_parse_range_counts_at_most_max_ranges() -> None:
    assert parse_range("bytes=" + ",".join(["0-0"] * MAX_RANGES), 10) == [(0, 0)] * MAX_RANGES
    assert parse_range("bytes=" + ",".join(["0-0"] * (MAX_RANGES + 1)), 10) is None


def test_parse_range_zero_length_is_unsatisfiable() -> None:
    assert parse_range("bytes=-5", 0) == []
    assert parse_range("bytes=0-", 0) == []


@st.composite
def ranges_within(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    length = draw(st.integers(min_value=1, max_value=10**15))
    pairs = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        first = draw(st.integers(min_value=0, max_value=length - 1))
        last = draw(st.integers(min_value=first, max_value=length - 1))
        pairs.append((first, last))
    return length, pairs


@settings(database=None)
@given(ranges_within())
def test_parse_range_round_trips_formatted_ranges(
    case: tuple[int, list[tuple[int, int]]],
) -> None:
    length, pairs = case
    header = "bytes=" + ", ".join(f"{first}-{last}" for first, last in pairs)
    assert parse_range(header, length) == pairs


@settings(database=None)
@given(st.integers(min_value=1, max_value=10**15), st.integers(min_value=1, max_value=10**16))
def test_parse_range_suffix_is_the_tail(length: int, suffix: int) -> None:
    assert parse_range(f"bytes=-{suffix}", length) == [(max(0, length - suffix), length - 1)]


@settings(database=None)
@given(st.text(max_size=200), st.integers(min_value=0, max_value=10**6))
def test_parse_range_never_raises_and_stays_inside(header: str, length: int) -> None:
    result = parse_range(header, length)
    if result is not None:
        assert len(result) <= MAX_RANGES
        assert all(0 <= first <= last < length for first, last in result)


@settings(database=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=20))
def test_coalesce_covers_the_same_bytes(pairs: list[tuple[int, int]]) -> None:
    spans = [(min(a, b), max(a, b)) for a, b in pairs]
    merged = ranges._coalesce(spans)
    covered = {i for first, last in spans for i in range(first, last + 1)}
    assert {i for first, last in merged for i in range(first, last + 1)} == covered
    assert all(merged[i][1] + 1 < merged[i + 1][0] for i in range(len(merged) - 1))


# -- finalize_response: ranges --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=10-", 10, 99),
        ("bytes=-5", 95, 99),
        ("bytes=0-", 0, 99),
        ("bytes=0-9,10-19", 0, 19),
        ("bytes=5-5,0-9,3-4", 0, 9),
        ("bytes=200-,10-19", 10, 19),
    ],
)
def test_finalize_response_single_range_is_206(header: str, first: int, last: int) -> None:
    response = ranged()
    result = finalize_response(make_request(range=header), response)
    assert result is response
    assert result.status_code == 206
    assert result.body == BODY[first : last + 1]
    assert result.headers["Content-Range"] == f"bytes {first}-{last}/100"
    assert result.headers["Content-Length"] == str(last - first + 1)


@pytest.mark.parametrize("header", ["bytes=0-0,10-10", "bytes=0-9,20-29,40-"])
def test_finalize_response_disjoint_ranges_send_everything(header: str) -> None:
    response = ranged()
    result = finalize_response(make_request(range=header), response)
    assert result.status_code == 200
    assert result.body == BODY


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=-0", "bytes=500-600,100-"])
def test_finalize_response_unsatisfiable_is_416(header: str) -> None:
    response = ranged(X_Frame_Options="DENY")
    result = finalize_response(make_request(range=header), response)
    assert result.status_code == 416
    assert result.headers["Content-Range"] == "bytes */100"
    assert result.headers["X-Frame-Options"] == "DENY"
    assert "Accept-Ranges" not in result.headers


@pytest.mark.parametrize("header", ["bytes=9-1", "pages=1-2", "bytes=x", "nonsense"])
def test_finalize_response_malformed_range_is_ignored(header: str) -> None:
    response = ranged()
    result = finalize_response(make_request(range=header), response)
    assert result.status_code == 200
    assert result.body == BODY


def test_finalize_response_head_ignores_range() -> None:
    response = ranged()
    assert finalize_response(make_request("HEAD", range="bytes=0-1"), response).status_code == 200


def test_finalize_response_range_needs_range_support() -> None:
    response = validated()
    assert finalize_response(make_request(range="bytes=0-1"), response).status_code == 200


def test_finalize_response_range_on_empty_body_sends_it_whole() -> None:
    response = ranged(b"")
    assert finalize_response(make_request(range="bytes=-5"), response).status_code == 200


@pytest.mark.parametrize("length", ["100", None, "lots"])
def test_finalize_response_stream_without_with_range_is_sent_whole(length: str | None) -> None:
    response = RangedStream(_stream())
    if length is not None:
        response.headers["Content-Length"] = length
    result = finalize_response(make_request(range="bytes=0-9"), response)
    assert result.status_code == 200
    assert b"".join(result.iter_body()) == BODY


# -- representation_length ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (Response(b"abc"), 3),
        (Response(b""), 0),
        (StreamingResponse(iter([b"x"]), headers={"Content-Length": "7"}), 7),
        (StreamingResponse(iter([b"x"])), None),
        (StreamingResponse(iter([b"x"]), headers={"Content-Length": "-1"}), None),
    ],
)
def test_representation_length(response: Response, expected: int | None) -> None:
    assert representation_length(response) == expected


# -- select_range and narrow_to_range directly -----------------------------------------------------


def _never_asked(value: str) -> bool:
    raise AssertionError(f"If-Range {value!r} was compared, but it does not apply here")


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"if_range": ETAG}, BODY),  # no Range: If-Range is ignored (RFC 9110 §13.1.5)
        ({"range": "bytes=0-9", "if_range": ETAG}, b""),  # nothing to point at
    ],
)
def test_select_range_compares_if_range_only_when_it_applies(
    headers: dict[str, str], body: bytes
) -> None:
    assert select_range(make_request(**headers), ranged(body), _never_asked) is None


@pytest.mark.parametrize(("passes", "expected"), [(True, (0, 9, 100)), (False, None)])
def test_select_range_follows_the_if_range_comparison(
    passes: bool, expected: tuple[int, int, int] | None
) -> None:
    compared: list[str] = []

    def if_range_passes(value: str) -> bool:
        compared.append(value)
        return passes

    request = make_request(range="bytes=0-9", if_range=ETAG)
    assert select_range(request, ranged(), if_range_passes) == expected
    assert compared == [ETAG]


def test_select_range_unsatisfiable_raises_with_content_range() -> None:
    with pytest.raises(RangeNotSatisfiable) as raised:
        select_range(make_request(range="bytes=100-"), ranged(), _never_asked)
    assert raised.value.headers == {"Content-Range": "bytes */100"}


def test_narrow_to_range_slices_an_in_memory_body() -> None:
    response = ranged()
    narrow_to_range(response, 90, 99, 100)
    assert response.status_code == 206
    assert response.body == BODY[90:]
    assert response.headers["Content-Range"] == "bytes 90-99/100"
    assert response.headers["Content-Length"] == "10"


def test_narrow_to_range_leaves_a_plain_stream_whole() -> None:
    response = RangedStream(_stream())
    narrow_to_range(response, 0, 9, 100)
    assert response.status_code == 200
    assert "Content-Range" not in response.headers
    assert b"".join(response.iter_body()) == BODY


class SeekingResponse(RangedResponse):
    """A response that narrows itself, as FileResponse does."""

    asked: tuple[int, int] | None = None

    def with_range(self, first: int, last: int) -> None:
        self.asked = (first, last)


def test_narrow_to_range_lets_a_response_narrow_itself() -> None:
    response = SeekingResponse(BODY)
    narrow_to_range(response, 10, 19, 100)
    assert response.asked == (10, 19)
    assert response.status_code == 200  # with_range, not narrow_to_range, sets the 206
    assert response.body == BODY
