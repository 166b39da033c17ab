from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.http.body import BodyReader
from bastion.http.datastructures import MultiDict
from bastion.http.forms import parse_urlencoded
from bastion.http.multipart import MultipartLimits, parse_multipart
from bastion.http.uploads import UploadedFile
from bastion.testing._encoding import (
    encode_form,
    encode_json,
    encode_multipart,
    encode_query,
)


@pytest.fixture
def parse() -> Iterator[Any]:
    """Parse a multipart body with Bastion's own parser; close the files afterwards."""
    opened: list[UploadedFile] = []

    def run(body: bytes, content_type: str) -> tuple[MultiDict[str, str], MultiDict[str, Any]]:
        stream = io.BytesIO(body)
        reader = BodyReader(stream.read, content_length=len(body), max_size=None)
        fields, files = parse_multipart(reader, content_type, MultipartLimits())
        opened.extend(upload for _, upload in files.multi_items())
        return fields, files

    yield run
    for upload in opened:
        upload.close()


def test_encode_form_round_trips_through_the_parser() -> None:
    data = {"name": "Zoë & co", "tags": ["a+b", "c d"], "empty": ""}
    body = encode_form(data)
    assert body == b"name=Zo%C3%AB+%26+co&tags=a%2Bb&tags=c+d&empty="
    parsed = parse_urlencoded(body, max_fields=100)
    assert parsed.getlist("tags") == ["a+b", "c d"]
    assert parsed["name"] == "Zoë & co"


def test_encode_query_accepts_pairs_in_order() -> None:
    assert encode_query([("b", "2"), ("a", "1"), ("b", "3")]) == "b=2&a=1&b=3"
    assert encode_query({"t": ("x", "y")}) == "t=x&t=y"


@pytest.mark.parametrize(
    "data",
    [{"n": 5}, {"n": b"x"}, {"n": ["ok", 1]}, {"n": None}, [(1, "x")]],
)
def test_encode_query_refuses_non_strings(data: Any) -> None:
    with pytest.raises(TypeError, match="must be str"):
        encode_query(data)


def test_encode_form_refuses_non_strings() -> None:
    with pytest.raises(TypeError, match="Form names and values must be str"):
        encode_form({"n": 5})  # type: ignore[dict-item]


def test_encode_json_is_compact_utf8() -> None:
    assert encode_json({"a": [1, "é"]}) == '{"a":[1,"é"]}'.encode()
    assert encode_json(None) == b"null"


def test_encode_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="JSON"):
        encode_json(float("nan"))


def test_encode_multipart_round_trips_through_the_parser(parse: Any, tmp_path: Path) -> None:
    on_disk = tmp_path / "report.pdf"
    on_disk.write_bytes(b"%PDF-1.7")
    with on_disk.open("rb") as opened:
        body, content_type = encode_multipart(
            {"title": "Hello\r\nworld", "tag": ["a", "b"]},
            {
                "doc": opened,
                "avatar": ("me.png", b"\x89PNG\r\n", "image/png"),
                "notes": [("a.txt", b"one"), ("b.unknownext", io.BytesIO(b"two"))],
            },
        )
    assert content_type.startswith("multipart/form-data; boundary=BastionFormBoundary")
    fields, files = parse(body, content_type)
    assert fields.getlist("tag") == ["a", "b"]
    assert fields["title"] == "Hello\r\nworld"
    assert (files["doc"].filename, files["doc"].content_type) == ("report.pdf", "application/pdf")
    assert files["doc"].read() == b"%PDF-1.7"
    assert files["avatar"].content_type == "image/png"
    assert files["avatar"].read() == b"\x89PNG\r\n"
    notes = files.getlist("notes")
    assert [(n.filename, n.content_type, n.read()) for n in notes] == [
        ("a.txt", "text/plain", b"one"),
        ("b.unknownext", "application/octet-stream", b"two"),
    ]


def test_encode_multipart_escapes_names_as_browsers_do(parse: Any) -> None:
    body, content_type = encode_multipart({'we"ird\nname': "v"}, {"f": ('x"y\r.txt', b"")})
    assert b'name="we%22ird%0Aname"' in body
    assert b'filename="x%22y%0D.txt"' in body
    fields, files = parse(body, content_type)
    assert fields["we%22ird%0Aname"] == "v"
    assert files["f"].raw_filename == "x%22y%0D.txt"


def test_encode_multipart_sends_utf8_filenames_raw(parse: Any) -> None:
    body, content_type = encode_multipart(None, {"f": ("résumé.txt", b"cv")})
    assert 'filename="résumé.txt"'.encode() in body
    _, files = parse(body, content_type)
    assert files["f"].filename == "résumé.txt"


def test_encode_multipart_with_no_parts_is_still_valid(parse: Any) -> None:
    body, content_type = encode_multipart({}, {})
    fields, files = parse(body, content_type)
    assert (len(fields), len(files)) == (0, 0)


def test_encode_multipart_empty_filename_is_an_empty_file_input(parse: Any) -> None:
    body, content_type = encode_multipart(None, {"f": ("", b"")})
    _fields, files = parse(body, content_type)
    assert "f" not in files


def test_encode_multipart_unnamed_file_object(parse: Any) -> None:
    body, content_type = encode_multipart(None, {"f": ("blob", io.BytesIO(b"x"))})
    _, files = parse(body, content_type)
    assert files["f"].read() == b"x"
    nameless = io.BytesIO(b"y")
    nameless.name = 3  # a file opened from a descriptor has an int name
    body, content_type = encode_multipart(None, {"f": ("named", b"z"), "g": nameless})
    assert b'name="g"; filename=""' in body


def test_encode_multipart_draws_a_new_boundary_on_collision(
    monkeypatch: pytest.MonkeyPatch, parse: Any
) -> None:
    draws = iter(["clash", "fresh"])
    monkeypatch.setattr("bastion.testing._encoding.secrets.token_hex", lambda _: next(draws))
    body, content_type = encode_multipart({"a": "BastionFormBoundaryclash"}, {})
    assert content_type.endswith("boundary=BastionFormBoundaryfresh")
    fields, _ = parse(body, content_type)
    assert fields["a"] == "BastionFormBoundaryclash"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"f": b"raw bytes"}, "give an open binary file"),
        ({"f": ("a", b"x", "t", "extra")}, "give an open binary file"),
        ({"f": (1, b"x")}, "give an open binary file"),
        ({"f": ("a.txt", "text")}, "must be bytes"),
        ({"f": ("a.txt", io.StringIO("text"))}, "must be bytes"),
        ({"f": ("a.txt", b"x", 5)}, "content type"),
        ({"f": ("a.txt", b"x", "text/plain\r\nX-Evil: 1")}, "content type"),
    ],
)
def test_encode_multipart_refuses_bad_file_specs(files: Mapping[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        encode_multipart(None, files)


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s),
        st.text(max_size=50),
        max_size=5,
    )
)
def test_encode_form_round_trips_any_text(data: dict[str, str]) -> None:
    assert parse_urlencoded(encode_form(data), max_fields=100).to_dict() == data
