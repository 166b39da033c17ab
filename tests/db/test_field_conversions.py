"""Field conversions without a database: to_python, validation, and the per-vendor converters.

The converters are what each driver is handed and what comes back from it; calling them
directly pins the wire format (SQLite text, MariaDB naive UTC, PostgreSQL native types).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import uuid
from typing import Any

import dbtests_models as m
import pytest

from bastion.db import models
from bastion.exceptions import ImproperlyConfigured, ValidationError

UTC = dt.UTC
PLUS2 = dt.timezone(dt.timedelta(hours=2))


def _invalid(field: Any, value: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        field.to_python(value)
    return info.value


# -- integers ---------------------------------------------------------------------------------


class Size(enum.IntEnum):
    SMALL = 1
    LARGE = 2


def test_integer_to_python() -> None:
    f = models.IntegerField()
    assert f.to_python(None) is None
    assert f.to_python(True) == 1
    assert f.to_python(Size.LARGE) == 2
    assert type(f.to_python(Size.LARGE)) is int
    assert f.to_python(3.0) == 3
    assert f.to_python(" 42 ") == 42
    assert _invalid(f, 2.5).messages == ["Enter a whole number."]
    err = _invalid(f, "4x")
    assert err.code == "invalid"
    assert err.messages == ["“4x” must be an integer."]
    assert _invalid(f, "1.5").code == "invalid"


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        (models.IntegerField(), -(2**31), 2**31 - 1),
        (models.SmallIntegerField(), -(2**15), 2**15 - 1),
        (models.BigIntegerField(), -(2**63), 2**63 - 1),
        (models.PositiveIntegerField(), 0, 2**31 - 1),
        (models.PositiveSmallIntegerField(), 0, 2**15 - 1),
        (models.PositiveBigIntegerField(), 0, 2**63 - 1),
    ],
)
def test_integer_ranges(field: Any, low: int, high: int) -> None:
    field.run_validators(low)
    field.run_validators(high)
    with pytest.raises(ValidationError) as info:
        field.run_validators(low - 1)
    assert "greater than or equal to" in info.value.messages[0]
    with pytest.raises(ValidationError) as info:
        field.run_validators(high + 1)
    assert "less than or equal to" in info.value.messages[0]


def test_positive_integer_fields_declare_a_database_check() -> None:
    assert m.Measure._meta.get_field("pos").db_check_min == 0
    assert models.IntegerField().db_check_min is None


def test_auto_fields() -> None:
    auto = models.AutoField()
    assert auto.primary_key
    assert not auto.editable
    assert auto.blank
    auto.validate(None, None)  # the database numbers it: nothing to check
    assert m.Article._meta.pk.sa_column().autoincrement is True
    big = models.BigAutoField()
    big.run_validators(2**40)
    assert auto.validators != big.validators


# -- floats, decimals, booleans -----------------------------------------------------------


def test_float() -> None:
    f = models.FloatField()
    assert f.to_python(None) is None
    assert f.to_python("1.5") == 1.5
    assert f.to_python(decimal.Decimal("2.25")) == 2.25
    assert _invalid(f, "abc").messages == ["“abc” must be a number."]
    assert _invalid(f, [1]).code == "invalid"
    convert = f.result_converter("postgresql")
    assert convert is not None
    assert convert(decimal.Decimal("1.5")) == 1.5
    assert type(convert(decimal.Decimal("1.5"))) is float
    assert f.db_converter("sqlite") is None


def test_decimal_configuration_errors() -> None:
    for kwargs in (
        {},
        {"max_digits": 2, "decimal_places": 3},
        {"max_digits": 2, "decimal_places": -1},
    ):
        with pytest.raises(ImproperlyConfigured):
            models.DecimalField(**kwargs)


def test_decimal_to_python() -> None:
    f = models.DecimalField(max_digits=5, decimal_places=2)
    assert f.to_python(None) is None
    assert f.to_python(" 1.25 ") == decimal.Decimal("1.25")
    assert f.to_python(0.1) == decimal.Decimal("0.1")  # via repr, not the binary expansion
    assert f.to_python(3) == decimal.Decimal(3)
    assert _invalid(f, "1,5").messages == ["“1,5” must be a decimal number."]
    assert _invalid(f, [1, 2]).code == "invalid"
    assert _invalid(f, "NaN").messages == ["Enter a finite number."]
    assert _invalid(f, float("inf")).messages == ["Enter a finite number."]


def test_decimal_validation_and_converters() -> None:
    f = models.DecimalField(max_digits=5, decimal_places=2)
    assert f.clean("123.45", None) == decimal.Decimal("123.45")
    with pytest.raises(ValidationError):
        f.clean("1234.5", None)
    with pytest.raises(ValidationError):
        f.clean("1.234", None)
    sqlite_in = f.db_converter("sqlite")
    assert sqlite_in is not None
    assert sqlite_in(decimal.Decimal("1.10")) == "1.10"
    assert f.db_converter("postgresql") is None
    assert f.db_converter("mysql") is None
    for vendor in ("sqlite", "postgresql", "mysql"):
        out = f.result_converter(vendor)
        assert out is not None
        assert out(None) is None
        assert str(out("1.5")) == "1.50"
        assert str(out(1.5)) == "1.50"
        assert str(out(decimal.Decimal("2"))) == "2.00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (None, None),
        (1, True),
        (0, False),
        ("true", True),
        (" Yes ", True),
        ("on", True),
        ("t", True),
        ("1", True),
        ("FALSE", False),
        ("off", False),
        ("no", False),
        ("0", False),
        ("", False),
    ],
)
def test_boolean_to_python(value: Any, expected: bool | None) -> None:
    assert models.BooleanField().to_python(value) is expected


def test_boolean_refuses_and_converts() -> None:
    f = models.BooleanField()
    assert f.blank is True
    assert _invalid(f, "maybe").messages == ["“maybe” must be either True or False."]
    assert _invalid(f, 2).code == "invalid"
    assert f.result_converter("postgresql") is None
    for vendor in ("sqlite", "mysql"):
        out = f.result_converter(vendor)
        assert out is not None
        assert out(1) is True
        assert out(0) is False
        assert out(None) is None
    # An empty string is a value, not "nothing", for a boolean (False is not blank either).
    f.validate(False, None)
    with pytest.raises(ValidationError) as info:
        f.validate(None, None)
    assert info.value.code == "null"


# -- text ---------------------------------------------------------------------------------------


def test_char_field_requires_max_length() -> None:
    for bad in (None, 0, -1, True, "10"):
        with pytest.raises(ImproperlyConfigured, match="max_length"):
            models.CharField(max_length=bad)


def test_text_to_python_and_validators() -> None:
    f = models.CharField(max_length=3)
    assert f.to_python(None) is None
    assert f.to_python(12) == "12"
    assert f.to_python(m.Status.LIVE) == "live"
    assert f.to_python(Size.LARGE) == "2"
    assert type(f.to_python(Size.LARGE)) is str
    assert f.clean("abc", None) == "abc"
    with pytest.raises(ValidationError) as info:
        f.clean("abcd", None)
    assert info.value.messages == ["Ensure this value has at most 3 characters (it has 4)."]
    with pytest.raises(ValidationError) as info:
        f.clean("a\x00", None)
    assert info.value.messages == ["Control characters are not allowed."]


def test_text_field_max_length_is_validation_only() -> None:
    assert models.TextField().validators != []
    unbounded = models.TextField()
    unbounded.clean("x" * 10_000, None)
    bounded = models.TextField(max_length=2)
    with pytest.raises(ValidationError):
        bounded.clean("abc", None)


def test_char_collation_variants() -> None:
    plain = models.CharField(max_length=5, db_collation="C").sa_type()
    assert plain.collation == "C"  # type: ignore[attr-defined]
    per_vendor = models.CharField(max_length=5, db_collation=models.BINARY_COLLATION).sa_type()
    variants = per_vendor._variant_mapping  # type: ignore[attr-defined]
    assert variants["mysql"].collation == "utf8mb4_bin"
    assert variants["postgresql"].collation == "C"


def test_email_url_slug_defaults_and_validators() -> None:
    email, url, slug = models.EmailField(), models.URLField(), models.SlugField()
    assert (email.max_length, url.max_length, slug.max_length) == (254, 200, 50)
    assert slug.db_index is True
    email.clean("a@example.com", None)
    url.clean("https://example.com", None)
    slug.clean("a-b", None)
    for field, bad in ((email, "nope"), (url, "ftp://x.com"), (slug, "a b")):
        with pytest.raises(ValidationError):
            field.clean(bad, None)


# -- choices ------------------------------------------------------------------------------------


def test_choices_from_enum_and_pairs() -> None:
    f = models.CharField(max_length=10, choices=m.Status)
    assert f.choices == [("draft", "Draft"), ("live", "Live")]
    assert f.enum is m.Status
    f.clean("live", None)
    f.clean(m.Status.DRAFT, None)
    with pytest.raises(ValidationError) as info:
        f.clean("gone", None)
    assert info.value.code == "invalid_choice"
    assert info.value.messages == ["Value 'gone' is not a valid choice."]
    pairs = models.IntegerField(choices=[(1, "One"), 2, [3, "Three"]])
    assert pairs.choices == [(1, "One"), (2, "2"), (3, "Three")]
    assert pairs.enum is None
    pairs.clean("2", None)
    with pytest.raises(ValidationError):
        pairs.clean(4, None)


def test_choices_enum_label_attribute() -> None:
    class Colour(enum.Enum):
        DARK_RED = "dr"
        BLUE = "b"

    assert models.CharField(max_length=2, choices=Colour).choices == [
        ("dr", "Dark Red"),
        ("b", "Blue"),
    ]


def test_get_display() -> None:
    article = m.Article(status=m.Status.LIVE)
    assert article.get_display("status") == "Live"
    article.status = "draft"
    assert article.get_display("status") == "Draft"
    article.status = "other"
    assert article.get_display("status") == "other"
    article.status = None
    assert article.get_display("status") == ""
    assert m.Article(title="T").get_display("title") == "T"


def test_blank_and_null_rules() -> None:
    f = models.CharField(max_length=5)
    with pytest.raises(ValidationError) as info:
        f.validate("", None)
    assert info.value.code == "blank"
    models.CharField(max_length=5, blank=True).validate("", None)
    with pytest.raises(ValidationError) as info:
        models.CharField(max_length=5, blank=True).validate(None, None)
    assert info.value.code == "null"
    models.CharField(max_length=5, null=True, blank=True).validate(None, None)


def test_defaults() -> None:
    assert models.CharField(max_length=5).get_default() == ""
    assert models.CharField(max_length=5, null=True).get_default() is None
    assert models.IntegerField().get_default() is None
    assert models.IntegerField(default=7).get_default() == 7
    assert models.JSONField(default=dict).get_default() == {}
    first, second = (models.JSONField(default=dict).get_default() for _ in range(2))
    assert first is not second
    assert models.BinaryField().get_default() == b""
    assert models.BinaryField(null=True).get_default() is None
    assert models.BinaryField(default=b"x").get_default() == b"x"


def test_repr_and_clone() -> None:
    assert repr(models.IntegerField()) == "<IntegerField unbound>"
    bound = m.Article._meta.get_field("title")
    assert repr(bound) == "<CharField Article.title>"
    copy = bound.clone()
    assert not hasattr(copy, "model")
    assert copy.max_length == 200
    assert repr(copy) == "<CharField unbound>"


def test_base_field_is_abstract_until_it_has_a_column_type() -> None:
    with pytest.raises(TypeError, match="sa_type"):
        models.Field()  # type: ignore[abstract]

    class Plain(models.Field[str]):
        def sa_type(self) -> Any:
            return None

    f = Plain()
    assert f.to_python("x") == "x"
    assert f.get_prep_value(None) is None
    assert f.db_converter("sqlite") is None
    assert f.result_converter("sqlite") is None


# -- dates and times ----------------------------------------------------------------------------


def test_date_to_python() -> None:
    f = models.DateField()
    assert f.to_python(None) is None
    assert f.to_python(dt.date(2024, 2, 29)) == dt.date(2024, 2, 29)
    assert f.to_python(" 2024-02-29 ") == dt.date(2024, 2, 29)
    assert f.to_python(dt.datetime(2024, 1, 1, 23, 30)) == dt.date(2024, 1, 1)
    # An aware datetime is taken in UTC: 01:30 at +02:00 is the previous day.
    assert f.to_python(dt.datetime(2024, 1, 2, 1, 30, tzinfo=PLUS2)) == dt.date(2024, 1, 1)
    err = _invalid(f, "2023-02-29")
    assert err.messages == ["“2023-02-29” is not a valid date."]
    assert _invalid(f, "yesterday").code == "invalid"


def test_date_converters() -> None:
    f = models.DateField()
    to_db = f.db_converter("sqlite")
    from_db = f.result_converter("sqlite")
    assert to_db is not None
    assert from_db is not None
    assert to_db(dt.date(2024, 5, 6)) == "2024-05-06"
    assert from_db("2024-05-06") == dt.date(2024, 5, 6)
    assert from_db(None) is None
    for vendor in ("postgresql", "mysql"):
        assert f.db_converter(vendor) is None
        assert f.result_converter(vendor) is None


def test_auto_now_fields() -> None:
    stamp = models.DateTimeField(auto_now=True)
    assert not stamp.editable
    assert stamp.blank
    value = stamp.pre_save(adding=False)
    assert value is not None
    assert value.tzinfo is UTC
    created = models.DateField(auto_now_add=True)
    assert created.pre_save(adding=True) == dt.datetime.now(UTC).date()
    assert created.pre_save(adding=False) is None
    assert models.DateTimeField().pre_save(adding=True) is None
    assert models.DateTimeField().editable


def test_datetime_to_python() -> None:
    f = models.DateTimeField()
    aware = dt.datetime(2024, 1, 1, 12, tzinfo=PLUS2)
    assert f.to_python(None) is None
    assert f.to_python(aware) is aware
    assert f.to_python(dt.date(2024, 1, 1)) == dt.datetime(2024, 1, 1, tzinfo=UTC)
    assert f.to_python("2024-01-01T12:00:00+02:00") == aware
    assert f.to_python("2024-01-01 10:00Z") == dt.datetime(2024, 1, 1, 10, tzinfo=UTC)
    err = _invalid(f, dt.datetime(2024, 1, 1, 12))
    assert err.code == "naive"
    assert _invalid(f, "2024-01-01T12:00").code == "naive"
    err = _invalid(f, "noon")
    assert err.code == "invalid"
    assert err.messages == ["“noon” is not a valid date and time."]


def test_datetime_converters() -> None:
    f = models.DateTimeField()
    aware = dt.datetime(2024, 1, 1, 12, 0, 0, 123456, tzinfo=PLUS2)
    assert f.db_converter("postgresql") is None
    to_sqlite = f.db_converter("sqlite")
    to_mysql = f.db_converter("mysql")
    assert to_sqlite is not None
    assert to_mysql is not None
    assert to_sqlite(aware) == "2024-01-01 10:00:00.123456"
    assert to_mysql(aware) == dt.datetime(2024, 1, 1, 10, 0, 0, 123456)
    from_pg = f.result_converter("postgresql")
    from_sqlite = f.result_converter("sqlite")
    from_mysql = f.result_converter("mysql")
    assert from_pg is not None
    assert from_sqlite is not None
    assert from_mysql is not None
    back = from_pg(aware)
    assert back == aware
    assert back.tzinfo is UTC
    assert from_pg(None) is None
    assert from_sqlite("2024-01-01 10:00:00.123456") == aware
    assert from_sqlite("2024-01-01 10:00:00.123456").tzinfo is UTC
    assert from_mysql(dt.datetime(2024, 1, 1, 10, 0, 0, 123456)) == aware
    assert from_mysql(None) is None


def test_time() -> None:
    f = models.TimeField()
    assert f.to_python(None) is None
    assert f.to_python(dt.time(1, 2)) == dt.time(1, 2)
    assert f.to_python(dt.datetime(2024, 1, 1, 3, 4, 5)) == dt.time(3, 4, 5)
    assert f.to_python("10:11:12.5") == dt.time(10, 11, 12, 500000)
    assert _invalid(f, "25:00").messages == ["“25:00” is not a valid time."]
    to_sqlite = f.db_converter("sqlite")
    from_sqlite = f.result_converter("sqlite")
    from_mysql = f.result_converter("mysql")
    assert to_sqlite is not None
    assert from_sqlite is not None
    assert from_mysql is not None
    assert to_sqlite(dt.time(1, 2, 3, 4)) == "01:02:03.000004"
    assert from_sqlite("01:02:03.000004") == dt.time(1, 2, 3, 4)
    assert from_sqlite(None) is None
    assert from_mysql(dt.timedelta(hours=1, minutes=2, microseconds=3)) == dt.time(1, 2, 0, 3)
    assert from_mysql(dt.time(4)) == dt.time(4)
    assert from_mysql(None) is None
    assert f.db_converter("mysql") is None
    assert f.result_converter("postgresql") is None


def test_duration() -> None:
    f = models.DurationField()
    day = dt.timedelta(days=1)
    assert f.to_python(None) is None
    assert f.to_python(day) is day
    assert f.to_python(90) == dt.timedelta(minutes=1, seconds=30)
    assert f.to_python(0.5) == dt.timedelta(milliseconds=500)
    assert _invalid(f, True).code == "invalid"
    assert _invalid(f, "1 day").messages == ["“1 day” is not a valid duration."]
    assert f.db_converter("postgresql") is None
    assert f.result_converter("postgresql") is None
    for vendor in ("sqlite", "mysql"):
        to_db, from_db = f.db_converter(vendor), f.result_converter(vendor)
        assert to_db is not None
        assert from_db is not None
        assert to_db(dt.timedelta(seconds=1, microseconds=2)) == 1_000_002
        assert to_db(-dt.timedelta(microseconds=1)) == -1
        assert from_db(1_000_002) == dt.timedelta(seconds=1, microseconds=2)
        assert from_db(decimal.Decimal(5)) == dt.timedelta(microseconds=5)
        assert from_db(None) is None


# -- UUID, bytes, JSON --------------------------------------------------------------------------


def test_uuid() -> None:
    f = models.UUIDField()
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert f.to_python(None) is None
    assert f.to_python(value) is value
    assert f.to_python(" 12345678123456781234567812345678 ") == value
    assert f.to_python(value.int) == value
    err = _invalid(f, "not-a-uuid")
    assert err.messages == ["“not-a-uuid” is not a valid UUID."]
    assert _invalid(f, -1).code == "invalid"
    assert f.db_converter("postgresql") is None
    assert f.result_converter("postgresql") is None
    for vendor in ("sqlite", "mysql"):
        to_db, from_db = f.db_converter(vendor), f.result_converter(vendor)
        assert to_db is not None
        assert from_db is not None
        assert to_db(value) == "12345678123456781234567812345678"
        assert from_db("12345678123456781234567812345678") == value
        assert from_db(None) is None


def test_binary() -> None:
    f = models.BinaryField()
    assert not f.editable
    assert f.to_python(None) is None
    assert f.to_python(b"ab") == b"ab"
    assert f.to_python(bytearray(b"ab")) == b"ab"
    assert type(f.to_python(memoryview(b"ab"))) is bytes
    assert _invalid(f, "text").messages == ["Enter bytes."]
    out = f.result_converter("postgresql")
    assert out is not None
    assert out(memoryview(b"xy")) == b"xy"
    assert type(out(bytearray(b"xy"))) is bytes
    assert out(None) is None
    assert f.db_converter("sqlite") is None
    with pytest.raises(ValidationError) as info:
        f.clean(b"", None)
    assert info.value.code == "blank"


def test_json() -> None:
    f = models.JSONField()
    doc = {"a": [1, 2.5, None, "x"]}
    assert f.to_python(doc) is doc
    assert f.get_prep_value(doc) is doc
    assert f.dumps(doc) == '{"a":[1,2.5,null,"x"]}'
    f.validate(doc, None)
    with pytest.raises(ValidationError) as info:
        f.validate({"bad": {1, 2}}, None)
    assert info.value.messages == ["Value must be valid JSON."]
    with pytest.raises(ValidationError):
        f.validate({"nan": float("nan")}, None)
    for vendor in ("sqlite", "mysql"):
        to_db, from_db = f.db_converter(vendor), f.result_converter(vendor)
        assert to_db is not None
        assert from_db is not None
        assert json.loads(to_db(doc)) == doc
        assert from_db('{"a":1}') == {"a": 1}
        assert from_db(b"[1]") == [1]
        assert from_db({"already": "decoded"}) == {"already": "decoded"}
    assert f.result_converter("postgresql") is None
    to_pg = f.db_converter("postgresql")
    assert to_pg is not None
    wrapped = to_pg(doc)
    assert wrapped.obj == doc
    assert wrapped.dumps(doc) == f.dumps(doc)


def test_json_custom_encoder() -> None:
    class Encoder(json.JSONEncoder):
        def default(self, o: Any) -> Any:
            if isinstance(o, decimal.Decimal):
                return str(o)
            return super().default(o)

    f = models.JSONField(encoder=Encoder)
    f.validate({"price": decimal.Decimal("1.5")}, None)
    assert f.dumps({"price": decimal.Decimal("1.5")}) == '{"price":"1.5"}'
    with pytest.raises(ValidationError):
        models.JSONField().validate({"price": decimal.Decimal("1.5")}, None)
