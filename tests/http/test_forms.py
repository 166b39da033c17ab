"""Tests for bastion.http.forms.parse_urlencoded."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.http.datastructures import MultiDict
from bastion.http.exceptions import BadRequest
from bastion.http.forms import parse_urlencoded


def assert_pairs(result: MultiDict[str, str], expected: list[tuple[str, str]]) -> None:
    """Same keys in first-seen order, same values per key in arrival order."""
    assert list(result.lists()) == list(MultiDict(expected).lists())


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", []),
        (b"a=1", [("a", "1")]),
        (b"a=1&b=2&a=3", [("a", "1"), ("b", "2"), ("a", "3")]),
        (b"a=&b", [("a", ""), ("b", "")]),
        (b"=", [("", "")]),
        (b"=x", [("", "x")]),
        (b"a=1=2", [("a", "1=2")]),
        (b"q=hello+world", [("q", "hello world")]),
        (b"q=a%2Bb", [("q", "a+b")]),
        (b"q=100%25", [("q", "100%")]),
        (b"q=a%26b%3Dc", [("q", "a&b=c")]),
        (b"na+me=v", [("na me", "v")]),
        (b"n%61me=v", [("name", "v")]),
        (b"city=S%C3%A3o+Paulo", [("city", "S\u00e3o Paulo")]),
        ("city=S\u00e3o".encode(), [("city", "S\u00e3o")]),
        (b"a=1&&b=2&", [("a", "1"), ("b", "2")]),
        (b"&&&", []),
        (b"a=1;b=2", [("a", "1;b=2")]),
        (b"q=%zz&r=%4", [("q", "%zz"), ("r", "%4")]),
        (b"q=%00", [("q", "\x00")]),
    ],
)
def test_parse_urlencoded_decodes_pairs(data: bytes, expected: list[tuple[str, str]]) -> None:
    assert_pairs(parse_urlencoded(data, max_fields=100), expected)


def test_parse_urlencoded_returns_a_multidict() -> None:
    result = parse_urlencoded(b"a=1&a=2", max_fields=10)
    assert isinstance(result, MultiDict)
    assert result["a"] == "2"
    assert result.getlist("a") == ["1", "2"]


@pytest.mark.parametrize(
    ("data", "encoding", "expected"),
    [
        (b"x=caf%E9", "latin-1", "caf\u00e9"),
        (b"x=caf\xe9", "latin-1", "caf\u00e9"),
        (b"x=%82%A0", "shift_jis", "\u3042"),
    ],
)
def test_parse_urlencoded_uses_the_given_encoding(
    data: bytes, encoding: str, expected: str
) -> None:
    assert parse_urlencoded(data, max_fields=10, encoding=encoding)["x"] == expected


@pytest.mark.parametrize(
    "data",
    [b"x=caf%E9", b"x=caf\xe9", b"caf%E9=x", b"x=%C3", b"x=%ED%A0%80", b"x=%FF+%FE"],
)
def test_parse_urlencoded_rejects_invalid_utf8(data: bytes) -> None:
    with pytest.raises(BadRequest, match="not valid utf-8 once percent-decoded"):
        parse_urlencoded(data, max_fields=10)


@pytest.mark.parametrize("encoding", ["no-such-codec", "rot13", "hex"])
def test_parse_urlencoded_rejects_unknown_or_non_text_encodings(encoding: str) -> None:
    with pytest.raises(BadRequest, match="character encoding is not supported"):
        parse_urlencoded(b"a=1", max_fields=10, encoding=encoding)


@pytest.mark.parametrize(
    ("data", "max_fields"),
    [
        (b"a=1&b=2&c=3", 3),
        (b"a=1&&&b=2&&c=3&", 3),
        (b"&&a=1&&", 1),
        (b"&&&&", 0),
        (b"", 0),
    ],
)
def test_parse_urlencoded_accepts_up_to_max_fields(data: bytes, max_fields: int) -> None:
    assert len(list(parse_urlencoded(data, max_fields=max_fields).multi_items())) <= max_fields


@pytest.mark.parametrize(
    ("data", "max_fields"),
    [
        (b"a=1&b=2&c=3&d=4", 3),
        (b"a=1&&b=2&&c=3&&d=4", 3),
        (b"a", 0),
        (b"&".join([b"x=1"] * 1001), 1000),
    ],
)
def test_parse_urlencoded_refuses_more_than_max_fields(data: bytes, max_fields: int) -> None:
    with pytest.raises(BadRequest, match=f"Too many form fields: the limit is {max_fields}\\b"):
        parse_urlencoded(data, max_fields=max_fields)


_text = st.text(st.characters(codec="utf-8"), max_size=20)


@given(st.lists(st.tuples(_text, _text), max_size=20))
def test_parse_urlencoded_round_trips_urlencode(pairs: list[tuple[str, str]]) -> None:
    data = urlencode(pairs).encode("ascii")
    assert_pairs(parse_urlencoded(data, max_fields=20), pairs)


@given(st.text(alphabet="ab=&+%20C3A9;", max_size=40))
def test_parse_urlencoded_agrees_with_parse_qsl(query: str) -> None:
    try:
        expected = parse_qsl(query, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        with pytest.raises(BadRequest):
            parse_urlencoded(query.encode("ascii"), max_fields=100)
        return
    assert_pairs(parse_urlencoded(query.encode("ascii"), max_fields=100), expected)
