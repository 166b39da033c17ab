"""Numbers, booleans and text."""

from __future__ import annotations

import decimal
import enum
from collections.abc import Mapping
from typing import Any, ClassVar

import sqlalchemy as sa

from bastion.db.models.fields.base import Converter, Field, TextLikeField
from bastion.exceptions import ImproperlyConfigured, ValidationError
from bastion.validators import (
    DecimalValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    Validator,
    validate_email,
    validate_slug,
    validate_url,
)

__all__ = [
    "BINARY_COLLATION",
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DecimalField",
    "EmailField",
    "FloatField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
]


class IntegerField(Field[int]):
    """A 32-bit signed integer."""

    python_type = int
    empty_strings_allowed = False
    min_value: ClassVar[int] = -(2**31)
    max_value: ClassVar[int] = 2**31 - 1
    db_check_min: ClassVar[int | None] = None
    """A lower bound the database enforces with a CHECK constraint (Positive* fields)."""

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Integer()

    @property
    def validators(self) -> list[Validator]:
        return [
            MinValueValidator(self.min_value),
            MaxValueValidator(self.max_value),
            *super().validators,
        ]

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, enum.Enum):
            value = value.value
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            if not value.is_integer():
                raise ValidationError("Enter a whole number.", code="invalid")
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValidationError(
                "“%(value)s” must be an integer.", code="invalid", params={"value": value}
            ) from None


class SmallIntegerField(IntegerField):
    """A 16-bit signed integer."""

    min_value = -(2**15)
    max_value = 2**15 - 1

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.SmallInteger()


class BigIntegerField(IntegerField):
    """A 64-bit signed integer."""

    min_value = -(2**63)
    max_value = 2**63 - 1

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.BigInteger()


class PositiveIntegerField(IntegerField):
    """A 32-bit integer, zero or more (a check constraint in the database)."""

    min_value = 0
    db_check_min = 0


class PositiveSmallIntegerField(SmallIntegerField):
    """A 16-bit integer, zero or more."""

    min_value = 0
    db_check_min = 0


class PositiveBigIntegerField(BigIntegerField):
    """A 64-bit integer, zero or more."""

    min_value = 0
    db_check_min = 0


class AutoField(IntegerField):
    """A 32-bit primary key the database numbers itself."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def sa_column(self) -> sa.Column[Any]:
        return sa.Column(self.column, self.sa_type(), primary_key=True, autoincrement=True)

    def validate(self, value: Any, instance: Any) -> None:
        """The database assigns the value; nothing to check."""


class BigAutoField(AutoField):
    """A 64-bit primary key the database numbers itself (the default ``id``)."""

    min_value = -(2**63)
    max_value = 2**63 - 1

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        # SQLite only auto-numbers a column declared exactly INTEGER PRIMARY KEY.
        return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class FloatField(Field[float]):
    """A double-precision float."""

    python_type = float
    empty_strings_allowed = False

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Float(precision=53).with_variant(sa.Double(), "mysql")

    def result_converter(self, vendor: str) -> Converter | None:
        # AVG and friends come back as Decimal from some drivers.
        return float

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValidationError(
                "“%(value)s” must be a number.", code="invalid", params={"value": value}
            ) from None


class DecimalField(Field[decimal.Decimal]):
    """An exact decimal number with ``max_digits`` digits, ``decimal_places`` after the point."""

    python_type = decimal.Decimal
    empty_strings_allowed = False

    def __init__(
        self, *args: Any, max_digits: int = 0, decimal_places: int = 0, **kwargs: Any
    ) -> None:
        if max_digits <= 0 or decimal_places < 0 or decimal_places > max_digits:
            raise ImproperlyConfigured(
                "DecimalField needs max_digits > 0 and 0 <= decimal_places <= max_digits."
            )
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        super().__init__(*args, **kwargs)

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Numeric(self.max_digits, self.decimal_places, asdecimal=True)

    @property
    def validators(self) -> list[Validator]:
        return [DecimalValidator(self.max_digits, self.decimal_places), *super().validators]

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            value = repr(value)
        try:
            result = decimal.Decimal(str(value).strip() if isinstance(value, str) else value)
        except (decimal.InvalidOperation, TypeError, ValueError):
            raise ValidationError(
                "“%(value)s” must be a decimal number.", code="invalid", params={"value": value}
            ) from None
        if not result.is_finite():
            raise ValidationError("Enter a finite number.", code="invalid")
        return result

    def db_converter(self, vendor: str) -> Converter | None:
        # SQLite has no decimal type: the text keeps every digit until it is read back.
        return str if vendor == "sqlite" else None

    def result_converter(self, vendor: str) -> Converter | None:
        quantum = decimal.Decimal(1).scaleb(-self.decimal_places)

        def convert(value: Any) -> Any:
            if value is None:
                return None
            number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))
            return number.quantize(quantum, context=decimal.Context(prec=self.max_digits))

        return convert


class BooleanField(Field[bool]):
    """True or False (NULL too with ``null=True``)."""

    python_type = bool
    empty_strings_allowed = False
    empty_values = (None,)
    _true = frozenset({"true", "t", "1", "yes", "on"})
    _false = frozenset({"false", "f", "0", "no", "off", ""})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Boolean(create_constraint=False)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        text = str(value).strip().lower()
        if text in self._true:
            return True
        if text in self._false:
            return False
        raise ValidationError(
            "“%(value)s” must be either True or False.", code="invalid", params={"value": value}
        )

    def result_converter(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            return None
        return lambda value: None if value is None else bool(value)


BINARY_COLLATION: dict[str, str] = {"mysql": "utf8mb4_bin", "postgresql": "C"}
"""``db_collation`` for text compared byte for byte (case and accents matter) everywhere.

