"""The Signal object itself: connecting, disconnecting, sender filters, results."""

from __future__ import annotations

from typing import Any

import dbtests_models as m

from bastion.db.models import signals
from bastion.db.models.signals import Signal


def test_connect_disconnect_and_send() -> None:
    signal = Signal("custom")
    assert repr(signal) == "<Signal custom>"
    calls: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sender: Any, **kwargs: Any) -> str:
        calls.append((sender, kwargs))
        return "done"

    assert not signal.has_receivers(m.Tag)
    assert signal.connect(receiver) is receiver
    signal.connect(receiver)  # connecting twice keeps one
    assert signal.has_receivers(m.Tag)
    results = signal.send(m.Tag, extra=1)
    assert results == [(receiver, "done")]
    assert calls == [(m.Tag, {"signal": signal, "extra": 1})]
    assert signal.disconnect(receiver) is True
    assert signal.disconnect(receiver) is False
    assert signal.send(m.Tag) == []


def test_decorator_form_and_sender_filter() -> None:
    signal = Signal("filtered")
    seen: list[Any] = []

    @signal.connect(sender=m.Tag)
    def only_tags(sender: Any, **kwargs: Any) -> None:
        seen.append(sender)

    assert only_tags.__name__ == "only_tags"  # the decorator returns the function
    assert signal.has_receivers(m.Tag)
    assert not signal.has_receivers(m.Author)
    signal.send(m.Author)
    signal.send(m.Tag)
    assert seen == [m.Tag]
    assert signal.disconnect(only_tags) is False  # connected for Tag, not for every sender
    assert signal.disconnect(only_tags, sender=m.Tag) is True
    assert not signal.has_receivers(m.Tag)


def test_builtin_signals_exist() -> None:
    names = [s.name for s in (signals.pre_save, signals.post_save, signals.pre_delete)]
    assert names == ["pre_save", "post_save", "pre_delete"]
    assert signals.post_delete.name == "post_delete"
    assert signals.m2m_changed.name == "m2m_changed"


def test_m2m_changed_actions(db: Any) -> None:
    events: list[tuple[str, bool, Any]] = []

    def receiver(sender: Any, *, action: str, reverse: bool, pk_set: Any, **kw: Any) -> None:
        events.append((action, reverse, pk_set))

    article = m.Article.objects.create(
        author=m.Author.objects.create(name="A", email="a@example.com"), title="t"
    )
    tag = m.Tag.objects.create(name="x")
    through = m.Article._meta.get_field("tags").through
    signals.m2m_changed.connect(receiver, sender=through)
    try:
        article.tags.add(tag)
        article.tags.add(tag)  # nothing new: no signal
        tag.articles.remove(article)
        article.tags.clear()
    finally:
        signals.m2m_changed.disconnect(receiver, sender=through)
    assert events == [
        ("pre_add", False, {tag.pk}),
        ("post_add", False, {tag.pk}),
        ("pre_remove", True, {article.pk}),
        ("post_remove", True, {article.pk}),
        ("pre_clear", False, None),
        ("post_clear", False, None),
    ]
