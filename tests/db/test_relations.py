"""Relations: traversal both ways, related managers, M2M, one-to-one, select/prefetch."""

from __future__ import annotations

from typing import Any

import dbtests_models as m
import pytest

from bastion.db.models import Prefetch, signals


@pytest.fixture
def library(db: Any) -> dict[str, Any]:
    ann = m.Author.objects.create(name="Ann", email="ann@example.com")
    bob = m.Author.objects.create(name="Bob", email="bob@example.com", mentor=ann)
    py = m.Tag.objects.create(name="py")
    sql = m.Tag.objects.create(name="sql")
    hello = m.Article.objects.create(author=ann, title="Hello")
    world = m.Article.objects.create(author=bob, title="World")
    hello.tags.add(py, sql)
    world.tags.add(sql)
    return {"ann": ann, "bob": bob, "py": py, "sql": sql, "hello": hello, "world": world}


def test_forward_and_reverse_traversal(library: dict[str, Any]) -> None:
    assert [a.title for a in m.Article.objects.filter(author__name="Bob")] == ["World"]
    assert [a.name for a in m.Author.objects.filter(articles__title="Hello")] == ["Ann"]
    assert [
        t.name for t in m.Tag.objects.filter(articles__author__name="Ann").order_by("name")
    ] == [
        "py",
        "sql",
    ]
    assert [a.title for a in m.Article.objects.filter(tags__name="py")] == ["Hello"]
    assert [a.title for a in m.Article.objects.exclude(tags__name="py")] == ["World"]
    assert [a.name for a in m.Author.objects.filter(mentor__name="Ann")] == ["Bob"]
    assert [a.name for a in m.Author.objects.filter(mentees__name="Bob")] == ["Ann"]


def test_forward_access_and_fk_id(library: dict[str, Any]) -> None:
    world = m.Article.objects.get(title="World")
    assert world.author_id == library["bob"].pk
    assert world.author == library["bob"]
    assert world.author.mentor == library["ann"]


def test_reverse_manager_all_create_add(library: dict[str, Any]) -> None:
    ann = library["ann"]
    assert [a.title for a in ann.articles.all()] == ["Hello"]
    made = ann.articles.create(title="New")
    assert made.author_id == ann.pk
    world = library["world"]
    ann.articles.add(world)
    assert sorted(a.title for a in ann.articles.all()) == ["Hello", "New", "World"]
    assert m.Article.objects.get(pk=world.pk).author_id == ann.pk
    assert ann.articles.filter(title__startswith="N").count() == 1


