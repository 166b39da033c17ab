"""Users on real databases: creation, email normalisation, passwords and the hash upgrade."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.auth.hashers import PBKDF2SHA256Hasher, make_password, use_hashers
from bastion.auth.models import AbstractUser, AnonymousUser, Group, User, normalize_email
from bastion.db import Databases, IntegrityError

pytestmark = pytest.mark.usefixtures("db")

FULLWIDTH_ANN = "\uff41\uff4e\uff4e"  # "ａｎｎ" # noqa: RUF003


def test_create_user_normalises_email_and_hashes_password(db: Databases) -> None:
    user = User.objects.create_user("Ann.Lee@EXAMPLE.Com", "correct horse battery staple")
    assert user.email == "Ann.Lee@example.com"  # the local part keeps its case (RFC 5321)
    assert user.password.startswith("argon2id$")
    assert "correct horse" not in user.password
    assert user.is_active
    assert not user.is_staff
    assert not user.is_superuser
    assert user.date_joined is not None
    assert user.last_login is None
    assert user.is_authenticated
    assert not user.is_anonymous
    again = User.objects.get(pk=user.pk)
    assert again.check_password("correct horse battery staple")
    assert not again.check_password("Correct horse battery staple")


def test_email_is_nfkc_normalised_so_lookalikes_collide() -> None:
    # Full-width letters render like ASCII; NFKC folds them so they cannot be a second account.
    assert (
        normalize_email(FULLWIDTH_ANN + "@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.com")
        == "ann@example.com"
    )
    assert normalize_email("  no-at-sign  ") == "no-at-sign"
    User.objects.create_user("ann@example.com")
    with pytest.raises(ValueError, match="already exists"):
        User.objects.create_user(FULLWIDTH_ANN + "@EXAMPLE.COM")
    with pytest.raises(ValueError, match="already exists"):
        User.objects.create_user("ANN@example.com")  # one account per address, any case
    with pytest.raises(IntegrityError):  # the unique index backs it up
        User(email=FULLWIDTH_ANN + "@example.com").save()


def test_natural_key_lookup_normalises() -> None:
    user = User.objects.create_user("bob@example.com")
    assert User.objects.get_by_natural_key("bob@EXAMPLE.com").pk == user.pk
    assert User.objects.get_by_natural_key("BOB@example.com").pk == user.pk
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("rob@example.com")


def test_usernames_are_optional_and_unique() -> None:
    User.objects.create_user("a@example.com", username="")
    User.objects.create_user("b@example.com")  # two users without a username
    User.objects.create_user("c@example.com", username="carol")
    with pytest.raises(IntegrityError):
        User.objects.create_user("d@example.com", username="carol")


def test_superuser_has_both_flags() -> None:
    admin = User.objects.create_superuser("root@example.com", "x" * 20)
    assert admin.is_staff
    assert admin.is_superuser
    for flag in ("is_staff", "is_superuser"):
        with pytest.raises(ValueError, match=flag):
            User.objects.create_superuser("other@example.com", "x" * 20, **{flag: False})


def test_unusable_password() -> None:
    user = User.objects.create_user("nopw@example.com")
    assert not user.has_usable_password()
    assert not user.check_password("")
    user.set_password("a long enough password")
    assert user.has_usable_password()
    user.set_unusable_password()
    assert not user.has_usable_password()
    assert not user.check_password("a long enough password")


def test_check_password_upgrades_an_old_hash_and_saves_only_the_password(
    queries: list[str],
) -> None:
    user = User.objects.create_user("old@example.com")
    with use_hashers([PBKDF2SHA256Hasher(iterations=600_000)]):
        old = make_password("migrated from django")
    User.objects.filter(pk=user.pk).update(password=old, is_staff=True)
    user.password = old  # the instance still says is_staff=False: a full save would undo it
    queries.clear()
    assert user.check_password("migrated from django")
    assert user.password.startswith("argon2id$")
    (update,) = [q for q in queries if q.lstrip().upper().startswith("UPDATE")]
    assert "is_staff" not in update
    assert "password" in update
    fresh = User.objects.get(pk=user.pk)
    assert fresh.password == user.password
    assert fresh.is_staff
    queries.clear()
    assert not fresh.check_password("wrong")
    assert fresh.check_password("migrated from django")
    assert queries == []  # nothing to upgrade any more


def test_wrong_password_never_upgrades() -> None:
    user = User.objects.create_user("w@example.com")
    with use_hashers([PBKDF2SHA256Hasher(iterations=600_000)]):
        old = make_password("secret one")
    user.password = old
    assert not user.check_password("secret two")
    assert user.password == old


def test_repr_and_str_never_show_the_hash() -> None:
    user = User.objects.create_user("r@example.com", "hunter2 hunter2 hunter2")
    assert "argon2" not in repr(user)
    assert "argon2" not in str(user)
    assert str(user) == "r@example.com" == user.get_username()


def test_anonymous_user_is_nobody() -> None:
    anon = AnonymousUser()
    assert not anon.is_authenticated
    assert anon.is_anonymous
    assert anon.pk is None
    assert not anon.has_perm("authtests.view_document")
    assert not anon.has_perms(["authtests.view_document"])
    assert not anon.has_module_perms("authtests")
    assert anon.get_all_permissions() == frozenset()
    assert not anon.check_password("")
    assert anon == AnonymousUser()
    assert str(anon) == "AnonymousUser"
    assert len({anon, AnonymousUser()}) == 1


def test_groups_are_m2m_and_named_uniquely() -> None:
    user = User.objects.create_user("g@example.com")
    editors = Group.objects.create(name="editors")
    user.groups.add(editors)
    assert [g.name for g in user.groups.all()] == ["editors"]
    assert [u.email for u in editors.users.all()] == ["g@example.com"]
    with pytest.raises(IntegrityError):
        Group.objects.create(name="editors")


def test_abstract_user_is_a_base_for_project_models() -> None:
    assert AbstractUser._meta.abstract
    with pytest.raises(TypeError):
        AbstractUser()
    assert User.USERNAME_FIELD == "email"
    assert User.REQUIRED_FIELDS == []
    fields: Any = {f.name for f in User._meta.fields}
    assert {"username", "email", "password", "is_active", "last_login"} <= fields
