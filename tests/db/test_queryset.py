"""QuerySet behaviour on every database: filtering, ordering, slicing, values, loading."""

from __future__ import annotations

from typing import Any

import dbtests_models as m
import pytest

from bastion.db import FieldError
from bastion.db.models import F, Q


@pytest.fixture
def authors(db: Any) -> list[Any]:
    return [
        m.Author.objects.create(name=name, email=f"{name.lower()}@example.com")
        for name in ("Ann", "Bob", "Cid")
    ]


def test_filter_exclude_get(authors: list[Any]) -> None:
    assert [a.name for a in m.Author.objects.filter(name="Bob")] == ["Bob"]
    assert [a.name for a in m.Author.objects.exclude(name="Bob")] == ["Ann", "Cid"]
    assert m.Author.objects.get(email="cid@example.com") == authors[2]
    with pytest.raises(m.Author.DoesNotExist):
        m.Author.objects.get(name="Zed")
    with pytest.raises(m.Author.MultipleObjectsReturned):
        m.Author.objects.get(name__in=["Ann", "Bob"])


def test_first_last_exists_count_none(authors: list[Any]) -> None:
    qs = m.Author.objects.all()
    assert qs.first() == authors[0]
    assert qs.last() == authors[2]
    assert m.Author.objects.order_by("-name").first() == authors[2]
    assert m.Author.objects.filter(name="Zed").first() is None
    assert qs.exists()
    assert not m.Author.objects.filter(name="Zed").exists()
    assert qs.count() == 3
    assert list(qs.none()) == []
    assert qs.none().count() == 0
    assert not qs.none().exists()


def test_q_and_or_not(authors: list[Any]) -> None:
    either = m.Author.objects.filter(Q(name="Ann") | Q(name="Cid"))
    assert [a.name for a in either] == ["Ann", "Cid"]
    assert [a.name for a in m.Author.objects.filter(~Q(name="Ann"))] == ["Bob", "Cid"]
    both = m.Author.objects.filter(Q(name="Ann") & Q(email__startswith="ann"))
    assert [a.name for a in both] == ["Ann"]
    assert m.Author.objects.filter(Q(name="Ann") & ~Q(name="Ann")).count() == 0


def test_f_in_filter_and_update(db: Any) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    m.Article.objects.create(author=a, title="x", views=5, price="2.00")
    m.Article.objects.create(author=a, title="y", views=1, price="9.00")
    assert [x.title for x in m.Article.objects.filter(views__gt=F("price"))] == ["x"]
    assert m.Article.objects.filter(views=F("views")).count() == 2
    assert m.Article.objects.filter(views__lt=F("views") * 2 - 3).count() == 1
    assert m.Article.objects.update(views=F("views") * 10 + 1) == 2
    assert sorted(m.Article.objects.values_list("views", flat=True)) == [11, 51]


def test_order_by(db: Any) -> None:
    b = m.Author.objects.create(name="B", email="b@example.com")
    a = m.Author.objects.create(name="A", email="a@example.com")
    m.Article.objects.create(author=b, title="1")
    m.Article.objects.create(author=a, title="2")
    m.Article.objects.create(author=a, title="3")
    assert [x.title for x in m.Article.objects.order_by("-title")] == ["3", "2", "1"]
    assert sorted(x.title for x in m.Article.objects.order_by("?")) == ["1", "2", "3"]
    assert [x.title for x in m.Article.objects.order_by("title").reverse()] == ["3", "2", "1"]
    with pytest.raises(FieldError):
        m.Article.objects.order_by("nope")


def test_order_by_related_field(db: Any, request: pytest.FixtureRequest) -> None:
    b = m.Author.objects.create(name="B", email="b@example.com")
    a = m.Author.objects.create(name="A", email="a@example.com")
    m.Article.objects.create(author=b, title="1")
    m.Article.objects.create(author=a, title="2")
    m.Article.objects.create(author=a, title="3")
    by_author = m.Article.objects.order_by("author__name", "-title")
    assert [x.title for x in by_author] == ["3", "2", "1"]


def test_distinct(db: Any) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    for title in ("x", "y"):
        m.Article.objects.create(author=a, title=title)
    names = m.Author.objects.filter(articles__title__in=["x", "y"])
    assert names.count() == 2
    assert names.distinct().count() == 1
    assert list(names.distinct().values_list("name", flat=True)) == ["A"]


def test_slicing(authors: list[Any]) -> None:
    qs = m.Author.objects.all()
    assert [a.name for a in qs[1:]] == ["Bob", "Cid"]
    assert [a.name for a in qs[:2]] == ["Ann", "Bob"]
    assert [a.name for a in qs[1:2]] == ["Bob"]
    assert qs[2].name == "Cid"
    assert [a.name for a in qs[::2]] == ["Ann", "Cid"]
    with pytest.raises(IndexError):
        qs[5]
    with pytest.raises(ValueError, match="Negative"):
        qs[-1]
    with pytest.raises(TypeError):
        qs[:1].filter(name="Ann")


