"""Tests for bastion.routing.converters: what each converter matches, returns and reverses."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from bastion.routing import (
    DEFAULT_CONVERTERS,
    Converter,
    IntConverter,
    PathConverter,
    SlugConverter,
    StrConverter,
    UUIDConverter,
)

UUID_TEXT = "12345678-9abc-4def-8123-456789abcdef"


def matches(converter: Converter, text: str) -> bool:
    return re.fullmatch(converter.regex, text) is not None


def test_default_converters_names() -> None:
    assert set(DEFAULT_CONVERTERS) == {"str", "int", "slug", "uuid", "path"}


def test_default_converters_is_read_only() -> None:
    with pytest.raises(TypeError):
        DEFAULT_CONVERTERS["year"] = IntConverter()  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("str", StrConverter),
        ("int", IntConverter),
        ("slug", SlugConverter),
        ("uuid", UUIDConverter),
        ("path", PathConverter),
    ],
)
def test_default_converters_types(name: str, cls: type[Converter]) -> None:
    assert type(DEFAULT_CONVERTERS[name]) is cls


def test_converter_repr_names_class() -> None:
    assert repr(IntConverter()) == "IntConverter()"


@pytest.mark.parametrize(
    ("converter", "text", "expected"),
    [
        (StrConverter(), "hello world", True),
        (StrConverter(), "a.b-c", True),
        (StrConverter(), "", False),
        (StrConverter(), "a/b", False),
        (IntConverter(), "0", True),
        (IntConverter(), "2024", True),
        (IntConverter(), "-1", False),
        (IntConverter(), "1.5", False),
        (IntConverter(), "\uff11\uff12", False),  # full-width digits are not ASCII digits
        (IntConverter(), "", False),
        (SlugConverter(), "hello-world_2", True),
        (SlugConverter(), "hello world", False),
        (SlugConverter(), "café", False),
        (UUIDConverter(), UUID_TEXT, True),
        (UUIDConverter(), UUID_TEXT.upper(), False),
        (UUIDConverter(), UUID_TEXT.replace("-", ""), False),
        (PathConverter(), "a/b/c.txt", True),
        (PathConverter(), "../../etc/passwd", True),
        (PathConverter(), "", False),
        (PathConverter(), "a\nb", False),
    ],
)
def test_converter_regex_matches(converter: Converter, text: str, expected: bool) -> None:
    assert matches(converter, text) is expected


@pytest.mark.parametrize(
    ("converter", "text", "expected"),
    [
        (StrConverter(), "abc", "abc"),
        (IntConverter(), "0042", 42),
        (SlugConverter(), "a-b", "a-b"),
        (UUIDConverter(), UUID_TEXT, uuid.UUID(UUID_TEXT)),
        (PathConverter(), "a/../b", "a/../b"),
    ],
)
def test_converter_to_python_converts(converter: Converter, text: str, expected: Any) -> None:
    assert converter.to_python(text) == expected


def test_int_converter_to_python_refuses_absurd_length() -> None:
    with pytest.raises(ValueError, match="digits"):
        IntConverter().to_python("9" * 10_000)


@pytest.mark.parametrize(
    ("converter", "value", "expected"),
    [
        (StrConverter(), "hello", "hello"),
        (StrConverter(), 404, "404"),
        (StrConverter(), "/evil", "/evil"),  # reverse() quotes the '/'
        (IntConverter(), 0, "0"),
        (IntConverter(), 2024, "2024"),
        (SlugConverter(), "a-b_c", "a-b_c"),
        (SlugConverter(), 7, "7"),
        (UUIDConverter(), uuid.UUID(UUID_TEXT), UUID_TEXT),
        (UUIDConverter(), UUID_TEXT, UUID_TEXT),
        (PathConverter(), "a/b/c.txt", "a/b/c.txt"),
        (PathConverter(), "a/..b/.c", "a/..b/.c"),
    ],
)
def test_converter_to_url_accepts(converter: Converter, value: Any, expected: str) -> None:
    assert converter.to_url(value) == expected


@pytest.mark.parametrize(
    ("converter", "value", "message"),
    [
        (StrConverter(), "", "non-empty"),
        (StrConverter(), None, "got NoneType"),
        (StrConverter(), True, "got bool"),
        (StrConverter(), 1.5, "got float"),
        (IntConverter(), -1, "non-negative"),
        (IntConverter(), True, "got bool"),
        (IntConverter(), "5", "got str"),
        (IntConverter(), 5.0, "got float"),
        (SlugConverter(), "hello world", "not a slug"),
        (SlugConverter(), "", "not a slug"),
        (SlugConverter(), None, "got NoneType"),
        (UUIDConverter(), UUID_TEXT.upper(), "canonical"),
        (UUIDConverter(), "not-a-uuid", "canonical"),
        (UUIDConverter(), 42, "canonical"),
        (PathConverter(), 42, "got int"),
        (PathConverter(), "", "newlines"),
        (PathConverter(), "a\nb", "newlines"),
        (PathConverter(), "..", "'..' segment"),
        (PathConverter(), "a/../b", "'..' segment"),
        (PathConverter(), "a/./b", "'..' segment"),
        (PathConverter(), "a/.", "'..' segment"),
    ],
)
def test_converter_to_url_refuses(converter: Converter, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        converter.to_url(value)


class YearConverter(Converter):
    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)


def test_converter_base_to_python_is_identity() -> None:
    class Lower(Converter):
        regex = "[a-z]+"

    assert Lower().to_python("abc") == "abc"


@pytest.mark.parametrize(("value", "expected"), [(2024, "2024"), ("1999", "1999")])
def test_converter_base_to_url_accepts_matching_text(value: Any, expected: str) -> None:
    assert YearConverter().to_url(value) == expected


@pytest.mark.parametrize(
    ("value", "message"), [(12345, "does not match"), ("abcd", "does not match"), (None, "got")]
)
def test_converter_base_to_url_refuses_non_matching(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        YearConverter().to_url(value)


@pytest.mark.parametrize("cls", [StrConverter, IntConverter, SlugConverter, UUIDConverter])
def test_converter_quote_safe_keeps_slash_quoted(cls: type[Converter]) -> None:
    assert "/" not in cls.quote_safe


def test_path_converter_quote_safe_keeps_slash() -> None:
    assert PathConverter.quote_safe == "/"