def test_m2m_add_remove_set_clear_send_m2m_changed(library: dict[str, Any]) -> None:
    seen: list[tuple[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append((kwargs["action"], kwargs["pk_set"]))

    signals.m2m_changed.connect(receiver, sender=m.Article.tags.through)
    try:
        hello, py = library["hello"], library["py"]
        hello.tags.remove(py)
        assert [t.name for t in hello.tags.all()] == ["sql"]
        hello.tags.add(py)
        assert sorted(t.name for t in hello.tags.all()) == ["py", "sql"]
        hello.tags.set([py])
        assert [t.name for t in hello.tags.all()] == ["py"]
        hello.tags.clear()
        assert list(hello.tags.all()) == []
        assert ("pre_remove", {py.pk}) in seen
        assert ("post_remove", {py.pk}) in seen
        assert ("pre_add", {py.pk}) in seen
        assert ("post_add", {py.pk}) in seen
        assert ("post_clear", None) in seen
    finally:
        signals.m2m_changed.disconnect(receiver, sender=m.Article.tags.through)
    assert m.Tag.objects.count() == 2


def test_m2m_reverse_side(library: dict[str, Any]) -> None:
    sql = library["sql"]
    assert sorted(a.title for a in sql.articles.all()) == ["Hello", "World"]
    made = sql.articles.create(author=library["ann"], title="Via tag")
    assert [t.name for t in made.tags.all()] == ["sql"]


def test_explicit_through_model(db: Any) -> None:
    ann = m.Author.objects.create(name="Ann", email="ann@example.com")
    group = m.Group.objects.create(name="G")
    m.Membership.objects.create(group=group, author=ann, role="chair")
    assert [a.name for a in group.members.all()] == ["Ann"]
    assert [g.name for g in ann.groups.all()] == ["G"]
    assert m.Group.objects.filter(membership__role="chair").count() == 1


def test_one_to_one_both_ways(db: Any) -> None:
    ann = m.Author.objects.create(name="Ann", email="ann@example.com")
    profile = m.Profile.objects.create(author=ann, bio="hi")
    assert m.Author.objects.get(pk=ann.pk).profile == profile
    assert m.Author.objects.get(profile__bio="hi") == ann
    bob = m.Author.objects.create(name="Bob", email="bob@example.com")
    with pytest.raises(m.Profile.DoesNotExist):
        bob.profile  # noqa: B018


def test_self_referential_tree(db: Any) -> None:
    root = m.Node.objects.create(name="root")
    child = m.Node.objects.create(name="child", parent=root)
    m.Node.objects.create(name="leaf", parent=child)
    assert [n.name for n in root.children.all()] == ["child"]
    assert m.Node.objects.get(name="leaf").parent.parent == root
    assert m.Node.objects.filter(parent__parent__name="root").get().name == "leaf"


def test_select_related_runs_one_query(library: dict[str, Any], queries: list[str]) -> None:
    rows = list(m.Article.objects.select_related("author").order_by("title"))
    assert len(queries) == 1
    assert [(a.title, a.author.name) for a in rows] == [("Hello", "Ann"), ("World", "Bob")]
    assert len(queries) == 1
    nested = m.Article.objects.select_related("author__mentor").get(title="World")
    assert nested.author.mentor.name == "Ann"
    assert len(queries) == 2


def test_without_select_related_each_access_queries(
    library: dict[str, Any], queries: list[str]
) -> None:
    rows = list(m.Article.objects.order_by("title"))
    assert [a.author.name for a in rows] == ["Ann", "Bob"]
    assert len(queries) == 3


def test_prefetch_related_one_query_per_relation(
    library: dict[str, Any], queries: list[str]
) -> None:
    authors = list(m.Author.objects.prefetch_related("articles__tags"))
    assert len(queries) == 3
    got = {a.name: sorted(x.title for x in a.articles.all()) for a in authors}
    assert got == {"Ann": ["Hello"], "Bob": ["World"]}
    tags = {
        x.title: sorted(t.name for t in x.tags.all()) for a in authors for x in a.articles.all()
    }
    assert tags == {"Hello": ["py", "sql"], "World": ["sql"]}
    assert len(queries) == 3


def test_prefetch_related_reuses_prefetched_level(
    library: dict[str, Any], queries: list[str], request: pytest.FixtureRequest
) -> None:
    authors = list(m.Author.objects.prefetch_related("articles", "articles__tags"))
    assert len(queries) == 3
    assert sorted(t.name for a in authors for x in a.articles.all() for t in x.tags.all()) == [
        "py",
        "sql",
        "sql",
    ]


def test_prefetch_forward_fk(library: dict[str, Any], queries: list[str]) -> None:
    arts = list(m.Article.objects.prefetch_related("author").order_by("title"))
    assert [a.author.name for a in arts] == ["Ann", "Bob"]
    assert len(queries) == 2


def test_prefetch_object_with_queryset(library: dict[str, Any], queries: list[str]) -> None:
    only_py = Prefetch("tags", queryset=m.Tag.objects.filter(name="py"), to_attr="py_tags")
    arts = list(m.Article.objects.prefetch_related(only_py).order_by("title"))
    assert [[t.name for t in a.py_tags] for a in arts] == [["py"], []]
    assert len(queries) == 2