def test_values_and_values_list(authors: list[Any]) -> None:
    rows = list(m.Author.objects.filter(name="Ann").values("name", "email"))
    assert rows == [{"name": "Ann", "email": "ann@example.com"}]
    assert list(m.Author.objects.values_list("name", flat=True)) == ["Ann", "Bob", "Cid"]
    assert next(iter(m.Author.objects.values_list("name", "email"))) == ("Ann", "ann@example.com")
    named = list(m.Author.objects.values_list("name", named=True))[1]
    assert named.name == "Bob"
    full = m.Author.objects.values().get(name="Bob")
    assert full["id"] == authors[1].pk
    assert full["mentor_id"] is None
    with pytest.raises(TypeError):
        m.Author.objects.values_list("name", "email", flat=True)


def test_values_across_relation(db: Any) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    m.Article.objects.create(author=a, title="t")
    assert list(m.Article.objects.values("title", "author__name")) == [
        {"title": "t", "author__name": "A"}
    ]


def test_only_and_defer_load_on_access(authors: list[Any], queries: list[str]) -> None:
    ann = m.Author.objects.only("name").get(name="Ann")
    assert len(queries) == 1
    assert ann.name == "Ann"
    assert len(queries) == 1
    assert ann.email == "ann@example.com"
    assert len(queries) == 2
    bob = m.Author.objects.defer("email").get(name="Bob")
    assert bob.name == "Bob"
    assert len(queries) == 3
    assert bob.email == "bob@example.com"
    assert len(queries) == 4


def test_iterator(authors: list[Any]) -> None:
    assert [a.name for a in m.Author.objects.iterator(chunk_size=2)] == ["Ann", "Bob", "Cid"]
    with pytest.raises(ValueError, match="chunk_size"):
        list(m.Author.objects.iterator(chunk_size=0))


def test_in_bulk(authors: list[Any]) -> None:
    found = m.Author.objects.in_bulk([authors[0].pk, authors[2].pk])
    assert found == {authors[0].pk: authors[0], authors[2].pk: authors[2]}
    assert m.Author.objects.in_bulk([]) == {}
    by_email = m.Author.objects.in_bulk(["bob@example.com"], field_name="email")
    assert by_email["bob@example.com"] == authors[1]
    with pytest.raises(ValueError, match="unique"):
        m.Author.objects.in_bulk([1], field_name="name")


def test_bulk_create_sets_pks(db: Any) -> None:
    made = m.Author.objects.bulk_create(
        [m.Author(name=f"n{i}", email=f"n{i}@example.com") for i in range(5)]
    )
    assert all(a.pk is not None for a in made)
    assert len({a.pk for a in made}) == 5
    assert m.Author.objects.get(pk=made[3].pk).name == "n3"


def test_bulk_update(authors: list[Any]) -> None:
    for a in authors:
        a.name = a.name.upper()
    assert m.Author.objects.bulk_update(authors, ["name"]) == 3
    assert list(m.Author.objects.values_list("name", flat=True)) == ["ANN", "BOB", "CID"]


def test_update_returns_count(authors: list[Any]) -> None:
    assert m.Author.objects.filter(name__in=["Ann", "Bob"]).update(website="https://x.io") == 2
    assert m.Author.objects.filter(website="https://x.io").count() == 2


def test_get_or_create_and_update_or_create(db: Any) -> None:
    a, created = m.Author.objects.get_or_create(email="g@example.com", defaults={"name": "G"})
    assert created
    assert a.name == "G"
    again, created = m.Author.objects.get_or_create(email="g@example.com", defaults={"name": "X"})
    assert not created
    assert again == a
    assert again.name == "G"
    b, created = m.Author.objects.update_or_create(email="g@example.com", defaults={"name": "H"})
    assert not created
    assert b.pk == a.pk
    assert m.Author.objects.get(pk=a.pk).name == "H"
    c, created = m.Author.objects.update_or_create(email="u@example.com", defaults={"name": "U"})
    assert created
    assert c.name == "U"


def test_save_insert_update_update_fields(db: Any, queries: list[str]) -> None:
    a = m.Author(name="A", email="a@example.com")
    assert a.pk is None
    a.save()
    assert a.pk is not None
    a.name = "B"
    a.save()
    assert m.Author.objects.get(pk=a.pk).name == "B"
    a.name, a.website = "C", "https://c.io"
    del queries[:]
    a.save(update_fields=["name"])
    fresh = m.Author.objects.get(pk=a.pk)
    assert (fresh.name, fresh.website) == ("C", "")
    assert "website" not in queries[0]


