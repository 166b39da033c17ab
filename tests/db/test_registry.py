"""The registry's swappable models: a stand-in, a project's replacement, and the choice.

Each test uses a setting of its own (the choice is once per process, as for
``AUTH_USER_MODEL``) and models in an app label of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bastion.db import models
from bastion.db.migrations import swappable_dependency, swappable_target
from bastion.db.migrations.swappable import _has_migrations
from bastion.db.models import registry
from bastion.exceptions import ImproperlyConfigured


def stand_in(label: str, setting: str) -> type[models.Model]:
    meta = type("Meta", (), {"app_label": label, "swappable": setting})
    attrs = {
        "__module__": __name__,
        "__qualname__": f"Member_{label}",
        "Meta": meta,
        "name": models.CharField(max_length=50),
        "clubs": models.ManyToManyField(f"{label}.Club", related_name="members"),
    }
    return type("Member", (models.Model,), attrs)


def model(label: str, name: str, **fields: object) -> type[models.Model]:
    attrs = {
        "__module__": __name__,
        "__qualname__": f"{name}_{label}",
        "Meta": type("Meta", (), {"app_label": label}),
        **fields,
    }
    return type(name, (models.Model,), attrs)


def test_relations_wait_for_the_choice_then_point_at_the_chosen_model() -> None:
    model("swapa", "Club", title=models.CharField(max_length=50))
    member = stand_in("swapa", "SWAP_A_MODEL")
    card = model("swapa", "Card", holder=models.ForeignKey("swapa.Member", models.CASCADE))
    assert not hasattr(card._meta, "table")  # held: the target is not known yet
    custom = model(
        "swapacustom",
        "Person",
        nickname=models.CharField(max_length=50),
        clubs=models.ManyToManyField("swapa.Club", related_name="members"),
    )
    registry.choose("SWAP_A_MODEL", "swapacustom.Person")

    holder = card._meta.get_field("holder")
    assert holder.related_model is custom
    assert [fk.target_fullname for fk in card._meta.table.foreign_keys] == ["swapacustom_person.id"]
    assert member._meta.swapped == "swapacustom.Person"
    assert "swapa_member" not in registry.metadata.tables
    assert "swapa_member_clubs" not in registry.metadata.tables  # its relations never wired
    assert member not in registry.models("swapa")
    with pytest.raises(AttributeError, match=r"has been swapped for 'swapacustom\.Person'"):
        member.objects.all()
    later = model("swapa", "Badge", owner=models.ForeignKey("swapa.Member", models.CASCADE))
    assert later._meta.get_field("owner").related_model is custom


def test_the_stand_in_chosen_gets_its_table_and_relations() -> None:
    club = model("swapb", "Club", title=models.CharField(max_length=50))
    registry.choose("SWAP_B_MODEL", "swapb.Member")
    member = stand_in("swapb", "SWAP_B_MODEL")
    card = model("swapb", "Card", holder=models.ForeignKey("swapb.Member", models.CASCADE))
    assert member._meta.swapped is None
    assert isinstance(member._meta.table, sa.Table)
    assert member._meta.get_field("clubs").related_model is club
    assert card._meta.get_field("holder").related_model is member
    assert member in registry.models("swapb")
    target = swappable_target("SWAP_B_MODEL")
    assert (target.swapped, target.reference) == (False, "swapb_member.id")
    assert swappable_dependency("SWAP_B_MODEL") == ()


def test_a_relation_named_before_the_stand_in_exists_is_routed_too() -> None:
    early = model("swapc", "Card", holder=models.ForeignKey("swapc.Member", models.CASCADE))
    model("swapc", "Club", title=models.CharField(max_length=50))
    registry.choose("SWAP_C_MODEL", "swapccustom.Person")
    stand_in("swapc", "SWAP_C_MODEL")
    assert not hasattr(early._meta, "table")  # the chosen model is not defined yet
    with pytest.raises(ImproperlyConfigured, match="not defined: install the app"):
        registry.chosen("SWAP_C_MODEL")
    person = model("swapccustom", "Person", id=models.UUIDField(primary_key=True))
    assert early._meta.get_field("holder").related_model is person
    target = swappable_target("SWAP_C_MODEL")
    assert target.swapped
    assert target.reference == "swapccustom_person.id"
    assert isinstance(early._meta.table.c.holder_id.type, type(target.key_type))
    # The package this module is in (tests/db) has a migrations folder with files in it.
    assert swappable_dependency("SWAP_C_MODEL") == ("swapccustom",)


def test_the_choice_is_made_once() -> None:
    registry.choose("SWAP_D_MODEL", "swapd.Member")
    registry.choose("SWAP_D_MODEL", "swapd.member")  # the same model: nothing happens
    with pytest.raises(ImproperlyConfigured, match=r"already 'swapd\.Member' in this process"):
        registry.choose("SWAP_D_MODEL", "swapdcustom.Person")


@pytest.mark.parametrize("label", ["User", "", ".User", "auth.", "a.b.User"])
def test_a_malformed_choice_is_refused(label: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"must be 'app_label\.ModelName'"):
        registry.choose("SWAP_E_MODEL", label)


def test_asking_before_any_choice_says_how_to_choose() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"Bastion\(settings\)"):
        registry.chosen("SWAP_NEVER_CHOSEN")


def test_an_app_without_migration_files_has_nothing_to_depend_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "swapproject" / "accounts"
    (package / "migrations").mkdir(parents=True)
    for name in ("swapproject/__init__.py", "swapproject/accounts/__init__.py"):
        (tmp_path / name).write_text("")
    (package / "models.py").write_text("")
    (package / "migrations" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert not _has_migrations("swapproject.accounts.models")
    (package / "migrations" / "accounts_0001_initial.py").write_text("")
    assert _has_migrations("swapproject.accounts.models")
    assert not _has_migrations("swapproject")
