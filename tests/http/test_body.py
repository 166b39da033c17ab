"""Tests for bastion.http.body: Content-Length / Content-Type parsing and BodyReader."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.http.body import (
    DEFAULT_CHUNK_SIZE,
    BodyConsumedError,
    BodyReader,
    parse_content_length,
    parse_content_type,
)
from bastion.http.exceptions import BadRequest, RequestEntityTooLarge


class Stream:
    """A ``read(n)`` source that records every call and may return short reads."""

    def __init__(self, data: bytes, *, max_read: int | None = None) -> None:
        self._buffer = io.BytesIO(data)
        self.max_read = max_read
        self.calls: list[int] = []

    def __call__(self, size: int) -> bytes:
        self.calls.append(size)
        if self.max_read is not None:
            size = min(size, self.max_read)
        return self._buffer.read(size)

    @property
    def position(self) -> int:
        return self._buffer.tell()


def forbidden_read(size: int) -> bytes:
    raise AssertionError("the stream must not be read")


# -- parse_content_length ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("0", 0),
        ("42", 42),
        ("007", 7),
        (" 42\t", 42),
        ("9" * 19, 10**19 - 1),
    ],
)
def test_parse_content_length_accepts_digits(value: str | None, expected: int | None) -> None:
    assert parse_content_length(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "-1",
        "+1",
        "1e3",
        "0x10",
        "1 2",
        "1.0",
        "1_000",
        "42, 42",
        "abc",
        "\u0661\u0662",  # ARABIC-INDIC digits: int() would take them.
        "\u00b2",  # SUPERSCRIPT TWO: str.isdigit() is true for it.
        "1" * 20,
        "9" * 4000,
    ],
)
def test_parse_content_length_rejects_anything_else(value: str) -> None:
    with pytest.raises(BadRequest, match="Content-Length header is not a valid non-negative"):
        parse_content_length(value)


@given(st.integers(min_value=0, max_value=10**19 - 1))
def test_parse_content_length_round_trips_integers(number: int) -> None:
    assert parse_content_length(str(number)) == number


@given(st.text())
def test_parse_content_length_never_accepts_non_ascii_digits(value: str) -> None:
    try:
        result = parse_content_length(value)
    except BadRequest:
        return
    stripped = value.strip(" \t")
    assert result is None if not stripped else result == int(stripped)
    assert stripped.isascii()


# -- parse_content_type -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ("", {})),
        ("text/html", ("text/html", {})),
        (" Text/HTML ", ("text/html", {})),
        ("text/html; charset=UTF-8", ("text/html", {"charset": "UTF-8"})),
        ("text/html;CHARSET=utf-8", ("text/html", {"charset": "utf-8"})),
        (
            'multipart/form-data; boundary="a;b c"',
            ("multipart/form-data", {"boundary": "a;b c"}),
        ),
        ('a/b; x="say \\"hi\\""', ("a/b", {"x": 'say "hi"'})),
        ("a/b; flag; x=1", ("a/b", {"flag": "", "x": "1"})),
        ("a/b; title*=UTF-8''%C3%A9; x=1", ("a/b", {"x": "1"})),
        ("a/b; x=\u00e9", ("a/b", {"x": "\u00e9"})),
    ],
)
def test_parse_content_type_splits_type_and_params(
    value: str, expected: tuple[str, dict[str, str]]
) -> None:
    assert parse_content_type(value) == expected


def test_parse_content_type_rejects_characters_beyond_latin1() -> None:
    with pytest.raises(BadRequest, match="outside latin-1"):
        parse_content_type("text/plain; x=\u20ac")


# -- BodyReader: construction and fast path ---------------------------------------------------


@pytest.mark.parametrize(
    ("content_length", "max_size"),
    [(-1, None), (None, -1), (-5, 10)],
)
def test_body_reader_rejects_negative_arguments(
    content_length: int | None, max_size: int | None
) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        BodyReader(forbidden_read, content_length=content_length, max_size=max_size)


@pytest.mark.parametrize("max_size", [None, 0, 10])
def test_body_reader_declared_empty_body_never_touches_the_stream(max_size: int | None) -> None:
    reader = BodyReader(forbidden_read, content_length=0, max_size=max_size)
    assert reader.consumed
    assert reader.read_all() == b""
    assert reader.read() == b""
    assert reader.read(10) == b""
    assert list(reader.iter_chunks()) == []


def test_body_reader_construction_does_no_io() -> None:
    reader = BodyReader(forbidden_read, content_length=100, max_size=1000)
    assert not reader.consumed


# -- BodyReader: read_all ---------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False])
@pytest.mark.parametrize("size", [1, 100, DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE * 3 + 7])
def test_body_reader_read_all_returns_the_body(declared: bool, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    reader = BodyReader(Stream(data), content_length=len(data) if declared else None, max_size=size)
    assert reader.read_all() == data
    assert reader.consumed


def test_body_reader_read_all_is_cached() -> None:
    stream = Stream(b"hello world")
    reader = BodyReader(stream, content_length=None, max_size=None)
    first = reader.read_all()
    calls = len(stream.calls)
    assert reader.read_all() is first
    assert len(stream.calls) == calls


def test_body_reader_read_all_handles_short_reads() -> None:
    stream = Stream(b"abcdefghij", max_read=3)
    reader = BodyReader(stream, content_length=10, max_size=None)
    assert reader.read_all() == b"abcdefghij"


def test_body_reader_read_all_after_streaming_raises_a_clear_error() -> None:
    reader = BodyReader(Stream(b"abcdef"), content_length=6, max_size=None)
    assert reader.read(2) == b"ab"
    with pytest.raises(BodyConsumedError, match="already read as a stream"):
        reader.read_all()


def test_body_reader_read_all_after_streaming_an_empty_body_is_empty() -> None:
    reader = BodyReader(Stream(b""), content_length=None, max_size=None)
    assert list(reader.iter_chunks()) == []
    assert reader.read_all() == b""


def test_body_reader_replays_the_cache_after_read_all() -> None:
    reader = BodyReader(Stream(b"abcdefgh"), content_length=8, max_size=None)
    assert reader.read_all() == b"abcdefgh"
    assert reader.read(3) == b"abc"
    assert list(reader.iter_chunks(2)) == [b"de", b"fg", b"h"]
    assert reader.read() == b""
    assert reader.read_all() == b"abcdefgh"


def test_body_reader_replay_read_minus_one_returns_the_rest() -> None:
    reader = BodyReader(Stream(b"abcdefgh"), content_length=None, max_size=None)
    reader.read_all()
    assert reader.read(2) == b"ab"
    assert reader.read() == b"cdefgh"


# -- BodyReader: streaming --------------------------------------------------------------------


def test_body_reader_read_returns_up_to_size() -> None:
    reader = BodyReader(Stream(b"abcdef"), content_length=6, max_size=None)
    steps = [reader.read(4), reader.consumed, reader.read(4), reader.consumed, reader.read(4)]
    assert steps == [b"abcd", False, b"ef", True, b""]


def test_body_reader_read_zero_returns_nothing_and_reads_nothing() -> None:
    stream = Stream(b"abc")
    reader = BodyReader(stream, content_length=3, max_size=None)
    assert reader.read(0) == b""
    assert stream.calls == []


@pytest.mark.parametrize("content_length", [6, None])
def test_body_reader_read_without_size_returns_everything(content_length: int | None) -> None:
    reader = BodyReader(Stream(b"abcdef", max_read=2), content_length=content_length, max_size=6)
    assert reader.read() == b"abcdef"
    assert reader.read() == b""


@pytest.mark.parametrize("chunk_size", [1, 3, 1000])
def test_body_reader_iter_chunks_yields_the_body(chunk_size: int) -> None:
    data = b"0123456789"
    reader = BodyReader(Stream(data), content_length=None, max_size=100)
    chunks = list(reader.iter_chunks(chunk_size))
    assert b"".join(chunks) == data
    assert all(0 < len(chunk) <= chunk_size for chunk in chunks)


@pytest.mark.parametrize("chunk_size", [0, -1])
def test_body_reader_iter_chunks_rejects_non_positive_size(chunk_size: int) -> None:
    reader = BodyReader(forbidden_read, content_length=10, max_size=None)
    with pytest.raises(ValueError, match="positive"):
        reader.iter_chunks(chunk_size)


def test_body_reader_never_reads_past_the_declared_length() -> None:
    stream = Stream(b"bodyNEXT-REQUEST")
    reader = BodyReader(stream, content_length=4, max_size=None)
    assert reader.read_all() == b"body"
    assert stream.position == 4
    assert all(size <= 4 for size in stream.calls)


def test_body_reader_truncates_a_stream_that_returns_more_than_asked() -> None:
    def generous(size: int) -> bytes:
        return b"x" * (size + 10)

    reader = BodyReader(generous, content_length=5, max_size=None)
    assert reader.read_all() == b"xxxxx"


def test_body_reader_unknown_length_without_limit_reads_to_the_end() -> None:
    data = b"z" * (DEFAULT_CHUNK_SIZE * 2 + 1)
    reader = BodyReader(Stream(data), content_length=None, max_size=None)
    assert reader.read_all() == data


@given(
    data=st.binary(max_size=2000),
    max_read=st.integers(min_value=1, max_value=300),
    chunk_size=st.integers(min_value=1, max_value=500),
    declared=st.booleans(),
)
def test_body_reader_iter_chunks_reassembles_any_body(
    data: bytes, max_read: int, chunk_size: int, declared: bool
) -> None:
    reader = BodyReader(
        Stream(data, max_read=max_read),
        content_length=len(data) if declared else None,
        max_size=len(data),
    )
    assert b"".join(reader.iter_chunks(chunk_size)) == data
    assert reader.consumed


# -- BodyReader: limits and truncation --------------------------------------------------------


def test_body_reader_declared_length_over_limit_raises_without_reading() -> None:
    reader = BodyReader(forbidden_read, content_length=11, max_size=10)
    with pytest.raises(RequestEntityTooLarge, match="11 bytes; the limit is 10 bytes"):
        reader.read(1)
    assert reader.consumed


def test_body_reader_declared_length_at_limit_is_accepted() -> None:
    reader = BodyReader(Stream(b"x" * 10), content_length=10, max_size=10)
    assert reader.read_all() == b"x" * 10


def test_body_reader_unknown_length_over_limit_raises_as_it_streams() -> None:
    stream = Stream(b"x" * 1000)
    reader = BodyReader(stream, content_length=None, max_size=10)
    with pytest.raises(RequestEntityTooLarge, match="over the limit of 10 bytes"):
        reader.read_all()
    assert stream.position == 11  # One byte past the limit, no more.


def test_body_reader_unknown_length_at_limit_is_accepted() -> None:
    reader = BodyReader(Stream(b"x" * 10), content_length=None, max_size=10)
    assert reader.read_all() == b"x" * 10


def test_body_reader_unknown_length_with_zero_limit_accepts_empty_body() -> None:
    reader = BodyReader(Stream(b""), content_length=None, max_size=0)
    assert reader.read_all() == b""


def test_body_reader_truncated_body_raises_bad_request() -> None:
    reader = BodyReader(Stream(b"abc"), content_length=10, max_size=None)
    with pytest.raises(BadRequest, match="ended before the Content-Length bytes arrived"):
        reader.read_all()
    assert reader.consumed


@pytest.mark.parametrize(
    ("make_reader", "error"),
    [
        (lambda: BodyReader(Stream(b"abc"), content_length=10, max_size=None), BadRequest),
        (
            lambda: BodyReader(Stream(b"x" * 50), content_length=None, max_size=5),
            RequestEntityTooLarge,
        ),
        (lambda: BodyReader(forbidden_read, content_length=50, max_size=5), RequestEntityTooLarge),
    ],
)
def test_body_reader_errors_are_sticky(
    make_reader: Callable[[], BodyReader], error: type[Exception]
) -> None:
    reader = make_reader()
    with pytest.raises(error):
        reader.read_all()
    with pytest.raises(error):
        reader.read(1)
    with pytest.raises(error):
        reader.read_all()
