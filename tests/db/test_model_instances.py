"""Model classes and instances: construction rules, identity, pickling, relation fields."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import dbtests_models as m
import pytest

from bastion.db import models
from bastion.db.models.base import ModelState, _app_label_of
from bastion.exceptions import ImproperlyConfigured, ValidationError


def test_app_label_from_the_module() -> None:
    assert _app_label_of("shop.models") == "shop"
    assert _app_label_of("project.shop.models.orders") == "shop"
    assert _app_label_of("models.thing") == "thing"
    assert _app_label_of("standalone") == "standalone"


def test_model_state_copy() -> None:
    state = ModelState("default", adding=False)
    state.fields_cache["author"] = "cached"
    clone = copy.copy(state)
    assert (clone.db, clone.adding, clone.fields_cache) == ("default", False, {"author": "cached"})
    clone.fields_cache["other"] = 1
    assert "other" not in state.fields_cache


def test_constructor_refusals() -> None:
    with pytest.raises(TypeError, match="Direct assignment to the many-to-many field 'tags'"):
        m.Article(title="t", tags=[])
    with pytest.raises(TypeError, match=r"Tag\(\) got unexpected keyword argument\(s\): a, b\."):
        m.Tag(name="x", b=1, a=2)
    assert m.Tag(pk=7, name="x").id == 7
    assert m.Article(author_id=3).author_id == 3


def test_identity_and_hash() -> None:
    a, b = m.Tag(pk=1, name="a"), m.Tag(pk=1, name="b")
    assert a == b
    assert hash(a) == hash(b)
    assert a != m.Publisher(pk=1, name="a")
    assert a != "Tag 1"
    unsaved = m.Tag(name="u")
    assert unsaved == unsaved
    assert unsaved != m.Tag(name="u")
    with pytest.raises(TypeError, match="unhashable"):
        hash(unsaved)
    assert str(a) == "Tag object (1)"
    assert repr(a) == "<Tag: Tag object (1)>"
    a.pk = 9
    assert a.id == 9


def test_pickle_round_trip() -> None:
    tag = m.Tag(pk=4, name="x")
    clone = pickle.loads(pickle.dumps(tag))
    assert type(clone) is m.Tag
    assert clone == tag
    assert clone.name == "x"
    assert clone._state.adding is False


def test_delete_unsaved_refused() -> None:
    with pytest.raises(ValueError, match="Tag cannot be deleted: it has no primary key"):
        m.Tag(name="x").delete()


def test_abstract_managers_are_copied_per_child() -> None:
    class Base(models.Model):
        special = models.Manager()

        class Meta:
            abstract = True
            app_label = "insttests"

    class Child(Base):
        class Meta:
            app_label = "insttests"

    class Other(Base):
        class Meta:
            app_label = "insttests"

    assert Child.special is not Other.special
    assert Child.special.model is Child
    assert Child._default_manager is Child.special
    assert not hasattr(Child, "objects") or Child.objects is not Child.special


def test_full_clean_collects_clean_errors(db: Any) -> None:
    class Cleaned(models.Model):
        name = models.CharField(max_length=3)

        class Meta:
            app_label = "insttests"

        def clean(self) -> None:
            if self.name == "bad":
                raise ValidationError({"name": "Not this one.", "__all__": "Whole object."})

    with pytest.raises(ValidationError) as info:
        Cleaned(name="bad").full_clean(validate_unique=False)
    assert info.value.message_dict == {"name": ["Not this one."], "__all__": ["Whole object."]}
    with pytest.raises(ValidationError) as info:
        Cleaned(name="long").full_clean(validate_unique=False, validate_constraints=False)
    assert list(info.value.message_dict) == ["name"]
    Cleaned(name="ok").full_clean(validate_unique=False)


# -- relation fields ----------------------------------------------------------------------------


def test_foreign_key_configuration_errors() -> None:
    with pytest.raises(ImproperlyConfigured, match="on_delete must be"):
        models.ForeignKey(m.Author, on_delete="cascade")  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match="SET_NULL needs null=True"):
        models.ForeignKey(m.Author, on_delete=models.SET_NULL)
    assert models.ForeignKey(m.Author, on_delete=models.CASCADE).db_index is True
    assert models.OneToOneField(m.Author, on_delete=models.CASCADE).unique is True


def test_set_on_delete_value_and_callable() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.updates: list[tuple[Any, Any, list[Any]]] = []

        def add_field_update(self, field: Any, value: Any, objs: list[Any]) -> None:
            self.updates.append((field, value, objs))

    field = m.Article._meta.get_field("author")
    recorder = Recorder()
    models.SET(5)(recorder, field, ["a"])  # type: ignore[arg-type]
    models.SET(lambda: 6)(recorder, field, ["b"])  # type: ignore[arg-type]
    assert recorder.updates == [(field, 5, ["a"]), (field, 6, ["b"])]


def test_rel_names_and_repr() -> None:
    rel = m.Article._meta.get_field("author").remote_rel
    assert rel.accessor_name == "articles"
    assert repr(rel) == "<Rel Author.articles → Article>"
    profile_rel = m.Profile._meta.get_field("author").remote_rel
    assert profile_rel.accessor_name == "profile"
    assert not profile_rel.multiple
    member_rel = m.Membership._meta.get_field("group").remote_rel
    assert member_rel.accessor_name == "membership_set"
    assert member_rel.query_name == "membership"


def test_hidden_and_default_related_names() -> None:
    class Target(models.Model):
        class Meta:
            app_label = "insttests"

    class Pointer(models.Model):
        hidden = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+")
        linked = models.ManyToManyField(Target, related_name="+")
        shown = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+shown")

        class Meta:
            app_label = "insttests"

    class Named(models.Model):
        target = models.ForeignKey(Target, on_delete=models.CASCADE)

        class Meta:
            app_label = "insttests"
            default_related_name = "%(model_name)s_items"

    assert Pointer._meta.get_field("hidden").remote_rel.hidden
    assert Pointer._meta.get_field("linked").remote_rel.hidden
    assert not hasattr(Target, "+")
    assert Named._meta.get_field("target").remote_rel.accessor_name == "named_items"
    assert hasattr(Target, "named_items")


def test_many_to_many_field_details() -> None:
    tags = m.Article._meta.get_field("tags")
    with pytest.raises(TypeError, match="has no column"):
        tags.sa_column()
    assert tags.get_default() == []
    assert tags.value_from_object(m.Article(title="t")) == []
    assert tags.blank
    clone = tags.clone()
    assert not hasattr(clone, "through")
    assert not hasattr(clone, "related_model")
    fk = m.Article._meta.get_field("author").clone()
    assert "related_model" not in vars(fk)


def test_through_model_needs_unambiguous_keys() -> None:
    class Person(models.Model):
        class Meta:
            app_label = "insttests"

    class Friendship(models.Model):
        a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
        b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "insttests"

    with pytest.raises(ImproperlyConfigured, match="Friendship needs through_fields"):

        class Circle(models.Model):
            people = models.ManyToManyField(Person, through=Friendship)

            class Meta:
                app_label = "insttests"

    class Club(models.Model):
        name = models.CharField(max_length=5)
        people = models.ManyToManyField(Person, through="Seat2", through_fields=("club", "person"))

        class Meta:
            app_label = "insttests"

    class Seat2(models.Model):
        club = models.ForeignKey(Club, on_delete=models.CASCADE)
        person = models.ForeignKey(Person, on_delete=models.CASCADE)

        class Meta:
            app_label = "insttests"

    field = Club._meta.get_field("people")
    assert field.through is Seat2
    assert field.source_fk.name == "club"
    assert field.target_fk.name == "person"


def test_self_referencing_m2m_through_table() -> None:
    class Peer(models.Model):
        peers = models.ManyToManyField("self")

        class Meta:
            app_label = "insttests"

    through = Peer._meta.get_field("peers").through
    assert {f.name for f in through._meta.fields} == {"id", "from_peer", "to_peer"}


def test_foreign_key_prep_value_and_default(db: Any) -> None:
    author = m.Author.objects.create(name="A", email="a@example.com")
    field = m.Article._meta.get_field("author")
    assert field.get_prep_value(author) == author.pk
    assert field.get_prep_value(None) is None
    assert field.get_prep_value(str(author.pk)) == author.pk
    with pytest.raises(ValidationError) as info:
        field.validate(author.pk + 1000, None)
    assert info.value.messages == [f"author instance with id {author.pk + 1000!r} does not exist."]
    field.validate(author.pk, None)
    assert m.Book._meta.get_field("defaulted").get_default() is None