def test_refresh_from_db_and_equality(db: Any) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    m.Author.objects.filter(pk=a.pk).update(name="Z")
    assert a.name == "A"
    a.refresh_from_db()
    assert a.name == "Z"
    other = m.Author.objects.get(pk=a.pk)
    assert other == a
    assert hash(other) == hash(a)
    assert m.Author(name="x") != m.Author(name="x")
    assert a != m.Tag(pk=a.pk)


def test_custom_managers(db: Any) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    m.Article.objects.create(author=a, title="d")
    m.Article.objects.create(author=a, title="l", status=m.Status.LIVE)
    assert [x.title for x in m.Article.objects.published()] == ["l"]
    assert [x.title for x in m.Article.objects.filter(title="l").published()] == ["l"]
    assert [x.title for x in m.Article.live.all()] == ["l"]
    assert m.Article.live.count() == 1


def test_select_for_update_in_transaction(db: Any) -> None:
    from bastion.db import atomic

    a = m.Author.objects.create(name="A", email="a@example.com")
    with atomic():
        locked = m.Author.objects.select_for_update().get(pk=a.pk)
        locked.name = "L"
        locked.save()
    assert m.Author.objects.get(pk=a.pk).name == "L"


# SQLite has no row locks (it locks the whole database on write).
@pytest.mark.parametrize("db", ["postgresql", "mariadb"], indirect=True)
def test_select_for_update_locks_the_row(db: Any) -> None:
    import threading

    from bastion.db import DatabaseError, atomic

    a = m.Author.objects.create(name="A", email="a@example.com")
    outcome: list[str] = []

    def other_connection() -> None:
        with db.dbs.activate():
            try:
                with atomic():
                    list(m.Author.objects.select_for_update(nowait=True).filter(pk=a.pk))
                outcome.append("got the lock")
            except DatabaseError:
                outcome.append("locked")
            finally:
                db.dbs.release()

    with atomic():
        list(m.Author.objects.select_for_update().filter(pk=a.pk))
        thread = threading.Thread(target=other_connection)
        thread.start()
        thread.join(20)
    assert outcome == ["locked"]


def test_explain(db: Any) -> None:
    m.Author.objects.create(name="A", email="a@example.com")
    plan = m.Author.objects.filter(name="A").explain()
    assert isinstance(plan, str)
    assert plan


# SQLite serialises writers: the race needs two connections that can both write.
@pytest.mark.parametrize("db", ["postgresql", "mariadb"], indirect=True)
def test_get_or_create_race_on_two_connections(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both threads miss the row before either inserts; one insert wins, the other reads it."""
    import threading

    from bastion.db.models import QuerySet

    barrier = threading.Barrier(2, timeout=10)
    local = threading.local()
    original_get = QuerySet.get

    def get_then_wait(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_get(self, *args, **kwargs)
        except self.model.DoesNotExist:
            if not getattr(local, "waited", False):
                local.waited = True
                barrier.wait()
            raise

    monkeypatch.setattr(QuerySet, "get", get_then_wait)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        with db.dbs.activate():
            try:
                assert db.dbs.connection() is not None
                results.append(
                    m.Author.objects.get_or_create(
                        email="race@example.com", defaults={"name": name}
                    )
                )
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.dbs.release()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("t1", "t2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert sorted(created for _obj, created in results) == [False, True]
    assert len({obj.pk for obj, _created in results}) == 1
    assert m.Author.objects.filter(email="race@example.com").count() == 1


def test_exists_and_count_respect_slices(
    authors: list[Any], request: pytest.FixtureRequest
) -> None:
    assert m.Author.objects.all()[1:].count() == 2
    assert m.Author.objects.all()[:2].count() == 2
    assert m.Author.objects.all()[1:].exists()
    assert not m.Author.objects.all()[5:].exists()


def test_empty_q_matches_everything(authors: list[Any], request: pytest.FixtureRequest) -> None:
    assert m.Author.objects.filter(Q()).count() == 3


def test_order_by_related_with_distinct(db: Any, request: pytest.FixtureRequest) -> None:
    a = m.Author.objects.create(name="A", email="a@example.com")
    m.Article.objects.create(author=a, title="t")
    rows = m.Article.objects.order_by("author__name").distinct().values_list("title", flat=True)
    assert list(rows) == ["t"]


def test_save_update_fields_without_pk_refused(db: Any, request: pytest.FixtureRequest) -> None:
    with pytest.raises(ValueError, match="primary key"):
        m.Author(name="q", email="q@example.com").save(update_fields=["name"])
    with pytest.raises(ValueError, match="primary key"):
        m.Author(name="r", email="r@example.com").save(force_update=True)
    assert m.Author.objects.count() == 0


def test_save_force_update_of_missing_row(db: Any) -> None:
    with pytest.raises(m.Author.DoesNotExist):
        m.Author(pk=99999, name="q", email="q@example.com").save(force_update=True)
    assert m.Author.objects.count() == 0
