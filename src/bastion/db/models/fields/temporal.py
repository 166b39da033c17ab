"""Dates, times, aware datetimes (stored in UTC) and durations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from bastion.db.models.fields.base import Converter, Field
from bastion.exceptions import ValidationError

__all__ = ["DateField", "DateTimeField", "DurationField", "TimeField"]

UTC = dt.UTC


class _AutoNow:
    """``auto_now`` and ``auto_now_add``: the value is set on save, not by the user."""

    def __init__(self, *args: Any, auto_now: bool = False, auto_now_add: bool = False, **kw: Any):
        self.auto_now = auto_now
        self.auto_now_add = auto_now_add
        if auto_now or auto_now_add:
            kw.setdefault("editable", False)
            kw.setdefault("blank", True)
        super().__init__(*args, **kw)


def _invalid(kind: str, value: Any) -> ValidationError:
    return ValidationError(
        "“%(value)s” is not a valid %(kind)s.",
        code="invalid",
        params={"value": value, "kind": kind},
    )


class DateField(_AutoNow, Field[dt.date]):
    """A calendar date."""

    python_type = dt.date
    empty_strings_allowed = False

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Date()

    def pre_save(self, adding: bool) -> dt.date | None:
        if self.auto_now or (self.auto_now_add and adding):
            return dt.datetime.now(UTC).date()
        return None

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.astimezone(UTC).date() if value.tzinfo else value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise _invalid("date", value) from None

    def db_converter(self, vendor: str) -> Converter | None:
        return dt.date.isoformat if vendor == "sqlite" else None

    def result_converter(self, vendor: str) -> Converter | None:
        if vendor != "sqlite":
            return None
        return lambda value: None if value is None else dt.date.fromisoformat(value)


class DateTimeField(_AutoNow, Field[dt.datetime]):
    """A point in time: timezone-aware in Python, stored in UTC.

    A naive datetime is refused rather than guessed at: which zone it meant is unknown.
    """

    python_type = dt.datetime
    empty_strings_allowed = False

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql")

    def pre_save(self, adding: bool) -> dt.datetime | None:
        if self.auto_now or (self.auto_now_add and adding):
            return dt.datetime.now(UTC)
        return None

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            result = value
        elif isinstance(value, dt.date):
            result = dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
        else:
            try:
                result = dt.datetime.fromisoformat(str(value).strip())
            except ValueError:
                raise _invalid("date and time", value) from None
        if result.tzinfo is None or result.utcoffset() is None:
            raise ValidationError(
                "“%(value)s” has no time zone; use an aware datetime.",
                code="naive",
                params={"value": value},
            )
        return result

    def db_converter(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            return None

        def to_utc_naive(value: dt.datetime) -> Any:
            naive = value.astimezone(UTC).replace(tzinfo=None)
            return naive.isoformat(sep=" ") if vendor == "sqlite" else naive

        return to_utc_naive

    def result_converter(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            return lambda value: None if value is None else value.astimezone(UTC)

        def from_utc(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, str):
                value = dt.datetime.fromisoformat(value)
            return value.replace(tzinfo=UTC)

        return from_utc


class TimeField(Field[dt.time]):
    """A time of day (no date, no zone)."""

    python_type = dt.time
    empty_strings_allowed = False

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Time().with_variant(mysql.TIME(fsp=6), "mysql")

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, dt.time):
            return value
        if isinstance(value, dt.datetime):
            return value.time()
        try:
            return dt.time.fromisoformat(str(value).strip())
        except ValueError:
            raise _invalid("time", value) from None

    def db_converter(self, vendor: str) -> Converter | None:
        return dt.time.isoformat if vendor == "sqlite" else None

    def result_converter(self, vendor: str) -> Converter | None:
        if vendor == "sqlite":
            return lambda value: None if value is None else dt.time.fromisoformat(value)
        if vendor == "mysql":
            # PyMySQL returns TIME columns as a timedelta since midnight.
            def from_delta(value: Any) -> Any:
                if value is None or isinstance(value, dt.time):
                    return value
                return (dt.datetime.min + value).time()

            return from_delta
        return None


class DurationField(Field[dt.timedelta]):
    """A length of time: ``interval`` on PostgreSQL, microseconds elsewhere."""

    python_type = dt.timedelta
    empty_strings_allowed = False

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.BigInteger().with_variant(postgresql.INTERVAL(), "postgresql")

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, dt.timedelta):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return dt.timedelta(seconds=value)
        raise _invalid("duration", value)

    def db_converter(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            return None
        return lambda value: value // dt.timedelta(microseconds=1)

    def result_converter(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            return None
        return lambda value: None if value is None else dt.timedelta(microseconds=int(value))
