"""pre/post save and delete signals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dbtests_models as m
import pytest

from bastion.db.models import signals


@pytest.fixture
def log() -> Iterator[list[tuple[str, Any]]]:
    events: list[tuple[str, Any]] = []
    receivers = {}
    for name in ("pre_save", "post_save", "pre_delete", "post_delete"):

        def receiver(sender: Any, *, _name: str = name, **kwargs: Any) -> None:
            kwargs["pk_then"] = kwargs["instance"].pk
            events.append((_name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver, sender=m.Author)
    yield events
    for name, receiver in receivers.items():
        assert getattr(signals, name).disconnect(receiver, sender=m.Author)


def test_save_signals_insert_and_update(db: Any, log: list[tuple[str, Any]]) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    assert [name for name, _ in log] == ["pre_save", "post_save"]
    assert log[1][1]["created"] is True
    assert log[1][1]["instance"] is a
    log.clear()
    a.name = "B"
    a.save(update_fields=["name"])
    assert [name for name, _ in log] == ["pre_save", "post_save"]
    assert log[1][1]["created"] is False
    assert set(log[1][1].get("update_fields") or ()) == {"name"}


def test_delete_signals(db: Any, log: list[tuple[str, Any]]) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    log.clear()
    a.delete()
    assert [name for name, _ in log] == ["pre_delete", "post_delete"]
    assert log[0][1]["pk_then"] == log[1][1]["pk_then"] is not None
    assert log[0][1]["instance"] is a
    assert a.pk is None


def test_queryset_delete_sends_per_object(db: Any, log: list[tuple[str, Any]]) -> None:
    for n in ("a", "b"):
        m.Author.objects.create(name=n, email=f"{n}@example.com")
    log.clear()
    m.Author.objects.all().delete()
    assert [name for name, _ in log].count("post_delete") == 2


def test_update_and_bulk_create_send_nothing(db: Any, log: list[tuple[str, Any]]) -> None:
    m.Author.objects.bulk_create([m.Author(name="a", email="a@example.com")])
    m.Author.objects.update(name="z")
    assert log == []


def test_pre_save_receiver_can_change_instance(db: Any) -> None:
    def upper(sender: Any, instance: Any, **kwargs: Any) -> None:
        instance.name = instance.name.upper()

    signals.pre_save.connect(upper, sender=m.Tag)
    try:
        t = m.Tag.objects.create(name="py")
    finally:
        signals.pre_save.disconnect(upper, sender=m.Tag)
    assert m.Tag.objects.get(pk=t.pk).name == "PY"


def test_sender_filter(db: Any, log: list[tuple[str, Any]]) -> None:
    m.Tag.objects.create(name="x")
    assert log == []
