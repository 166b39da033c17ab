"""full_clean(): one ValidationError with a message per field, and database constraints."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dbtests_models as m
import pytest

from bastion.db import IntegrityError
from bastion.exceptions import ValidationError


def _errors(obj: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    return dict(info.value.message_dict)


def test_valid_object_passes(db: Any) -> None:
    m.Author(name="A", email="a@example.com", website="https://a.example").full_clean()


def test_max_length_blank_email_url(db: Any) -> None:
    errors = _errors(m.Author(name="x" * 101, email="not-an-email", website="nope"))
    assert errors == {
        "name": ["Ensure this value has at most 100 characters (it has 101)."],
        "email": ["Enter a valid email address."],
        "website": ["Enter a valid URL."],
    }
    assert _errors(m.Author(name="", email="b@example.com")) == {
        "name": ["This field cannot be blank."]
    }


def test_null_and_choices(db: Any) -> None:
    author = m.Author.objects.create(name="A", email="a@example.com")
    errors = _errors(m.Article(author=author, title=None, status="bogus"))
    assert errors == {
        "title": ["This field cannot be null."],
        "status": ["Value 'bogus' is not a valid choice."],
    }
    m.Article(author=author, title="t", status=m.Status.LIVE).full_clean()
    m.Article(author=author, title="t", status="draft").full_clean()


def test_naive_datetime_refused(db: Any) -> None:
    author = m.Author.objects.create(name="A", email="a@example.com")
    errors = _errors(m.Article(author=author, title="t", published=dt.datetime(2024, 1, 1)))
    assert list(errors) == ["published"]


def test_unique_field(db: Any) -> None:
    m.Author.objects.create(name="A", email="a@example.com")
    errors = _errors(m.Author(name="B", email="a@example.com"))
    assert errors == {"email": ["Author with this email already exists."]}
    m.Author.objects.get(email="a@example.com").full_clean()  # itself is no duplicate
    with pytest.raises(IntegrityError):
        m.Author.objects.create(name="B", email="a@example.com")


def test_unique_together(db: Any) -> None:
    author = m.Author.objects.create(name="A", email="a@example.com")
    group = m.Group.objects.create(name="G")
    m.Membership.objects.create(group=group, author=author)
    errors = _errors(m.Membership(group=group, author=author))
    assert errors
    assert all(msgs for msgs in errors.values())
    with pytest.raises(IntegrityError):
        m.Membership.objects.create(group=group, author=author)


def test_unique_constraint(db: Any) -> None:
    m.Seat.objects.create(room="r", number=1)
    errors = _errors(m.Seat(room="r", number=1))
    assert errors == {"__all__": ["Seat with this room and number already exists."]}
    m.Seat(room="r", number=2).full_clean()
    with pytest.raises(IntegrityError):
        m.Seat.objects.create(room="r", number=1)


def test_check_constraint(db: Any) -> None:
    errors = _errors(m.Seat(room="r", number=1, price=-1))
    assert errors == {"__all__": ["Constraint “dbtests_seat_price_gte_0” is violated."]}
    m.Seat(room="r", number=1, price=0).full_clean()


def test_check_constraint_violation_is_integrity_error(
    db: Any, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(IntegrityError):
        m.Seat.objects.create(room="r", number=1, price=-1)
    assert m.Seat.objects.count() == 0


def test_errors_are_collected_not_first_only(db: Any) -> None:
    errors = _errors(m.Author(name="", email="bad"))
    assert set(errors) == {"name", "email"}
