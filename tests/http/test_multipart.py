"""Tests for bastion.http.multipart: MultipartLimits and parse_multipart."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.exceptions import ImproperlyConfigured
from bastion.http import multipart
from bastion.http.body import BodyConsumedError, BodyReader
from bastion.http.datastructures import MultiDict
from bastion.http.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from bastion.http.multipart import MultipartLimits, parse_multipart
from bastion.http.uploads import UploadedFile

BOUNDARY = "----BastionTestBoundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
MALFORMED = "The multipart body is malformed or was cut off."
HEADERS_TOO_LARGE = "headers of a multipart part are too large or too many"

Result = tuple[MultiDict[str, str], MultiDict[str, UploadedFile]]
Parse = Callable[..., Result]


def part(
    name: str,
    data: bytes = b"",
    *,
    filename: str | None = None,
    content_type: str | None = None,
) -> bytes:
    """One part: its headers, a blank line and its data."""
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    headers = f"Content-Disposition: {disposition}\r\n"
    if content_type is not None:
        headers += f"Content-Type: {content_type}\r\n"
    return headers.encode() + b"\r\n" + data


def encode(*parts: bytes, boundary: str = BOUNDARY, close: bool = True) -> bytes:
    """A multipart body made of raw parts."""
    delimiter = b"--" + boundary.encode()
    body = b"".join(delimiter + b"\r\n" + raw + b"\r\n" for raw in parts)
    return body + (delimiter + b"--\r\n" if close else b"")


def make_reader(
    body: bytes, *, chunk: int | None = None, max_size: int | None = None, declared: bool = True
) -> BodyReader:
    """A reader over ``body``, returning at most ``chunk`` bytes per read."""
    stream = io.BytesIO(body)

    def read(size: int) -> bytes:
        return stream.read(size if chunk is None else min(size, chunk))

    return BodyReader(read, content_length=len(body) if declared else None, max_size=max_size)


@pytest.fixture
def parse() -> Iterator[Parse]:
    """Parse a body; every file returned is closed when the test ends."""
    results: list[Result] = []

    def run(
        body: bytes,
        limits: MultipartLimits | None = None,
        *,
        chunk: int | None = None,
        content_type: str = CONTENT_TYPE,
    ) -> Result:
        result = parse_multipart(
            make_reader(body, chunk=chunk), content_type, limits or MultipartLimits()
        )
        results.append(result)
        return result

    yield run
    for _, files in results:
        for _, upload in files.multi_items():
            upload.close()


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> list[UploadedFile]:
    """Every UploadedFile the parser creates, to check they were all closed."""
    instances: list[UploadedFile] = []

    class Recording(UploadedFile):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            instances.append(self)

    monkeypatch.setattr(multipart, "UploadedFile", Recording)
    return instances


# -- MultipartLimits --------------------------------------------------------------------------


def test_multipart_limits_defaults() -> None:
    limits = MultipartLimits()
    assert dataclasses.asdict(limits) == {
        "max_fields": 1000,
        "max_files": 100,
        "max_file_size": 10 * 1024 * 1024,
        "max_field_size": 2621440,
        "max_field_name_length": 200,
        "max_part_headers_size": 8192,
        "spool_threshold": 1024 * 1024,
        "temp_dir": None,
    }


def test_multipart_limits_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        MultipartLimits().max_files = 5  # type: ignore[misc]


def test_multipart_limits_accepts_zero_and_an_existing_temp_dir(tmp_path: Path) -> None:
    limits = MultipartLimits(max_files=0, spool_threshold=0, temp_dir=str(tmp_path))
    assert limits.temp_dir == str(tmp_path)


_INT_FIELDS = [f.name for f in dataclasses.fields(MultipartLimits) if f.name != "temp_dir"]


@pytest.mark.parametrize("field", _INT_FIELDS)
@pytest.mark.parametrize("value", [-1, True, 1.5, "10"])
def test_multipart_limits_rejects_bad_numbers(field: str, value: object) -> None:
    with pytest.raises(ImproperlyConfigured, match=f"MultipartLimits.{field} must be an integer"):
        MultipartLimits(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["missing", "file", "not-a-str"])
def test_multipart_limits_rejects_bad_temp_dir(kind: str, tmp_path: Path) -> None:
    value: object = {
        "missing": str(tmp_path / "nope"),
        "file": str(tmp_path / "file.txt"),
        "not-a-str": 42,
    }[kind]
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ImproperlyConfigured, match="not an existing directory"):
        MultipartLimits(temp_dir=value)  # type: ignore[arg-type]


# -- parse_multipart: valid bodies ------------------------------------------------------------


@pytest.mark.parametrize("chunk", [None, 1, 2, 7, 64])
def test_parse_multipart_reads_fields_and_files(parse: Parse, chunk: int | None) -> None:
    body = encode(
        part("title", b"Hello"),
        part("doc", b"line 1\r\nline 2\r\n", filename="notes.txt", content_type="Text/Plain"),
        part("tag", b"a"),
        part("tag", "\u00e9t\u00e9".encode()),
        part("doc", b"\x00\xff", filename="b.bin"),
    )
    fields, files = parse(body, chunk=chunk)
    assert list(fields.lists()) == [("title", ["Hello"]), ("tag", ["a", "\u00e9t\u00e9"])]
    first, second = files.getlist("doc")
    assert (first.filename, first.content_type, first.size) == ("notes.txt", "text/plain", 16)
    assert first.read() == b"line 1\r\nline 2\r\n"
    assert first.headers["content-type"] == "Text/Plain"
    assert (second.filename, second.content_type) == ("b.bin", "application/octet-stream")
    assert second.read() == b"\x00\xff"


def test_parse_multipart_empty_body_gives_nothing(parse: Parse) -> None:
    assert parse(b"") == (MultiDict(), MultiDict())


def test_parse_multipart_body_with_no_parts(parse: Parse) -> None:
    assert parse(encode()) == (MultiDict(), MultiDict())


def test_parse_multipart_ignores_preamble_and_epilogue(parse: Parse) -> None:
    body = b"\r\n" + encode(part("a", b"1")) + b"epilogue, ignored"
    fields, _ = parse(body)
    assert fields["a"] == "1"


def test_parse_multipart_keeps_boundary_lookalikes_in_data(parse: Parse) -> None:
    data = f"--{BOUNDARY[:-1]}\r\n--{BOUNDARY}x not a boundary\r\n--".encode()
    fields, files = parse(encode(part("a", data), part("f", data, filename="f")), chunk=5)
    assert fields["a"].encode() == data
    assert files["f"].read() == data


def test_parse_multipart_accepts_a_quoted_boundary(parse: Parse) -> None:
    body = encode(part("a", b"1"), boundary="with space:and=more")
    content_type = 'Multipart/Form-Data; boundary="with space:and=more"'
    fields, _ = parse(body, content_type=content_type)
    assert fields["a"] == "1"


def test_parse_multipart_skips_file_inputs_left_empty(
    parse: Parse, created: list[UploadedFile]
) -> None:
    body = encode(
        part("photo", b"", filename="", content_type="application/octet-stream"),
        part("other", b"stray bytes", filename=""),
        part("a", b"1"),
    )
    fields, files = parse(body)
    assert files == MultiDict()
    assert list(fields.lists()) == [("a", ["1"])]
    assert created == []


def test_parse_multipart_reduces_file_names(parse: Parse) -> None:
    body = encode(
        part("a", b"x", filename="../../etc/passwd"),
        part("b", b"x", filename="..\\..\\win.ini"),
        part("c", b"x", filename="C:\\Users\\me\\boot.ini"),
        part("d", "\u00e9t\u00e9 \u2603.txt".encode(), filename="\u00e9t\u00e9 \u2603.txt"),
    )
    _, files = parse(body)
    assert [(f.filename, f.raw_filename) for _, f in files.multi_items()] == [
        ("passwd", "../../etc/passwd"),
        ("win.ini", "..\\..\\win.ini"),
        ("boot.ini", "boot.ini"),  # python-multipart drops the drive path itself.
        ("\u00e9t\u00e9 \u2603.txt", "\u00e9t\u00e9 \u2603.txt"),
    ]


def test_parse_multipart_replaces_invalid_utf8_in_file_names(parse: Parse) -> None:
    raw = b'Content-Disposition: form-data; name="f"; filename="caf\xe9.txt"\r\n\r\ndata'
    _, files = parse(encode(raw))
    assert files["f"].filename == "caf\ufffd.txt"


def test_parse_multipart_ignores_rfc5987_filename_star(parse: Parse) -> None:
    raw = b"Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''a.txt\r\n\r\ntext"
    fields, files = parse(encode(raw))
    assert fields["f"] == "text"
    assert files == MultiDict()


def test_parse_multipart_finds_content_disposition_among_headers(parse: Parse) -> None:
    raw = b'Content-Type: text/plain\r\ncontent-disposition: form-data; name="a"\r\n\r\n1'
    fields, _ = parse(encode(raw))
    assert fields["a"] == "1"


def test_parse_multipart_spools_large_files_to_temp_dir(parse: Parse, tmp_path: Path) -> None:
    body = encode(part("small", b"x" * 100, filename="s"), part("big", b"y" * 101, filename="b"))
    _, files = parse(body, MultipartLimits(spool_threshold=100, temp_dir=str(tmp_path)))
    assert not files["small"]._file._rolled  # type: ignore[attr-defined]
    assert files["big"]._file._rolled  # type: ignore[attr-defined]
    assert files["big"].read() == b"y" * 101


def test_parse_multipart_read_all_first_then_parse(parse: Parse) -> None:
    body = encode(part("a", b"1"), part("f", b"data", filename="f.txt"))
    reader = make_reader(body)
    assert reader.read_all() == body
    fields, files = parse_multipart(reader, CONTENT_TYPE, MultipartLimits())
    with files["f"] as upload:
        assert fields["a"] == "1"
        assert upload.read() == b"data"


def test_parse_multipart_streams_so_read_all_afterwards_fails() -> None:
    reader = make_reader(encode(part("a", b"1")))
    parse_multipart(reader, CONTENT_TYPE, MultipartLimits())
    with pytest.raises(BodyConsumedError):
        reader.read_all()


_names = st.text(
    st.characters(codec="utf-8", exclude_characters='"\r\n\\%'), min_size=1, max_size=10
)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=50)
@given(
    fields=st.lists(
        st.tuples(_names, st.text(st.characters(codec="utf-8"), max_size=50)), max_size=5
    ),
    files=st.lists(st.tuples(_names, _names, st.binary(max_size=300)), max_size=3),
    chunk=st.integers(min_value=1, max_value=200),
)
def test_parse_multipart_round_trips_any_form(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]], chunk: int
) -> None:
    body = encode(
        *(part(name, value.encode()) for name, value in fields),
        *(part(name, data, filename=filename) for name, filename, data in files),
    )
    limits = MultipartLimits(spool_threshold=100)
    got_fields, got_files = parse_multipart(make_reader(body, chunk=chunk), CONTENT_TYPE, limits)
    try:
        assert got_fields == MultiDict(fields)
        uploads = list(got_files.multi_items())
        assert [(name, upload.raw_filename, upload.read()) for name, upload in uploads] == [
            (name, filename, data) for name, filename, data in sorted(files, key=_file_order(files))
        ]
    finally:
        for _, upload in got_files.multi_items():
            upload.close()


def _file_order(files: list[tuple[str, str, bytes]]) -> Callable[[tuple[str, str, bytes]], int]:
    """Sort key matching MultiDict.multi_items(): grouped by first appearance of the name."""
    first = {name: index for index, (name, _, _) in reversed(list(enumerate(files)))}
    return lambda item: first[item[0]]


# -- parse_multipart: refused bodies ----------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["", "application/x-www-form-urlencoded", "multipart/mixed; boundary=abc", "text/plain"],
)
def test_parse_multipart_rejects_other_media_types(parse: Parse, content_type: str) -> None:
    with pytest.raises(UnsupportedMediaType, match="not multipart/form-data"):
        parse(encode(part("a", b"1")), content_type=content_type)


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        ("multipart/form-data", "no boundary parameter"),
        ("multipart/form-data; boundary=", "no boundary parameter"),
        ('multipart/form-data; boundary=""', "no boundary parameter"),
        ("multipart/form-data; boundary=" + "a" * 71, "boundary is invalid"),
        ('multipart/form-data; boundary="ends with space "', "boundary is invalid"),
        ("multipart/form-data; boundary=semi\u00e9", "boundary is invalid"),
        ('multipart/form-data; boundary="a\\"b"', "boundary is invalid"),
        ("multipart/form-data; boundary=\u20ac", "outside latin-1"),
    ],
)
def test_parse_multipart_rejects_bad_boundaries(
    parse: Parse, content_type: str, message: str
) -> None:
    with pytest.raises(BadRequest, match=message):
        parse(encode(part("a", b"1")), content_type=content_type)


def test_parse_multipart_accepts_a_70_character_boundary(parse: Parse) -> None:
    boundary = "b" * 70
    fields, _ = parse(
        encode(part("a", b"1"), boundary=boundary),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert fields["a"] == "1"


@pytest.mark.parametrize(
    "body",
    [
        encode(part("a", b"1"), close=False),
        encode(part("a", b"1"))[:-8],
        b"no boundary at all",
        b"--wrong-boundary\r\n\r\n",
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=a\r\n".encode(),
        f"--{BOUNDARY}XX\r\n".encode(),
        f"--{BOUNDARY}\r\nBad Header: x\r\n\r\n".encode(),
        f"--{BOUNDARY}\r\n: empty name\r\n\r\n".encode(),
    ],
)
def test_parse_multipart_rejects_malformed_or_truncated_bodies(parse: Parse, body: bytes) -> None:
    with pytest.raises(BadRequest, match=MALFORMED):
        parse(body)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"Content-Type: text/plain\r\n\r\nx", "lacks the Content-Disposition: form-data"),
        (b'Content-Disposition: attachment; name="a"\r\n\r\nx', "lacks the Content-Disposition"),
        (b"Content-Disposition: form-data\r\n\r\nx", "has no name"),
        (b'Content-Disposition: form-data; filename="a.txt"\r\n\r\nx', "has no name"),
        (b'Content-Disposition: form-data; name="caf\xe9"\r\n\r\nx', "name is not valid UTF-8"),
        (b'Content-Disposition: form-data; name="a"\r\n\r\n\xff', "value is not valid UTF-8"),
    ],
)
def test_parse_multipart_rejects_bad_parts(parse: Parse, raw: bytes, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        parse(encode(raw))


@pytest.mark.parametrize(("length", "accepted"), [(5, True), (6, False)])
def test_parse_multipart_limits_field_name_length(
    parse: Parse, length: int, accepted: bool
) -> None:
    name = "\u00e9" * length  # Counted in characters, not bytes.
    body = encode(part(name, b"1"))
    limits = MultipartLimits(max_field_name_length=5)
    if accepted:
        assert parse(body, limits)[0][name] == "1"
    else:
        with pytest.raises(BadRequest, match="longer than the limit of 5 characters"):
            parse(body, limits)


@pytest.mark.parametrize("chunk", [None, 3])
def test_parse_multipart_limits_total_part_header_size(parse: Parse, chunk: int | None) -> None:
    raw = b'Content-Disposition: form-data; name="a"\r\n' + b"X-Pad: " + b"p" * 60 + b"\r\n\r\n1"
    limits = MultipartLimits(max_part_headers_size=90)
    with pytest.raises(BadRequest, match=HEADERS_TOO_LARGE + r".*90 bytes"):
        parse(encode(raw), limits, chunk=chunk)


def test_parse_multipart_limits_one_long_header_line(parse: Parse) -> None:
    raw = b'Content-Disposition: form-data; name="' + b"n" * 200 + b'"\r\n\r\n1'
    with pytest.raises(BadRequest, match=HEADERS_TOO_LARGE):
        parse(encode(raw), MultipartLimits(max_part_headers_size=100))


def test_parse_multipart_limits_header_count(parse: Parse) -> None:
    raw = b'Content-Disposition: form-data; name="a"\r\n' + b"X-A: 1\r\n" * 20 + b"\r\n1"
    with pytest.raises(BadRequest, match=HEADERS_TOO_LARGE):
        parse(encode(raw))


def test_parse_multipart_limits_field_count(parse: Parse) -> None:
    limits = MultipartLimits(max_fields=2)
    assert len(parse(encode(part("a", b"1"), part("b", b"2")), limits)[0]) == 2
    with pytest.raises(BadRequest, match="Too many form fields: the limit is 2"):
        parse(encode(part("a", b"1"), part("b", b"2"), part("c", b"3")), limits)


def test_parse_multipart_counts_empty_file_inputs_as_fields(parse: Parse) -> None:
    body = encode(part("a", b"1"), part("f", filename=""), part("g", filename=""))
    with pytest.raises(BadRequest, match="Too many form fields: the limit is 2"):
        parse(body, MultipartLimits(max_fields=2))


def test_parse_multipart_limits_file_count(parse: Parse, created: list[UploadedFile]) -> None:
    body = encode(*(part(f"f{i}", b"x", filename="x") for i in range(3)))
    with pytest.raises(BadRequest, match="Too many files uploaded: the limit is 2"):
        parse(body, MultipartLimits(max_files=2))
    assert len(created) == 2
    assert all(upload.closed for upload in created)


@pytest.mark.parametrize(("size", "accepted"), [(10, True), (11, False)])
def test_parse_multipart_limits_file_size(
    parse: Parse, created: list[UploadedFile], size: int, accepted: bool
) -> None:
    body = encode(part("f", b"x" * size, filename="f"))
    limits = MultipartLimits(max_file_size=10)
    if accepted:
        assert parse(body, limits)[1]["f"].size == size
    else:
        with pytest.raises(
            RequestEntityTooLarge, match="file is larger than the limit of 10 bytes"
        ):
            parse(body, limits, chunk=3)
        assert all(upload.closed for upload in created)


@pytest.mark.parametrize(("size", "accepted"), [(10, True), (11, False)])
def test_parse_multipart_limits_field_size(parse: Parse, size: int, accepted: bool) -> None:
    body = encode(part("a", b"x" * size))
    limits = MultipartLimits(max_field_size=10)
    if accepted:
        assert parse(body, limits)[0]["a"] == "x" * size
    else:
        with pytest.raises(
            RequestEntityTooLarge, match="value is larger than the limit of 10 bytes"
        ):
            parse(body, limits)


def test_parse_multipart_closes_files_when_the_reader_fails(created: list[UploadedFile]) -> None:
    body = encode(part("f", b"x" * 1000, filename="f"), part("g", b"y" * 1000, filename="g"))
    reader = make_reader(body, chunk=100, max_size=len(body) - 1, declared=False)
    with pytest.raises(RequestEntityTooLarge):
        parse_multipart(reader, CONTENT_TYPE, MultipartLimits())
    assert len(created) == 2
    assert all(upload.closed for upload in created)
