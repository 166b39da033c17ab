"""Relation descriptors: keys and cached objects, reverse accessors, related managers."""

from __future__ import annotations

from typing import Any

import dbtests_models as m
import pytest

from bastion.db.models.descriptors import (
    ManyToManyDescriptor,
    ReverseManyDescriptor,
    ReverseOneToOneDescriptor,
)


def _author(name: str, **kwargs: Any) -> Any:
    return m.Author.objects.create(name=name, email=f"{name.lower()}@example.com", **kwargs)


def test_class_access_returns_fields_and_descriptors() -> None:
    assert m.Article.author is m.Article._meta.get_field("author")
    assert m.Article.author_id is m.Article._meta.get_field("author")
    assert m.Article.tags is m.Article._meta.get_field("tags")
    assert isinstance(m.Author.articles, ReverseManyDescriptor)
    assert isinstance(m.Author.profile, ReverseOneToOneDescriptor)
    assert isinstance(vars(m.Tag)["articles"], ManyToManyDescriptor)


def test_forward_assignment_checks_type() -> None:
    article = m.Article(title="t")
    with pytest.raises(TypeError, match=r"Article\.author must be a Author instance, not Tag"):
        article.author = m.Tag(name="x")
    article.author = None
    assert article.author_id is None
    assert article.author is None


def test_changing_the_key_forgets_the_cached_object(db: Any, queries: Any) -> None:
    ann, bob = _author("Ann"), _author("Bob")
    article = m.Article.objects.create(author=ann, title="t")
    assert article.author is ann
    article.author_id = ann.pk  # the same key: the cache stays
    assert article.author is ann
    article.author_id = bob.pk
    before = len(queries)
    assert article.author == bob
    assert len(queries) == before + 1
    assert article.author is article.author  # cached again


def test_deferred_key_is_loaded_on_access(db: Any) -> None:
    ann = _author("Ann")
    m.Article.objects.create(author=ann, title="t")
    article = m.Article.objects.only("title").get()
    assert "author_id" not in article.__dict__
    assert article.author_id == ann.pk
    assert article.author == ann


def test_null_key_gives_none_without_a_query(db: Any, queries: Any) -> None:
    ann = _author("Ann")
    before = len(queries)
    assert ann.mentor is None
    assert len(queries) == before


def test_reverse_one_to_one(db: Any, queries: Any) -> None:
    ann = _author("Ann")
    with pytest.raises(m.Profile.DoesNotExist, match="Author has no profile"):
        ann.profile  # noqa: B018
    before = len(queries)
    with pytest.raises(m.Profile.DoesNotExist):
        ann.profile  # noqa: B018 - the absence is cached too
    assert len(queries) == before
    fresh = m.Author.objects.get(pk=ann.pk)
    profile = m.Profile.objects.create(author=fresh, bio="hi")
    assert m.Author.objects.get(pk=ann.pk).profile == profile


def test_reverse_and_m2m_assignment_refused(db: Any) -> None:
    ann = _author("Ann")
    with pytest.raises(TypeError, match=r"Use articles.set\(\)"):
        ann.articles = []
    article = m.Article.objects.create(author=ann, title="t")
    with pytest.raises(TypeError, match=r"Use tags.set\(\)"):
        article.tags = []


def test_related_managers_need_a_saved_instance() -> None:
    unsaved = m.Author(name="x", email="x@example.com")
    with pytest.raises(ValueError, match="Author must be saved before its articles relation"):
        unsaved.articles.all()
    with pytest.raises(ValueError, match="saved before"):
        unsaved.articles.create(title="t")
    with pytest.raises(ValueError, match="saved before"):
        unsaved.articles.get_or_create(title="t")
    with pytest.raises(ValueError, match="saved before"):
        unsaved.articles.add()
    with pytest.raises(ValueError, match="saved before"):
        m.Article(title="t").tags.add()
    with pytest.raises(ValueError, match="saved before"):
        m.Article(title="t").tags.remove()
    with pytest.raises(ValueError, match="saved before"):
        m.Article(title="t").tags.clear()


def test_related_manager_private_names_are_not_proxied(db: Any) -> None:
    ann = _author("Ann")
    with pytest.raises(AttributeError):
        ann.articles._secret  # noqa: B018
    assert ann.articles.count() == 0


def test_reverse_fk_get_or_create_add_and_set(db: Any) -> None:
    ann, bob = _author("Ann"), _author("Bob")
    first, created = ann.articles.get_or_create(title="one")
    again, created_again = ann.articles.get_or_create(title="one")
    assert created
    assert not created_again
    assert first == again
    assert first.author_id == ann.pk
    moved = m.Article.objects.create(author=bob, title="moved")
    ann.articles.add(moved)
    assert moved.author_id == ann.pk
    assert sorted(a.title for a in ann.articles.all()) == ["moved", "one"]
    assert bob.articles.count() == 0


def test_reverse_fk_remove_and_clear_need_a_nullable_key(db: Any) -> None:
    ann = _author("Ann")
    article = ann.articles.create(title="t")
    with pytest.raises(TypeError, match=r"remove\(\) needs Article.author to be nullable"):
        ann.articles.remove(article)
    with pytest.raises(TypeError, match=r"clear\(\) needs Article.author to be nullable"):
        ann.articles.clear()
    assert ann.articles.count() == 1


def test_nullable_reverse_fk_remove_clear_set(db: Any) -> None:
    boss = _author("Boss")
    a, b, c = (_author(n, mentor=boss) for n in ("A", "B", "C"))
    d = _author("D")
    boss.mentees.remove(a)
    assert a.mentor_id is None
    assert sorted(x.name for x in boss.mentees.all()) == ["B", "C"]
    boss.mentees.set([c, d])
    assert sorted(x.name for x in boss.mentees.all()) == ["C", "D"]
    assert m.Author.objects.get(pk=b.pk).mentor_id is None
    boss.mentees.clear()
    assert boss.mentees.count() == 0
    assert m.Author.objects.filter(mentor__isnull=False).count() == 0


def test_prefetched_cache_is_used_and_forgotten(db: Any, queries: Any) -> None:
    ann = _author("Ann")
    ann.articles.create(title="a")
    loaded = m.Author.objects.prefetch_related("articles").get(pk=ann.pk)
    before = len(queries)
    assert [x.title for x in loaded.articles.all()] == ["a"]
    assert len(queries) == before
    loaded.articles.create(title="b")
    assert sorted(x.title for x in loaded.articles.all()) == ["a", "b"]


def test_m2m_unsaved_target_refused(db: Any) -> None:
    article = m.Article.objects.create(author=_author("Ann"), title="t")
    with pytest.raises(ValueError, match="Cannot relate an unsaved Tag"):
        article.tags.add(m.Tag(name="new"))
    assert article.tags.count() == 0


def test_m2m_set_with_clear_and_by_pk(db: Any) -> None:
    article = m.Article.objects.create(author=_author("Ann"), title="t")
    x, y, z = (m.Tag.objects.create(name=n) for n in "xyz")
    article.tags.add(x.pk, y)
    article.tags.add(x)  # already related: skipped
    assert sorted(t.name for t in article.tags.all()) == ["x", "y"]
    article.tags.set([y, z], clear=True)
    assert sorted(t.name for t in article.tags.all()) == ["y", "z"]
    article.tags.set([z.pk])
    assert [t.name for t in article.tags.all()] == ["z"]
    created = x.articles.create(author=article.author, title="via tag")
    assert [t.name for t in created.tags.all()] == ["x"]
    x.articles.remove(created)
    assert created.tags.count() == 0
