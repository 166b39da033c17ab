"""The database-backed checks of ``full_clean()``: uniqueness and check constraints."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bastion.db.models.expressions import Q
from bastion.exceptions import ValidationError

if TYPE_CHECKING:
    from bastion.db.models.base import Model

__all__ = ["validate_constraints", "validate_unique"]


def validate_unique(obj: Model, exclude: set[str]) -> None:
    """Unique fields and unique groups: does another row already hold these values?"""
    from bastion.db.models.options import UniqueConstraint

    meta = obj._meta
    groups: list[tuple[str, ...]] = [
        (f.name,) for f in meta.fields if f.unique and not f.primary_key
    ]
    groups += meta.unique_together
    groups += [c.fields for c in meta.constraints if isinstance(c, UniqueConstraint)]
    errors: dict[str, list[str]] = {}
    for group in groups:
        if any(name in exclude for name in group):
            continue
        lookup = {}
        for name in group:
            f = meta.get_field(name)
            value = getattr(obj, f.attname)
            if value is None:
                break  # NULLs never collide
            lookup[f.attname] = value
        else:
            qs = type(obj)._default_manager.filter(**lookup)
            if obj.pk is not None and not obj._state.adding:
                qs = qs.exclude(pk=obj.pk)
            if qs.exists():
                if len(group) == 1:
                    f = meta.get_field(group[0])
                    message = (
                        f"{meta.verbose_name.capitalize()} with this "
                        f"{f.verbose_name} already exists."
                    )
                    errors.setdefault(group[0], []).append(message)
                else:
                    labels = " and ".join(str(meta.get_field(n).verbose_name) for n in group)
                    message = f"{meta.verbose_name.capitalize()} with this {labels} already exists."
                    errors.setdefault("__all__", []).append(message)
    if errors:
        raise ValidationError(errors)


def validate_constraints(obj: Model, exclude: set[str]) -> None:
    """Evaluate each CheckConstraint's Q on the instance's own values."""
    from bastion.db.models.options import CheckConstraint

    errors: list[str] = []
    for constraint in obj._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        names = {ref.split("__", 1)[0] for ref in constraint.check.refs()}
        if names & exclude:
            continue
        if _evaluate(obj, constraint.check) is False:
            errors.append(constraint.violation_error_message)
    if errors:
        raise ValidationError({"__all__": errors})


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "exact": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "in": lambda a, b: a in b,
}


def _evaluate(obj: Model, q: Q) -> bool | None:
    """The Q on the instance's values in SQL's three-valued logic (None is "unknown").

    A CHECK constraint passes unless its condition is false: ``end > start`` with a NULL
    ``start`` is unknown, and the database accepts the row, so ``full_clean()`` does too.
    """
    from bastion.db.models.expressions import F

    results: list[bool | None] = []
    for child in q.children:
        if isinstance(child, Q):
            results.append(_evaluate(obj, child))
            continue
        name, expected = child
        field_name, _, lookup = name.partition("__")
        value = getattr(obj, obj._meta.get_field(field_name).attname)
        if isinstance(expected, F):
            expected = getattr(obj, obj._meta.get_field(expected.name).attname)
        if lookup == "isnull":
            results.append((value is None) == bool(expected))
            continue
        compare = _COMPARE.get(lookup or "exact")
        if compare is None or value is None or expected is None:
            # Unknown: NULL operands, or a lookup only the database evaluates.
            results.append(None)
            continue
        try:
            results.append(bool(compare(value, expected)))
        except TypeError:
            results.append(False)
    outcome = _and(results) if q.connector == Q.AND else _or(results)
    if q.negated and outcome is not None:
        return not outcome
    return outcome


def _and(results: list[bool | None]) -> bool | None:
    if False in results:
        return False
    return None if None in results else True


def _or(results: list[bool | None]) -> bool | None:
    if True in results:
        return True
    return None if None in results else False
