"""RBAC and object permissions on real databases: checks, caching, grants and ``for_user``."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.auth.models import AnonymousUser, AuditEvent, Group, Permission, User
from bastion.auth.permissions import (
    PermissionQuerySet,
    clear_perm_cache,
    for_user,
    grant,
    has_perm,
    revoke,
    sync_permissions,
)
from bastion.db import models

from .conftest import Document, Folder, QueryLog

pytestmark = pytest.mark.usefixtures("db")

VIEW = "authtests.view_document"
CHANGE = "authtests.change_document"


def fresh(user: User) -> User:
    """The user as the next request would load them (nothing cached)."""
    loaded: User = User.objects.get(pk=user.pk)
    return loaded


@pytest.fixture
def ann() -> User:
    return User.objects.create_user("ann@example.com")


@pytest.fixture
def bob() -> User:
    return User.objects.create_user("bob@example.com")


@pytest.fixture
def docs() -> list[Document]:
    return [Document.objects.create(title=t) for t in ("a", "b", "c", "d")]


def test_sync_permissions_creates_four_per_model_once() -> None:
    rows = Permission.objects.filter(content_type="authtests.document")
    assert sorted(p.codename for p in rows) == [
        "add_document",
        "change_document",
        "delete_document",
        "view_document",
    ]
    assert rows.get(codename="view_document").name == "Can view document"
    assert str(rows.get(codename="view_document")) == VIEW
    assert sync_permissions([Document, Folder]) == 0
    assert sync_permissions() > 0  # every registered model, auth's own included
    assert sync_permissions() == 0
    assert not Permission.objects.filter(content_type__startswith="auth.user_").exists()


def test_global_permissions_through_user_and_groups(ann: User, docs: list[Document]) -> None:
    assert not ann.has_perm(VIEW)
    ann.user_permissions.add(Permission.objects.get(codename="view_document"))
    editors = Group.objects.create(name="editors")
    editors.permissions.add(Permission.objects.get(codename="change_document"))
    ann.groups.add(editors)
    ann = fresh(ann)
    assert ann.get_all_permissions() == {VIEW, CHANGE}
    assert ann.has_perm(VIEW)
    assert ann.has_perms([VIEW, CHANGE])
    assert ann.has_perm(CHANGE, docs[0])  # a global permission covers every object
    assert not ann.has_perm("authtests.delete_document")
    assert ann.has_module_perms("authtests")
    assert not ann.has_module_perms("other")


def test_superusers_have_all_and_inactive_users_nothing(ann: User, docs: list[Document]) -> None:
    root = User.objects.create_superuser("root@example.com")
    assert root.has_perm("anything.at_all")
    assert root.has_perm(CHANGE, docs[0])
    assert root.has_module_perms("whatever")
    grant(VIEW, ann, docs[0])
    ann.user_permissions.add(Permission.objects.get(codename="change_document"))
    ann.is_active = False
    ann.save()
    root.is_active = False
    root.save()
    ann, root = fresh(ann), fresh(root)
    assert not ann.has_perm(VIEW, docs[0])
    assert not ann.has_perm(CHANGE)
    assert ann.get_all_permissions() == frozenset()
    assert not root.has_perm("anything.at_all")
    assert list(for_user(Document.objects.all(), ann, "view")) == []


def test_malformed_permission_names_are_refused(ann: User) -> None:
    for bad in ("view_document", "a.b.c", "", "x.y; DROP TABLE"):
        with pytest.raises(ValueError, match=r"app_label\.codename"):
            has_perm(ann, bad)


def test_object_grants_to_users_and_groups(ann: User, bob: User, docs: list[Document]) -> None:
    assert grant(VIEW, ann, docs[0]) is True
    assert grant(VIEW, ann, docs[0]) is False  # already there
    team = Group.objects.create(name="team")
    team.users.add(bob)
    grant(CHANGE, team, docs[1])
    ann, bob = fresh(ann), fresh(bob)
    assert ann.has_perm(VIEW, docs[0])
    assert not ann.has_perm(VIEW, docs[1])
    assert not ann.has_perm(CHANGE, docs[0])  # view does not imply change
    assert not ann.has_perm(VIEW)  # an object grant is not a global permission
    assert bob.has_perm(CHANGE, docs[1])
    assert not bob.has_perm(CHANGE, docs[0])
    assert not bob.has_perm(VIEW, docs[0])
    assert not ann.has_perm(VIEW, Document(title="unsaved"))
    assert not ann.has_perm("other.view_document", docs[0])


def test_object_grants_with_text_primary_keys(ann: User) -> None:
    mine, other = Folder.objects.create(slug="mine"), Folder.objects.create(slug="1")
    grant("authtests.view_folder", ann, mine)
    assert ann.has_perm("authtests.view_folder", mine)
    assert not ann.has_perm("authtests.view_folder", other)
    assert [f.slug for f in for_user(Folder, ann, "view")] == ["mine"]


def test_revoke(ann: User, docs: list[Document]) -> None:
    grant(VIEW, ann, docs[0])
    assert ann.has_perm(VIEW, docs[0])
    assert revoke(VIEW, ann, docs[0]) is True  # also forgets this instance's cache
    assert not ann.has_perm(VIEW, docs[0])
    assert revoke(VIEW, ann, docs[0]) is False
    grant(VIEW, ann)  # globally
    assert ann.has_perm(VIEW, docs[3])
    assert revoke(VIEW, ann) is True
    assert not ann.has_perm(VIEW, docs[3])


def test_grants_are_checked(ann: User, docs: list[Document]) -> None:
    folder = Folder.objects.create(slug="f")
    with pytest.raises(ValueError, match="not a permission of"):
        grant("other.view_document", ann, docs[0])
    with pytest.raises(ValueError, match="No permission"):
        grant("authtests.view_document", ann, folder)  # right app, wrong model
    with pytest.raises(ValueError, match="saved objects"):
        grant(VIEW, ann, Document(title="unsaved"))
    with pytest.raises(TypeError, match="user or group"):
        grant(VIEW, AnonymousUser(), docs[0])  # type: ignore[arg-type]


def test_grant_and_revoke_are_audited(ann: User, docs: list[Document]) -> None:
    root = User.objects.create_superuser("root@example.com")
    grant(VIEW, ann, docs[0], by=root)
    grant(VIEW, ann, docs[0], by=root)  # no change, no event
    revoke(VIEW, ann, docs[0], by=root)
    team = Group.objects.create(name="team")
    grant(CHANGE, team)
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.kind for e in events] == [
        "permission.granted",
        "permission.revoked",
        "permission.granted",
    ]
    first = events[0]
    assert first.user_id == root.pk  # type: ignore[attr-defined]
    assert first.detail == {
        "perm": VIEW,
        "target_user": ann.pk,
        "object": f"authtests.document:{docs[0].pk}",
    }
    assert events[2].detail == {"perm": CHANGE, "group": "team"}
    assert events[2].user is None


def test_permission_checks_are_cached_per_instance(
    ann: User, docs: list[Document], queries: QueryLog
) -> None:
    team = Group.objects.create(name="team")
    team.users.add(ann)
    grant(VIEW, ann, docs[0])
    grant(VIEW, team, docs[1])
    ann = fresh(ann)
    queries.clear()
    assert ann.get_all_permissions() == frozenset()
    assert len(queries) == 1  # own and group permissions together
    assert ann.has_perm(VIEW, docs[0])
    assert not ann.has_perm(CHANGE, docs[0])
    assert len(queries) == 2  # one query per object, for every codename on it
    assert ann.has_perm(VIEW, docs[1])
    assert not ann.has_perm(VIEW, docs[2])
    assert len(queries) == 4
    for _ in range(10):
        assert ann.has_perm(VIEW, docs[0])
        assert not ann.has_perm(VIEW, docs[2])
        assert ann.get_all_permissions() == frozenset()
    assert len(queries) == 4
    clear_perm_cache(ann)
    assert ann.has_perm(VIEW, docs[1])
    assert len(queries) == 6


def test_for_user_returns_only_granted_rows(ann: User, bob: User, docs: list[Document]) -> None:
    team = Group.objects.create(name="team")
    team.users.add(ann)
    grant(VIEW, ann, docs[0])
    grant(VIEW, team, docs[2])
    grant(CHANGE, ann, docs[1])
    grant(VIEW, bob, docs[3])

    def titles(user: Any, action: str = "view") -> list[str]:
        return sorted(d.title for d in for_user(Document.objects.all(), user, action))

    assert titles(fresh(ann)) == ["a", "c"]
    assert titles(fresh(ann), "change") == ["b"]
    assert titles(fresh(bob)) == ["d"]
    assert titles(AnonymousUser()) == []
    assert titles(User.objects.create_superuser("root@example.com")) == ["a", "b", "c", "d"]
    bob.user_permissions.add(Permission.objects.get(codename="view_document"))
    assert titles(fresh(bob)) == ["a", "b", "c", "d"]  # a global permission: every row
    # Further filters compose with the permission filter.
    assert [d.title for d in for_user(Document.objects.filter(title="c"), fresh(ann), "view")] == [
        "c"
    ]
    assert for_user(Document, fresh(ann), "view").count() == 2
    assert for_user(Document.objects, fresh(ann), "view").count() == 2


def test_for_user_is_one_query_whatever_the_number_of_rows(
    ann: User, docs: list[Document], queries: QueryLog
) -> None:
    team = Group.objects.create(name="team")
    team.users.add(ann)
    more = [Document.objects.create(title=f"n{i}") for i in range(40)]
    for doc in more[::2]:
        grant(VIEW, ann, doc)
    for doc in more[1::4]:
        grant(VIEW, team, doc)
    ann = fresh(ann)
    ann.get_all_permissions()  # loaded once per user instance (a request), as has_perm does
    queries.clear()
    rows = list(for_user(Document.objects.all(), ann, "view"))
    assert len(rows) == 30
    assert len(queries) == 1
    (sql,) = queries
    assert "auth_userobjectpermission" in sql
    assert "auth_groupobjectpermission" in sql
    # A fresh instance costs one more query: its global permissions (then cached).
    cold = fresh(ann)
    queries.clear()
    assert len(list(for_user(Document.objects.all(), cold, "view"))) == 30
    assert len(queries) == 2


def test_for_user_refuses_other_primary_key_types(ann: User) -> None:
    class Ticket(models.Model):
        code = models.UUIDField(primary_key=True)

        class Meta:
            app_label = "authtests_uuid"

    with pytest.raises(TypeError, match="integer or text primary key"):
        for_user(Ticket, ann, "view")


def test_permission_queryset_manager(ann: User) -> None:
    class Note(models.Model):
        title = models.CharField(max_length=50)
        objects = PermissionQuerySet.as_manager()

        class Meta:
            app_label = "authtests_qs"

    assert Note.objects.for_user(AnonymousUser(), "view").count() == 0  # never touches the db
