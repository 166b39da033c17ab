"""Deletion: cascades and every on_delete rule, all in one transaction."""

from __future__ import annotations

from typing import Any

import dbtests_models as m
import pytest

from bastion.db import ProtectedError, RestrictedError


def test_cascade_removes_dependants_and_m2m_rows(db: Any) -> None:
    ann = m.Author.objects.create(name="Ann", email="ann@example.com")
    keep = m.Author.objects.create(name="Keep", email="k@example.com")
    tag = m.Tag.objects.create(name="t")
    art = m.Article.objects.create(author=ann, title="x")
    art.tags.add(tag)
    m.Profile.objects.create(author=ann)
    m.Article.objects.create(author=keep, title="kept")
    count, per_model = ann.delete()
    assert count == per_model["dbtests.Author"] + per_model["dbtests.Article"] + sum(
        v for k, v in per_model.items() if k not in ("dbtests.Author", "dbtests.Article")
    )
    assert per_model["dbtests.Author"] == 1
    assert per_model["dbtests.Article"] == 1
    assert m.Author.objects.count() == 1
    assert m.Profile.objects.count() == 0
    assert [a.title for a in m.Article.objects.all()] == ["kept"]
    assert m.Tag.objects.count() == 1
    assert list(tag.articles.all()) == []


def test_queryset_delete_and_self_reference_cascade(
    db: Any, request: pytest.FixtureRequest
) -> None:
    root = m.Node.objects.create(name="root")
    child = m.Node.objects.create(name="child", parent=root)
    m.Node.objects.create(name="leaf", parent=child)
    m.Node.objects.create(name="other")
    count, _ = m.Node.objects.filter(name="root").delete()
    assert count == 3
    assert [n.name for n in m.Node.objects.all()] == ["other"]


def test_self_fk_set_null(db: Any) -> None:
    ann = m.Author.objects.create(name="Ann", email="ann@example.com")
    bob = m.Author.objects.create(name="Bob", email="bob@example.com", mentor=ann)
    ann.delete()
    bob.refresh_from_db()
    assert bob.mentor_id is None


def test_protect_refuses_and_writes_nothing(db: Any) -> None:
    pub = m.Publisher.objects.create(name="P")
    m.Book.objects.create(title="b", protected=pub)
    other = m.Book.objects.create(title="n", nullable=pub)
    with pytest.raises(ProtectedError):
        pub.delete()
    assert m.Publisher.objects.count() == 1
    other.refresh_from_db()
    assert other.nullable_id == pub.pk


def test_restrict_refuses(db: Any) -> None:
    pub = m.Publisher.objects.create(name="P")
    m.Book.objects.create(title="b", restricted=pub)
    with pytest.raises(RestrictedError):
        m.Publisher.objects.all().delete()
    assert m.Publisher.objects.count() == 1
    assert m.Book.objects.count() == 1


def test_set_null_and_set_default(db: Any) -> None:
    pub = m.Publisher.objects.create(name="P")
    a = m.Book.objects.create(title="a", nullable=pub)
    b = m.Book.objects.create(title="b", defaulted=pub)
    pub.delete()
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.nullable_id is None
    assert b.defaulted_id is None
    assert m.Book.objects.count() == 2


def test_failure_mid_delete_rolls_back_everything(db: Any) -> None:
    from bastion.db.models import signals

    ann = m.Author.objects.create(name="Ann", email="ann@example.com")
    m.Article.objects.create(author=ann, title="x")

    def boom(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("stop")

    signals.post_delete.connect(boom, sender=m.Author)
    try:
        with pytest.raises(RuntimeError):
            ann.delete()
    finally:
        signals.post_delete.disconnect(boom, sender=m.Author)
    assert m.Author.objects.count() == 1
    assert m.Article.objects.count() == 1
