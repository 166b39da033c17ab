"""Every field type survives a round trip through every database."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import dbtests_models as m
import pytest


@pytest.fixture
def author(db: Any) -> Any:
    return m.Author.objects.create(name="A", email="a@example.com")


def test_article_round_trip(author: Any) -> None:
    uid = uuid.uuid4()
    values = {
        "title": "Ünïcødé ☃ 'q' \"dq\"",
        "body": "line\nline 2\t",
        "data": {"n": 1, "f": 1.5, "s": "é", "l": [1, None, True], "o": {"x": {}}},
        "price": Decimal("123456.78"),
        "published": dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=dt.UTC),
        "uid": uid,
        "reading": dt.timedelta(days=2, hours=3, microseconds=7),
        "blob": b"\x00\x01\xff binary",
        "at": dt.time(23, 59, 58, 500000),
        "day": dt.date(1999, 12, 31),
        "featured": True,
        "views": -2147483648,
        "status": m.Status.LIVE,
    }
    made = m.Article.objects.create(author=author, **values)
    got = m.Article.objects.get(pk=made.pk)
    for name, value in values.items():
        assert getattr(got, name) == value, name
    assert isinstance(got.price, Decimal)
    assert isinstance(got.uid, uuid.UUID)
    assert isinstance(got.blob, bytes)
    assert got.featured is True
    assert got.published.utcoffset() == dt.timedelta(0)


def test_aware_datetime_comes_back_in_utc(author: Any) -> None:
    tz = dt.timezone(dt.timedelta(hours=-5))
    made = m.Article.objects.create(
        author=author, title="t", published=dt.datetime(2024, 1, 1, 20, tzinfo=tz)
    )
    got = m.Article.objects.get(pk=made.pk).published
    assert got == dt.datetime(2024, 1, 2, 1, tzinfo=dt.UTC)
    assert got.tzinfo is not None
    assert got.utcoffset() == dt.timedelta(0)
    assert m.Article.objects.filter(published=dt.datetime(2024, 1, 2, 1, tzinfo=dt.UTC)).exists()


def test_defaults_and_nulls(author: Any) -> None:
    made = m.Article.objects.create(author=author, title="t")
    got = m.Article.objects.get(pk=made.pk)
    assert got.data == {}
    assert got.price == Decimal("0")
    assert got.reading == dt.timedelta(0)
    assert got.published is None
    assert got.blob is None
    assert got.at is None
    assert got.day is None
    assert got.featured is False
    assert got.status == m.Status.DRAFT
    assert got.uid == made.uid
    assert m.Article.objects.filter(data={}).count() == 1


def test_json_top_level_scalars_and_lists(author: Any) -> None:
    for i, doc in enumerate([[1, 2], "text", 3.25, True, {"a": [{"b": None}]}]):
        made = m.Article.objects.create(author=author, title=str(i), data=doc)
        assert m.Article.objects.get(pk=made.pk).data == doc


def test_integer_and_float_fields(db: Any) -> None:
    values = {
        "small": -32768,
        "big": 2**63 - 1,
        "pos": 2**31 - 1,
        "pos_small": 32767,
        "pos_big": 2**62,
        "ratio": 0.1 + 0.2,
        "slug": "a-slug_1",
    }
    made = m.Measure.objects.create(**values)
    got = m.Measure.objects.get(pk=made.pk)
    for name, value in values.items():
        assert getattr(got, name) == value, name


def test_filter_by_every_type(author: Any) -> None:
    uid = uuid.uuid4()
    m.Article.objects.create(
        author=author,
        title="t",
        uid=uid,
        price=Decimal("9.99"),
        reading=dt.timedelta(minutes=5),
        at=dt.time(8, 0),
        day=dt.date(2024, 2, 29),
        featured=True,
    )
    qs = m.Article.objects
    assert qs.filter(uid=uid).count() == 1
    assert qs.filter(uid=str(uid)).count() == 1
    assert qs.filter(price=Decimal("9.99"), price__gt=Decimal("9.98")).count() == 1
    assert qs.filter(reading__gt=dt.timedelta(minutes=4)).count() == 1
    assert qs.filter(at__lt=dt.time(9, 0)).count() == 1
    assert qs.filter(day=dt.date(2024, 2, 29)).count() == 1
    assert qs.filter(featured=True).count() == 1
    assert qs.filter(featured=False).count() == 0


def test_choices_enum_and_display(author: Any) -> None:
    made = m.Article.objects.create(author=author, title="t", status=m.Status.LIVE)
    got = m.Article.objects.get(pk=made.pk)
    assert got.status == "live"
    assert got.status == m.Status.LIVE
    assert m.Article.objects.filter(status=m.Status.LIVE).count() == 1
    assert got.get_display("status")


def test_duration_arithmetic_with_f(author: Any, request: pytest.FixtureRequest) -> None:
    from bastion.db.models import F

    m.Article.objects.create(author=author, title="t", reading=dt.timedelta(minutes=5))
    assert m.Article.objects.filter(reading__lt=F("reading") + dt.timedelta(seconds=1)).count() == 1
    m.Article.objects.update(reading=F("reading") + dt.timedelta(minutes=1))
    assert m.Article.objects.get().reading == dt.timedelta(minutes=6)
