"""Managers: proxies to the QuerySet, custom querysets, db_manager, class-only access."""

from __future__ import annotations

from typing import Any

import dbtests_models as m
import pytest

from bastion.db import models
from bastion.db.models.manager import Manager


def test_manager_only_on_the_class() -> None:
    author = m.Author(name="A", email="a@example.com")
    with pytest.raises(AttributeError, match="Manager isn't accessible via Author instances"):
        author.objects  # noqa: B018
    assert isinstance(m.Author.objects, Manager)


def test_manager_repr_and_unknown_attribute() -> None:
    assert repr(m.Author.objects) == "<Manager of Author>"
    assert repr(Manager()) == "<Manager of nothing>"
    with pytest.raises(AttributeError, match="Manager has no attribute 'frobnicate'"):
        m.Author.objects.frobnicate  # noqa: B018
    assert Manager[Any] is Manager


def test_default_and_base_managers() -> None:
    assert m.Author._default_manager is m.Author.objects
    assert m.Author._meta.managers == {"objects": m.Author.objects}
    assert type(m.Author._base_manager) is Manager
    assert "_base_manager" not in m.Article._meta.managers
    assert m.Article._default_manager is m.Article.objects
    assert set(m.Article._meta.managers) == {"objects", "live"}


def test_default_manager_name() -> None:
    class Ranked(models.Model):
        first = Manager()
        second = Manager()

        class Meta:
            app_label = "mgrtests"
            default_manager_name = "second"

    assert Ranked._default_manager is Ranked.second
    assert Ranked.first.name == "first"
    assert Ranked.second.model is Ranked


def test_from_queryset_proxies_public_methods() -> None:
    class CustomQuerySet(models.QuerySet[Any]):
        def titled(self, title: str) -> Any:
            return self.filter(title=title)

        def _private(self) -> None:
            raise AssertionError("private methods are not proxied")

        def using(self, alias: str | None) -> Any:  # Manager has its own: not replaced
            raise AssertionError("Manager.using is kept")

    manager_class = Manager.from_queryset(CustomQuerySet)
    assert manager_class.__name__ == "ManagerFromCustomQuerySet"
    assert issubclass(manager_class, Manager)
    assert manager_class.queryset_class is CustomQuerySet
    assert "titled" in vars(manager_class)
    assert manager_class.titled.__name__ == "titled"  # type: ignore[attr-defined]
    assert "_private" not in vars(manager_class)
    assert "using" not in vars(manager_class)


def test_custom_querysets_on_the_database(db: Any) -> None:
    author = m.Author.objects.create(name="A", email="a@example.com")
    live = m.Article.objects.create(author=author, title="live", status=m.Status.LIVE)
    m.Article.objects.create(author=author, title="draft")
    assert list(m.Article.objects.published()) == [live]
    assert isinstance(m.Article.objects.all(), m.PublishedQuerySet)
    assert list(m.Article.live.all()) == [live]
    assert m.Article.live.count() == 1
    assert m.Article.objects.count() == 2
    assert list(m.Article._base_manager.order_by("title").values_list("title", flat=True)) == [
        "draft",
        "live",
    ]


def test_db_manager_and_using(db: Any) -> None:
    m.Tag.objects.create(name="x")
    default = m.Tag.objects.db_manager("default")
    assert default is not m.Tag.objects
    assert type(default) is type(m.Tag.objects)
    assert default._db == "default"
    assert m.Tag.objects._db is None
    assert default.get_queryset()._db == "default"
    assert [t.name for t in default.all()] == ["x"]
    assert [t.name for t in m.Tag.objects.using("default")] == ["x"]
    assert [t.name for t in m.Tag.objects.using(None)] == ["x"]
    assert [t.name for t in default.raw("SELECT * FROM dbtests_tag")] == ["x"]
