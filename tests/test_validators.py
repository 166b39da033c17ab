"""The shared validators: each accepts what it should and refuses the rest with its code."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from bastion.exceptions import ValidationError
from bastion.validators import (
    DecimalValidator,
    EmailValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
    prohibit_null_characters,
    validate_email,
    validate_slug,
    validate_url,
)


def _code(validator: Any, value: Any) -> str | None:
    with pytest.raises(ValidationError) as info:
        validator(value)
    return info.value.code


def test_regex_validator_match_and_inverse() -> None:
    digits = RegexValidator(r"^\d+$", "digits only", code="digits")
    digits("123")
    assert _code(digits, "12a") == "digits"
    inverse = RegexValidator(r"bad", inverse_match=True)
    inverse("good")
    assert _code(inverse, "so bad") == "invalid"
    insensitive = RegexValidator("x", flags=re.IGNORECASE)
    insensitive("X")


def test_regex_validator_equality() -> None:
    assert RegexValidator("a") == RegexValidator("a")
    assert RegexValidator("a") != RegexValidator("b")
    assert RegexValidator("a") != RegexValidator("a", "other message")
    assert RegexValidator("a") != RegexValidator("a", inverse_match=True)
    assert RegexValidator("a") != "a"
    with pytest.raises(TypeError):
        hash(RegexValidator("a"))


def test_value_limits_messages_and_params() -> None:
    MaxValueValidator(10)(10)
    with pytest.raises(ValidationError) as info:
        MaxValueValidator(10)(11)
    assert info.value.code == "max_value"
    assert info.value.params == {"limit_value": 10, "show_value": 11}
    assert info.value.messages == ["Ensure this value is less than or equal to 10."]
    MinValueValidator(3)(3)
    assert _code(MinValueValidator(3), 2) == "min_value"
    with pytest.raises(ValidationError) as info:
        MinValueValidator(3, "at least %(limit_value)s, got %(show_value)s")(1)
    assert info.value.messages == ["at least 3, got 1"]


def test_length_limits() -> None:
    MaxLengthValidator(3)("abc")
    with pytest.raises(ValidationError) as info:
        MaxLengthValidator(3)("abcd")
    assert info.value.code == "max_length"
    assert info.value.messages == ["Ensure this value has at most 3 characters (it has 4)."]
    MinLengthValidator(2)(["a", "b"])
    with pytest.raises(ValidationError) as info:
        MinLengthValidator(2)("a")
    assert info.value.code == "min_length"
    assert info.value.messages == ["Ensure this value has at least 2 characters (it has 1)."]


def test_limit_equality() -> None:
    assert MaxValueValidator(1) == MaxValueValidator(1)
    assert MaxValueValidator(1) != MaxValueValidator(2)
    assert MaxValueValidator(1) != MinValueValidator(1)
    with pytest.raises(TypeError):
        hash(MaxLengthValidator(1))


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (Decimal("NaN"), "invalid"),
        (Decimal("Infinity"), "invalid"),
        (Decimal("-Infinity"), "invalid"),
        (Decimal("12345"), "max_digits"),
        (Decimal("1E+4"), "max_digits"),
        (Decimal("0.123"), "max_decimal_places"),
        (Decimal("123.4"), "max_whole_digits"),
    ],
)
def test_decimal_validator_refuses(value: Decimal, code: str) -> None:
    assert _code(DecimalValidator(4, 2), value) == code


@pytest.mark.parametrize("value", ["12.34", "-12.3", "0.01", "1E+1", "99"])
def test_decimal_validator_accepts(value: str) -> None:
    DecimalValidator(4, 2)(Decimal(value))


def test_decimal_validator_without_limits_and_params() -> None:
    DecimalValidator(None, None)(Decimal("123456789.123456789"))
    DecimalValidator(None, 1)(Decimal("123456789.1"))
    with pytest.raises(ValidationError) as info:
        DecimalValidator(3, None)(Decimal("1.234"))
    assert info.value.params == {"max": 3}
    assert info.value.messages == ["Ensure that there are no more than 3 digits in total."]
    assert DecimalValidator(4, 2) == DecimalValidator(4, 2)
    assert DecimalValidator(4, 2) != DecimalValidator(4, 1)
    assert DecimalValidator(4, 2) != (4, 2)


@pytest.mark.parametrize(
    "value",
    ["a@example.com", "first.last+tag@sub.example.org", "x@bücher.de", "o'neil@example.co"],
)
def test_email_accepts(value: str) -> None:
    validate_email(value)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "@example.com",
        ".a@example.com",
        "a.@example.com",
        "a..b@example.com",
        "a@localhost",
        "a@-bad.com",
        "a b@example.com",
        "a@exa mple.com",
        "a@" + "x" * 64 + ".com",
        "a" * 310 + "@example.com",
        "a@\udcff.com",
    ],
)
def test_email_refuses(value: str) -> None:
    assert _code(validate_email, value) == "invalid"


def test_email_equality() -> None:
    assert EmailValidator() == validate_email
    assert EmailValidator() != URLValidator()
    with pytest.raises(TypeError):
        hash(EmailValidator())


@pytest.mark.parametrize(
    "value",
    [
        "http://example.com",
        "https://example.com:8443/path?q=1#f",
        "HTTPS://EXAMPLE.COM",
        "http://127.0.0.1/",
        "http://[::1]:80/",
        "http://bücher.de/",
    ],
)
def test_url_accepts(value: str) -> None:
    validate_url(value)


@pytest.mark.parametrize(
    "value",
    [
        "example.com",
        "ftp://example.com",
        "javascript:alert(1)",
        "http://",
        "http://exa mple.com",
        "http://example.com/\x00",
        "http://example.com:99999/",
        "http://[::1/",
        "http://-bad-.com/",
        "http://" + "a" * 2048 + ".com",
    ],
)
def test_url_refuses(value: str) -> None:
    assert _code(validate_url, value) == "invalid"


def test_url_other_schemes_and_equality() -> None:
    ftp = URLValidator(schemes=("ftp",))
    ftp("ftp://example.com/file")
    assert _code(ftp, "http://example.com") == "invalid"
    assert URLValidator() == validate_url
    assert URLValidator() != ftp
    assert URLValidator() != "http"
    with pytest.raises(TypeError):
        hash(URLValidator())


def test_slug() -> None:
    validate_slug("a-b_C9")
    assert _code(validate_slug, "a b") == "invalid"
    assert _code(validate_slug, "") == "invalid"
    assert _code(validate_slug, "é") == "invalid"


def test_prohibit_null_characters() -> None:
    prohibit_null_characters("tabs\tnew\nlines\r ok")
    for bad in ("a\x00b", "\x1b[31m", "\x7f"):
        assert _code(prohibit_null_characters, bad) == "null_characters_not_allowed"
