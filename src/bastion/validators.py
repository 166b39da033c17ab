"""Reusable validators: callables that raise :class:`ValidationError` for a bad value.

Model fields and form fields share these, so a rule is declared once and enforced on both
the way in (forms, JSON bodies) and the way down (``Model.full_clean()``).
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from bastion.exceptions import ValidationError

__all__ = [
    "DecimalValidator",
    "EmailValidator",
    "MaxLengthValidator",
    "MaxValueValidator",
    "MinLengthValidator",
    "MinValueValidator",
    "RegexValidator",
    "URLValidator",
    "Validator",
    "prohibit_null_characters",
    "validate_email",
    "validate_slug",
    "validate_url",
]

Validator = Callable[[Any], None]
"""A validator: takes the value, returns nothing, raises ValidationError."""


class RegexValidator:
    """The value (a string) must match ``regex`` (or must not, with ``inverse_match``)."""

    def __init__(
        self,
        regex: str,
        message: str = "Enter a valid value.",
        code: str = "invalid",
        *,
        inverse_match: bool = False,
        flags: int = 0,
    ) -> None:
        self.regex = re.compile(regex, flags)
        self.message = message
        self.code = code
        self.inverse_match = inverse_match

    def __call__(self, value: Any) -> None:
        matched = bool(self.regex.search(str(value)))
        if matched == self.inverse_match:
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RegexValidator)
            and self.regex.pattern == other.regex.pattern
            and self.message == other.message
            and self.inverse_match == other.inverse_match
        )

    __hash__ = None  # type: ignore[assignment]


class _Limit(ABC):
    message = ""
    code = ""

    def __init__(self, limit: Any, message: str | None = None) -> None:
        self.limit = limit
        if message:
            self.message = message

    def __call__(self, value: Any) -> None:
        if self.fails(self.clean(value), self.limit):
            params = {"limit_value": self.limit, "show_value": self.clean(value)}
            raise ValidationError(self.message, code=self.code, params=params)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.limit == self.limit

    __hash__ = None  # type: ignore[assignment]

    def clean(self, value: Any) -> Any:
        return value

    @abstractmethod
    def fails(self, value: Any, limit: Any) -> bool:
        """Whether ``value`` breaks ``limit``."""


class MaxValueValidator(_Limit):
    """The value must be at most ``limit``."""

    message = "Ensure this value is less than or equal to %(limit_value)s."
    code = "max_value"

    def fails(self, value: Any, limit: Any) -> bool:
        return bool(value > limit)


class MinValueValidator(_Limit):
    """The value must be at least ``limit``."""

    message = "Ensure this value is greater than or equal to %(limit_value)s."
    code = "min_value"

    def fails(self, value: Any, limit: Any) -> bool:
        return bool(value < limit)


class MaxLengthValidator(_Limit):
    """The value must have at most ``limit`` characters (or items)."""

    message = "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d)."
    code = "max_length"

    def clean(self, value: Any) -> int:
        return len(value)

    def fails(self, value: Any, limit: Any) -> bool:
        return bool(value > limit)


class MinLengthValidator(_Limit):
    """The value must have at least ``limit`` characters (or items)."""

    message = "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d)."
    code = "min_length"

    def clean(self, value: Any) -> int:
        return len(value)

    def fails(self, value: Any, limit: Any) -> bool:
        return bool(value < limit)


class DecimalValidator:
    """A Decimal must fit ``max_digits`` digits with at most ``decimal_places`` after the point."""

    def __init__(self, max_digits: int | None, decimal_places: int | None) -> None:
        self.max_digits = max_digits
        self.decimal_places = decimal_places

    def __call__(self, value: Decimal) -> None:
        if not value.is_finite():
            raise ValidationError("Enter a number.", code="invalid")
        _sign, digit_tuple, exponent = value.as_tuple()
        if not isinstance(exponent, int):  # NaN and infinities, refused above
            raise ValidationError("Enter a number.", code="invalid")
        if exponent >= 0:
            digits, decimals = len(digit_tuple) + exponent, 0
        else:
            decimals = -exponent
            digits = max(len(digit_tuple), decimals)
        whole = digits - decimals
        if self.max_digits is not None and digits > self.max_digits:
            raise ValidationError(
                "Ensure that there are no more than %(max)s digits in total.",
                code="max_digits",
                params={"max": self.max_digits},
            )
        if self.decimal_places is not None and decimals > self.decimal_places:
            raise ValidationError(
                "Ensure that there are no more than %(max)s decimal places.",
                code="max_decimal_places",
                params={"max": self.decimal_places},
            )
        if (
            self.max_digits is not None
            and self.decimal_places is not None
            and whole > self.max_digits - self.decimal_places
        ):
            raise ValidationError(
                "Ensure that there are no more than %(max)s digits before the decimal point.",
                code="max_whole_digits",
                params={"max": self.max_digits - self.decimal_places},
            )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DecimalValidator)
            and self.max_digits == other.max_digits
            and self.decimal_places == other.decimal_places
        )

    __hash__ = None  # type: ignore[assignment]


_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def _valid_hostname(host: str) -> bool:
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return len(ascii_host) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in labels)


class EmailValidator:
    """An address ``local@domain``: a plain ASCII local part and a real host name.

    Deliberately stricter than RFC 5322 (no quoted local parts, no comments, no IP
    literals): what is accepted here can go into a mail header without surprises.
    """

    message = "Enter a valid email address."
    code = "invalid"

    def __call__(self, value: Any) -> None:
        value = str(value)
        local, at, domain = value.rpartition("@")
        if (
            not at
            or len(value) > 320
            or not _EMAIL_LOCAL.fullmatch(local)
            or local.startswith(".")
            or local.endswith(".")
            or ".." in local
            or "." not in domain
            or not _valid_hostname(domain)
        ):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EmailValidator)

    __hash__ = None  # type: ignore[assignment]


class URLValidator:
    """An absolute ``http``/``https`` URL (other schemes with ``schemes=``) with a host."""

    message = "Enter a valid URL."
    code = "invalid"

    def __init__(self, schemes: tuple[str, ...] = ("http", "https")) -> None:
        self.schemes = schemes

    def __call__(self, value: Any) -> None:
        value = str(value)
        if len(value) > 2048 or any(ch.isspace() or ord(ch) < 32 for ch in value):
            raise ValidationError(self.message, code=self.code)
        try:
            parts = urlsplit(value)
            host = parts.hostname
            parts.port  # noqa: B018 - a bad port raises ValueError
        except ValueError as exc:
            raise ValidationError(self.message, code=self.code) from exc
        if parts.scheme.lower() not in self.schemes or not host:
            raise ValidationError(self.message, code=self.code)
        if not (_valid_hostname(host) or _ip_literal(host)):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, URLValidator) and self.schemes == other.schemes

    __hash__ = None  # type: ignore[assignment]


def _ip_literal(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


validate_email = EmailValidator()
validate_url = URLValidator()
validate_slug = RegexValidator(
    r"\A[-a-zA-Z0-9_]+\Z",
    "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.",
)


def prohibit_null_characters(value: Any) -> None:
    """Refuse NUL and other C0 control characters except tab, newline and carriage return.

    PostgreSQL refuses NUL in text outright; the others have no business in stored text and
    are a classic way to smuggle content past filters.
    """
    for char in str(value):
        if unicodedata.category(char) == "Cc" and char not in "\t\n\r":
            raise ValidationError(
                "Control characters are not allowed.", code="null_characters_not_allowed"
            )
