"""Writes: bulk_create batches, bulk_update, update() refusals and save() rules."""

from __future__ import annotations

from typing import Any

import dbtests_models as m
import pytest

from bastion.db import FieldError
from bastion.db.models import Count, F, Max, writes


def _author(name: str) -> Any:
    return m.Author.objects.create(name=name, email=f"{name.lower()}@example.com")


def _tags(n: int, prefix: str = "t") -> list[Any]:
    return [m.Tag(name=f"{prefix}{i:03}") for i in range(n)]


def test_bulk_create_batches(db: Any, queries: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    tags = _tags(7)
    before = len(queries)
    created = m.Tag.objects.bulk_create(tags, batch_size=3)
    inserts = [q for q in queries[before:] if q.lstrip().upper().startswith("INSERT")]
    assert created == tags
    assert len(inserts) == 3  # 3 + 3 + 1
    assert all(t.pk is not None for t in tags)
    assert len({t.pk for t in tags}) == 7
    assert all(not t._state.adding for t in tags)
    assert sorted(m.Tag.objects.values_list("pk", flat=True)) == sorted(t.pk for t in tags)
    # The batch never exceeds the module's ceiling, whatever is asked for.
    monkeypatch.setattr(writes, "BATCH", 2)
    before = len(queries)
    m.Tag.objects.bulk_create(_tags(5, "u"), batch_size=100)
    inserts = [q for q in queries[before:] if q.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 3


def test_bulk_create_with_explicit_pks(db: Any) -> None:
    fixed = [m.Tag(pk=1000 + i, name=f"fixed{i}") for i in range(3)]
    auto = [m.Tag(name="auto")]
    m.Tag.objects.bulk_create([fixed[0], auto[0], *fixed[1:]])
    assert [t.pk for t in fixed] == [1000, 1001, 1002]
    assert auto[0].pk is not None
    assert auto[0].pk not in (1000, 1001, 1002)
    assert m.Tag.objects.get(pk=1001).name == "fixed1"
    assert m.Tag.objects.count() == 4


def test_bulk_create_edge_cases(db: Any) -> None:
    assert m.Tag.objects.bulk_create([]) == []
    with pytest.raises(TypeError, match="bulk_create\\(\\) takes Tag instances only"):
        m.Tag.objects.bulk_create([m.Publisher(name="p")])
    assert m.Tag.objects.count() == 0


def test_bulk_create_is_all_or_nothing(db: Any) -> None:
    from bastion.db import IntegrityError

    m.Tag.objects.create(name="dup")
    with pytest.raises(IntegrityError):
        m.Tag.objects.bulk_create([m.Tag(name="new"), m.Tag(name="dup")], batch_size=1)
    assert list(m.Tag.objects.values_list("name", flat=True)) == ["dup"]


def test_bulk_update(db: Any) -> None:
    tags = m.Tag.objects.bulk_create(_tags(3))
    for tag in tags:
        tag.name = tag.name.upper()
    assert m.Tag.objects.bulk_update(tags, ["name"]) == 3
    assert sorted(m.Tag.objects.values_list("name", flat=True)) == ["T000", "T001", "T002"]


def test_bulk_update_errors(db: Any) -> None:
    [tag] = m.Tag.objects.bulk_create(_tags(1))
    with pytest.raises(ValueError, match="needs field names"):
        m.Tag.objects.bulk_update([tag], [])
    with pytest.raises(ValueError, match=r"bulk_update\(\) cannot update Tag.nope"):
        m.Tag.objects.bulk_update([tag], ["nope"])
    with pytest.raises(ValueError, match=r"bulk_update\(\) cannot update Tag.id"):
        m.Tag.objects.bulk_update([tag], ["id"])
    with pytest.raises(ValueError, match=r"cannot update Tag.articles"):
        m.Tag.objects.bulk_update([tag], ["articles"])
    tag.name = "changed"
    with pytest.raises(ValueError, match="must have a primary key"):
        m.Tag.objects.bulk_update([tag, m.Tag(name="unsaved")], ["name"])
    # The objects before the unsaved one were rolled back with it.
    assert m.Tag.objects.get().name == "t000"


def test_update_errors(db: Any) -> None:
    ann = _author("Ann")
    m.Article.objects.create(author=ann, title="t")
    qs = m.Article.objects.all()
    with pytest.raises(TypeError, match="at least one field"):
        qs.update()
    with pytest.raises(FieldError, match=r"Cannot update Article\.nope: no such concrete field"):
        qs.update(nope=1)
    with pytest.raises(FieldError, match=r"Cannot update Article\.tags"):
        qs.update(tags=[])
    with pytest.raises(FieldError, match="primary key"):
        qs.update(id=5)
    with pytest.raises(FieldError, match="primary key"):
        qs.update(pk=5)
    with pytest.raises(FieldError, match="Aggregates are not allowed"):
        qs.update(views=Count("id"))
    with pytest.raises(FieldError, match="Aggregates are not allowed"):
        qs.update(views=Max("views") + 1)
    with pytest.raises(FieldError, match="only refer to the model's own fields"):
        qs.update(title=F("author__name"))
    with pytest.raises(TypeError, match="slice"):
        qs[:1].update(views=1)
    assert m.Article.objects.get().title == "t"
    assert qs.none().update(views=3) == 0


def test_update_through_a_join_and_values(db: Any) -> None:
    ann, bob = _author("Ann"), _author("Bob")
    for author in (ann, bob, ann):
        m.Article.objects.create(author=author, title=author.name)
    assert m.Article.objects.filter(author__name="Ann").update(views=F("views") + 2) == 2
    assert m.Article.objects.filter(author__name="Ann").update(title="x", featured=True) == 2
    assert sorted(m.Article.objects.values_list("title", "views", "featured")) == [
        ("Bob", 0, False),
        ("x", 2, True),
        ("x", 2, True),
    ]
    annotated = m.Author.objects.annotate(n=Count("articles")).filter(n__gt=1)
    assert annotated.update(website="https://example.com") == 1
    assert m.Author.objects.get(website="https://example.com") == ann
    assert m.Author.objects.filter(articles__title="x").delete()[0] >= 1


def test_save_force_insert_and_update_refused(db: Any) -> None:
    tag = m.Tag(name="x")
    with pytest.raises(ValueError, match="Cannot force both insert and updating"):
        tag.save(force_insert=True, force_update=True)
    with pytest.raises(ValueError, match="Cannot force both insert and updating"):
        tag.save(force_insert=True, update_fields=["name"])
    with pytest.raises(ValueError, match="no primary key"):
        tag.save(force_update=True)
    with pytest.raises(ValueError, match="no primary key"):
        tag.save(update_fields=["name"])
    assert m.Tag.objects.count() == 0


def test_save_update_fields(db: Any) -> None:
    tag = m.Tag.objects.create(name="x")
    with pytest.raises(ValueError, match=r"save\(update_fields=...\) cannot update Tag.nope"):
        tag.save(update_fields=["nope"])
    with pytest.raises(ValueError, match=r"cannot update Tag\.id"):
        tag.save(update_fields=["id"])
    tag.name = "y"
    tag.save(update_fields=[])  # nothing to write
    assert m.Tag.objects.get().name == "x"
    tag.save(update_fields=["name"])
    assert m.Tag.objects.get().name == "y"
    ghost = m.Tag(pk=tag.pk + 100, name="ghost")
    with pytest.raises(m.Tag.DoesNotExist, match="did not affect any rows"):
        ghost.save(update_fields=["name"])
    with pytest.raises(m.Tag.DoesNotExist):
        ghost.save(force_update=True)
    assert m.Tag.objects.count() == 1


def test_save_with_explicit_pk_inserts_or_updates(db: Any) -> None:
    m.Tag(pk=50, name="fifty").save()
    assert m.Tag.objects.get(pk=50).name == "fifty"
    again = m.Tag(pk=50, name="FIFTY")
    again.save()
    assert m.Tag.objects.get(pk=50).name == "FIFTY"
    assert m.Tag.objects.count() == 1
    loaded = m.Tag.objects.get(pk=50)
    loaded.save()  # nothing changed: still an update on every database, not an INSERT
    assert m.Tag.objects.count() == 1


def test_save_force_insert_with_existing_pk_fails(db: Any) -> None:
    from bastion.db import IntegrityError

    tag = m.Tag.objects.create(name="x")
    with pytest.raises(IntegrityError):
        m.Tag(pk=tag.pk, name="y").save(force_insert=True)


def test_save_refuses_unsaved_related_object(db: Any) -> None:
    author = m.Author(name="Ann", email="ann@example.com")
    article = m.Article(author=author, title="t")
    with pytest.raises(ValueError, match="unsaved related object 'author'"):
        article.save()
    author.save()
    article.save()  # the key is taken from the now saved author
    assert article.author_id == author.pk
    assert m.Article.objects.get().author == author


def test_save_only_writes_loaded_fields(db: Any) -> None:
    ann = _author("Ann")
    m.Article.objects.create(author=ann, title="t", views=5)
    partial = m.Article.objects.only("title").get()
    partial.title = "changed"
    m.Article.objects.update(views=9)
    partial.save()
    full = m.Article.objects.get()
    assert (full.title, full.views) == ("changed", 9)


def test_delete_of_an_empty_queryset_runs_nothing(db: Any, queries: Any) -> None:
    m.Tag.objects.create(name="kept")
    before = len(queries)
    assert m.Tag.objects.none().delete() == (0, {})
    assert len(queries) == before
    assert m.Tag.objects.count() == 1


def test_a_model_of_nothing_but_its_key_is_created(db: Any) -> None:
    one = m.Ticket.objects.create()
    more = m.Ticket.objects.bulk_create([m.Ticket(), m.Ticket(), m.Ticket()])
    keys = [one.pk, *(t.pk for t in more)]
    assert None not in keys
    assert len(set(keys)) == 4
    assert sorted(m.Ticket.objects.values_list("pk", flat=True)) == sorted(keys)