SQLite and PostgreSQL's equality already is; MariaDB's default collation is not, so keys
and tokens stored there need this.
"""


class CharField(TextLikeField):
    """A string of at most ``max_length`` characters (required: no unbounded strings).

    Args:
        db_collation: the column's collation: a name, or names by database vendor
            (``{"mysql": "utf8mb4_bin"}``; see :data:`BINARY_COLLATION`).
    """

    def __init__(
        self,
        *args: Any,
        max_length: int | None = None,
        db_collation: str | Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length <= 0:
            raise ImproperlyConfigured(
                f"{type(self).__name__} requires max_length, a positive integer."
            )
        self.db_collation = db_collation
        super().__init__(*args, max_length=max_length, **kwargs)

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        collation = self.db_collation
        if collation is None or isinstance(collation, str):
            return sa.String(self.max_length, collation=collation)
        result: sa.types.TypeEngine[Any] = sa.String(self.max_length)
        for vendor, name in collation.items():
            result = result.with_variant(sa.String(self.max_length, collation=name), vendor)
        return result

    @property
    def validators(self) -> list[Validator]:
        if self.max_length is None:
            raise AssertionError("CharField needs max_length")
        return [MaxLengthValidator(self.max_length), *super().validators]


class TextField(TextLikeField):
    """Unbounded text (``max_length``, if given, is checked by validation only)."""

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Text()

    @property
    def validators(self) -> list[Validator]:
        extra = [MaxLengthValidator(self.max_length)] if self.max_length else []
        return [*extra, *super().validators]


class EmailField(CharField):
    """An email address (validated; stored as typed: normalise it in the model if needed)."""

    default_validators = (*CharField.default_validators, validate_email)

    def __init__(self, *args: Any, max_length: int = 254, **kwargs: Any) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)


class URLField(CharField):
    """An absolute http(s) URL."""

    default_validators = (*CharField.default_validators, validate_url)

    def __init__(self, *args: Any, max_length: int = 200, **kwargs: Any) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)


class SlugField(CharField):
    """Letters, digits, hyphens and underscores; indexed by default."""

    default_validators = (*CharField.default_validators, validate_slug)

    def __init__(self, *args: Any, max_length: int = 50, **kwargs: Any) -> None:
        kwargs.setdefault("db_index", True)
        super().__init__(*args, max_length=max_length, **kwargs)
