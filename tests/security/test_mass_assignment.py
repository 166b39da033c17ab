"""Mass assignment: only the fields a form declares are read; nothing else reaches a model.

The attack: a user adds ``is_staff=1``, ``id=5`` or ``owner=...`` to a POST (or a JSON body)
hoping the server copies every submitted key onto a row. Forms read their declared fields
by name and nothing else, ModelForms need an explicit field list, and primary keys and
``editable=False`` columns can never be on one. The model runs on a real SQLite database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bastion import forms
from bastion.db import Databases, models
from bastion.exceptions import ImproperlyConfigured
from bastion.forms.json import InvalidInput, validate_json
from bastion.http.datastructures import MultiDict


class Account(models.Model):
    username = models.CharField(max_length=30)
    bio = models.TextField(blank=True)
    is_staff = models.BooleanField(default=False)
    credits = models.IntegerField(default=0)
    owner_token = models.CharField(max_length=40, default="server-set", editable=False)

    class Meta:
        app_label = "massassign"


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["username", "bio"]


ATTACK = {
    "is_staff": "1",
    "id": "5",
    "pk": "5",
    "credits": "1000000",
    "owner_token": "attacker",
    "_state": "x",
    "__class__": "x",
    "save": "x",
}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Databases]:
    dbs = Databases({"default": f"sqlite:///{tmp_path / 'mass.sqlite3'}"})
    with dbs.activate():
        models.registry.metadata.create_all(dbs.engine(), tables=[Account._meta.table])
        yield dbs


def test_extra_post_keys_never_reach_a_new_row(db: Databases) -> None:
    data = MultiDict([("username", "mallory"), ("bio", "hi"), *ATTACK.items()])
    form = ProfileForm(data)
    assert form.is_valid(), form.errors
    assert set(form.cleaned_data) == {"username", "bio"}
    account = form.save()
    fresh = Account.objects.get(pk=account.pk)
    assert fresh.pk != 5
    assert fresh.is_staff is False
    assert fresh.credits == 0
    assert fresh.owner_token == "server-set"
    assert Account.objects.count() == 1


def test_extra_keys_never_change_an_existing_row(db: Databases) -> None:
    victim = Account.objects.create(username="victim", credits=3)
    mine = Account.objects.create(username="mallory")
    form = ProfileForm({"username": "m2", **ATTACK, "id": str(victim.pk)}, instance=mine)
    assert form.is_valid()
    form.save()
    assert Account.objects.get(pk=victim.pk).username == "victim"
    fresh = Account.objects.get(pk=mine.pk)
    assert (fresh.username, fresh.is_staff, fresh.credits) == ("m2", False, 0)
    assert fresh.owner_token == "server-set"


def test_extra_json_keys_are_ignored(db: Databases) -> None:
    class Body:
        def json(self) -> Any:
            return {"username": "api", "is_staff": True, "id": 5, "credits": 10}

    data = validate_json(Body(), ProfileForm)
    assert data == {"username": "api", "bio": ""}


def test_a_model_form_must_whitelist_its_fields() -> None:
    for meta_fields in (None, "__all__"):
        attrs: dict[str, Any] = {"model": Account}
        if meta_fields is not None:
            attrs["fields"] = meta_fields
        with pytest.raises(ImproperlyConfigured):
            type("AllForm", (forms.ModelForm,), {"Meta": type("Meta", (), attrs)})


@pytest.mark.parametrize("name", ["id", "owner_token"])
def test_keys_and_server_set_fields_can_never_be_listed(name: str) -> None:
    meta = type("Meta", (), {"model": Account, "fields": ["username", name]})
    with pytest.raises(ImproperlyConfigured):
        type("KeyForm", (forms.ModelForm,), {"Meta": meta})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x" * 31, "Ensure this value has at most 30 characters (it has 31)."),
        ("ad\x00min", "Control characters are not allowed."),
        ("ad\nmin", "Control characters are not allowed."),
        ("a\udcff", "The text is not valid Unicode."),
        (["a", "b"], None),
    ],
)
def test_bad_text_gives_field_errors_not_exceptions(
    db: Databases, value: Any, message: Any
) -> None:
    form = ProfileForm({"username": value})
    if isinstance(value, list):
        assert form.errors["username"] == ["Enter text."]
    elif message is None:
        assert form.is_valid()
    else:
        assert form.errors == {"username": [message]}
    assert Account.objects.count() == 0


def test_wrong_types_in_json_are_field_errors(db: Databases) -> None:
    class Body:
        def json(self) -> Any:
            return {"username": {"$ne": ""}, "bio": ["x"]}

    with pytest.raises(InvalidInput) as info:
        validate_json(Body(), ProfileForm)
    assert info.value.errors == {"username": ["Enter text."], "bio": ["Enter text."]}
