"""CheckConstraints evaluated in Python by ``validate_constraints()`` (no database needed)."""

from __future__ import annotations

from typing import Any

import dbtests_models as m

from bastion.db import models
from bastion.db.models import F, Q
from bastion.exceptions import ValidationError


class Window(models.Model):
    start = models.IntegerField(null=True)
    end = models.IntegerField(null=True)
    kind = models.CharField(max_length=5, default="a")
    note = models.CharField(max_length=20, default="")

    class Meta:
        app_label = "checktests"
        constraints = [
            models.CheckConstraint(check=Q(end__gt=F("start")), name="end_after_start"),
            models.CheckConstraint(
                check=Q(kind__in=["a", "b"]) | Q(kind="c", note__isnull=False),
                name="known_kind",
                violation_error_message="Unknown kind.",
            ),
            models.CheckConstraint(check=~Q(note="forbidden"), name="no_forbidden"),
            models.CheckConstraint(check=Q(note__icontains="x") | Q(note=""), name="python_skips"),
        ]


def _errors(obj: Any, exclude: tuple[str, ...] = ()) -> list[str]:
    try:
        obj.validate_constraints(exclude)
    except ValidationError as exc:
        return exc.message_dict["__all__"]
    return []


def test_f_comparison() -> None:
    assert _errors(Window(start=1, end=2)) == []
    assert _errors(Window(start=2, end=2)) == ["Constraint “end_after_start” is violated."]
    # Excluding a field named by the check skips that check.
    assert _errors(Window(start=2, end=2), ("start",)) == []
    assert _errors(Window(start=2, end=2), ("end",)) == []


def test_or_in_and_negation() -> None:
    assert _errors(Window(start=1, end=2, kind="b")) == []
    assert _errors(Window(start=1, end=2, kind="c")) == []
    assert _errors(Window(start=1, end=2, kind="z")) == ["Unknown kind."]
    assert _errors(Window(start=1, end=2, note="forbidden")) == [
        "Constraint “no_forbidden” is violated."
    ]


def test_every_violation_is_reported() -> None:
    assert _errors(Window(start=3, end=1, kind="z", note="forbidden")) == [
        "Constraint “end_after_start” is violated.",
        "Unknown kind.",
        "Constraint “no_forbidden” is violated.",
    ]


def test_lookups_python_cannot_evaluate_are_left_to_the_database() -> None:
    assert _errors(Window(start=1, end=2, note="no match here")) == []


def test_incomparable_values_fail_the_check() -> None:
    assert _errors(Window(start="a", end=1)) == ["Constraint “end_after_start” is violated."]


def test_null_operands_pass_like_in_sql() -> None:
    assert _errors(Window(start=None, end=2)) == []
    assert _errors(Window(start=1, end=None)) == []


def test_unique_group_with_a_null_member_is_not_checked(db: Any, queries: Any) -> None:
    group = m.Group.objects.create(name="g")
    before = len(queries)
    m.Membership(group=group, author=None).validate_unique()  # NULLs never collide
    assert len(queries) == before
