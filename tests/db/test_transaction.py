"""atomic() and on_commit() on every database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dbtests_models as m
import pytest

from bastion.db import IntegrityError, TransactionManagementError, atomic, on_commit


class Boom(Exception):
    """The failure the tests raise inside blocks."""


def _author(name: str) -> Any:
    return m.Author.objects.create(name=name, email=f"{name}@example.com")


def _failing_block(*work: Callable[[], object], **options: Any) -> None:
    """Run ``work`` in ``atomic(**options)``, then raise Boom inside the block."""
    with atomic(**options):
        for step in work:
            step()
        raise Boom


def _names() -> list[str]:
    return list(m.Author.objects.order_by("name").values_list("name", flat=True))


def test_context_manager_commits(db: Any) -> None:
    with atomic():
        _author("a")
    assert m.Author.objects.count() == 1


def test_exception_leaves_nothing_written(db: Any) -> None:
    _author("kept")
    with pytest.raises(Boom):
        _failing_block(lambda: _author("a"), lambda: m.Author.objects.update(name="changed"))
    assert _names() == ["kept"]


def test_decorator_both_forms(db: Any) -> None:
    @atomic
    def plain() -> None:
        _author("a")
        raise Boom

    @atomic()
    def called() -> None:
        _author("b")

    with pytest.raises(Boom):
        plain()
    called()
    assert _names() == ["b"]


def test_nested_savepoint_rollback_keeps_outer_work(db: Any) -> None:
    with atomic():
        _author("outer")
        with pytest.raises(Boom):
            _failing_block(lambda: _author("inner"))
        _author("after")
    assert _names() == ["after", "outer"]


def test_integrity_error_in_savepoint_is_recoverable(db: Any) -> None:
    def duplicate() -> None:
        with atomic():
            _author("a")

    with atomic():
        _author("a")
        with pytest.raises(IntegrityError):
            duplicate()
        _author("b")
    assert _names() == ["a", "b"]


def test_inner_error_without_savepoint_dooms_the_transaction(db: Any) -> None:
    def duplicate() -> None:
        with atomic(savepoint=False):
            _author("a")

    def outer() -> None:
        with atomic():
            _author("a")
            with pytest.raises(IntegrityError):
                duplicate()
            _author("b")

    with pytest.raises(TransactionManagementError):
        outer()
    assert m.Author.objects.count() == 0


def test_on_commit_runs_after_commit_only(db: Any) -> None:
    ran: list[str] = []
    with atomic():
        on_commit(lambda: ran.append("outer"))
        with atomic():
            on_commit(lambda: ran.append("inner"))
        assert ran == []
    assert ran == ["outer", "inner"]
    with pytest.raises(Boom):
        _failing_block(lambda: on_commit(lambda: ran.append("never")))
    with atomic(), pytest.raises(Boom):
        _failing_block(lambda: on_commit(lambda: ran.append("rolled back savepoint")))
    assert ran == ["outer", "inner"]
    on_commit(lambda: ran.append("now"))
    assert ran[-1] == "now"


def test_on_commit_hook_error_after_commit_keeps_data(db: Any) -> None:
    def boom() -> None:
        raise Boom

    def block() -> None:
        with atomic():
            _author("a")
            on_commit(boom)

    with pytest.raises(Boom):
        block()
    assert m.Author.objects.count() == 1


def test_durable_refuses_nesting(db: Any) -> None:
    with atomic(durable=True):
        _author("a")
    with atomic(), pytest.raises(TransactionManagementError), atomic(durable=True):
        pass
    assert m.Author.objects.count() == 1


def test_get_or_create_inside_a_transaction(db: Any) -> None:
    with atomic():
        first, created = m.Author.objects.get_or_create(
            email="x@example.com", defaults={"name": "x"}
        )
        again, created_again = m.Author.objects.get_or_create(
            email="x@example.com", defaults={"name": "y"}
        )
    assert created
    assert not created_again
    assert first == again


def test_release_rolls_back_an_abandoned_transaction(db: Any) -> None:
    block = atomic()
    block.__enter__()
    _author("abandoned")
    db.dbs.release()
    assert m.Author.objects.count() == 0
