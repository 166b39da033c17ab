"""JSON-only session data: what is accepted, what is refused and how the error reads."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.sessions import SessionTampered
from bastion.sessions.serializer import MAX_DEPTH, check_json, decode, encode

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), JSON, max_size=5))
def test_check_json_accepts_json_and_round_trips(data: dict[str, Any]) -> None:
    check_json(data)
    assert decode(encode(data)) == data


def test_check_json_accepts_tuples_as_lists() -> None:
    check_json({"pair": (1, "a")})
    assert decode(encode({"pair": (1, "a")})) == {"pair": [1, "a"]}


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ({"when": {1, 2}}, TypeError, r"session\['when'\] is a set"),
        ({"a": [1, {"b": b"x"}]}, TypeError, r"session\['a'\]\[1\]\['b'\] is a bytes"),
        ({"a": {"b": {2: 1}}}, TypeError, r"session\['a'\]\['b'\] has the key 2"),
        ({"a": [float("inf")]}, ValueError, r"session\['a'\]\[0\] is inf"),
    ],
)
def test_check_json_names_the_offending_value(
    data: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        check_json(data)


def test_check_json_refuses_self_reference() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match=f"nests more than {MAX_DEPTH} levels deep"):
        check_json({"loop": loop})


@pytest.mark.parametrize(
    "text", [b"\x80\x04K\x01.", pickle.dumps({"a": 1}), "NaN", "[1,", "{" * 100_000]
)
def test_decode_refuses_anything_but_json(text: str | bytes) -> None:
    with pytest.raises(SessionTampered, match="not JSON"):
        decode(text)
