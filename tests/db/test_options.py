"""Model Meta: the options accepted, their inheritance, and the table they build.

Models declared here use their own app labels, so the scratch databases never get their tables.
"""

from __future__ import annotations

from typing import Any

import dbtests_models as m
import pytest
import sqlalchemy as sa

from bastion.db import FieldError, IntegrityError, models
from bastion.db.models.options import CheckConstraint, Index, UniqueConstraint
from bastion.db.models.registry import registry
from bastion.exceptions import ImproperlyConfigured


def test_unknown_meta_option_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"Unknown Meta option\(s\): colour, size\."):

        class Painted(models.Model):
            class Meta:
                app_label = "opttests"
                colour = "red"
                size = 3


def test_defaults_and_verbose_names() -> None:
    class ReadingListEntry(models.Model):
        title = models.CharField(max_length=10)

        class Meta:
            app_label = "opttests"

    opts = ReadingListEntry._meta
    assert opts.db_table == "opttests_readinglistentry"
    assert opts.verbose_name == "reading list entry"
    assert opts.verbose_name_plural == "reading list entrys"
    assert opts.label == "opttests.ReadingListEntry"
    assert opts.label_lower == "opttests.readinglistentry"
    assert repr(opts) == "<Options opttests.ReadingListEntry>"
    assert opts.managed is True
    assert opts.ordering == ()
    assert [f.name for f in opts.get_fields()] == ["id", "title"]
    assert opts.concrete_fields == opts.local_fields == opts.fields
    assert opts.attnames() == ["id", "title"]
    assert opts.get_field("pk") is opts.pk
    assert opts.resolve_pk_name("pk") == "id"
    assert opts.resolve_pk_name("title") == "title"
    assert registry.get_model("opttests", "READINGLISTENTRY") is ReadingListEntry


def test_explicit_meta_values() -> None:
    class Goose(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "opttests"
            db_table = "custom_geese"
            verbose_name = "goose"
            verbose_name_plural = "geese"
            get_latest_by = "name"
            managed = False
            default_related_name = "geese"

    opts = Goose._meta
    assert (opts.db_table, opts.verbose_name, opts.verbose_name_plural) == (
        "custom_geese",
        "goose",
        "geese",
    )
    assert opts.get_latest_by == "name"
    assert opts.managed is False
    assert opts.default_related_name == "geese"
    assert opts.table.name == "custom_geese"


def test_get_field_error_lists_choices() -> None:
    with pytest.raises(FieldError, match=r"Tag has no field named 'nope'\. Choices are: .*name"):
        m.Tag._meta.get_field("nope")
    assert m.Tag._meta.get_field_or_none("nope") is None
    assert m.Article._meta.get_field("author_id") is m.Article._meta.get_field("author")


def test_two_fields_of_one_name_refused() -> None:
    opts = m.Tag._meta
    with pytest.raises(ImproperlyConfigured, match="two fields named 'name'"):
        opts.add_field(opts.get_field("name"))


def test_clashing_reverse_query_name() -> None:
    class Shelf(models.Model):
        name = models.CharField(max_length=10)
        book = models.IntegerField(default=0)

        class Meta:
            app_label = "opttests"

    with pytest.raises(ImproperlyConfigured, match=r"Reverse query name 'book'.*clashes"):

        class Book(models.Model):
            shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE)

            class Meta:
                app_label = "opttests"


def test_conflicting_models_in_one_app() -> None:
    class Twin(models.Model):
        class Meta:
            app_label = "opttests"

    def other() -> Any:
        class Twin(models.Model):
            class Meta:
                app_label = "opttests"

        return Twin

    with pytest.raises(ImproperlyConfigured, match=r"Conflicting models opttests\.Twin"):
        other()
    assert registry.get_model("opttests", "twin") is Twin
    with pytest.raises(LookupError, match=r"No model opttests\.Nobody"):
        registry.get_model("opttests", "Nobody")


def test_abstract_inheritance() -> None:
    class Stamped(models.Model):
        name = models.CharField(max_length=20)
        rank = models.IntegerField(default=0)

        class Meta:
            abstract = True
            app_label = "opttests"
            ordering = ["-rank"]
            indexes = [Index(fields=["-rank", "name"], name="stamped_rank_name")]
            constraints = [UniqueConstraint(fields=["name"], name="stamped_name_uniq")]

    class Plain(Stamped):
        class Meta:
            app_label = "opttests"

    class Reordered(Stamped):
        extra = models.IntegerField(default=0)

        class Meta:
            app_label = "opttests"
            ordering = ["name"]
            indexes = [Index(fields=["extra"])]
            constraints = [CheckConstraint(check=models.Q(extra__gte=0), name="reordered_extra")]

    assert Stamped._meta.abstract
    with pytest.raises(TypeError, match="abstract"):
        Stamped()
    assert not hasattr(Stamped, "DoesNotExist")
    assert Plain._meta.ordering == ("-rank",)
    assert Reordered._meta.ordering == ("name",)
    assert [i.name for i in Plain._meta.indexes] == ["stamped_rank_name"]
    assert [i.name for i in Reordered._meta.indexes] == ["stamped_rank_name", None]
    assert [c.name for c in Reordered._meta.constraints] == [
        "stamped_name_uniq",
        "reordered_extra",
    ]
    # Each concrete child owns its copy of the inherited fields.
    assert Plain._meta.get_field("name") is not Reordered._meta.get_field("name")
    assert Plain._meta.get_field("name").model is Plain
    assert [f.name for f in Reordered._meta.fields] == ["id", "name", "rank", "extra"]
    table = Reordered._meta.table
    index_names = {i.name for i in table.indexes}
    assert index_names == {"stamped_rank_name", "opttests_reordered_extra_idx"}
    constraint_names = {c.name for c in table.constraints}
    assert {"stamped_name_uniq", "reordered_extra"} <= constraint_names
    rank_index = next(i for i in table.indexes if i.name == "stamped_rank_name")
    assert "DESC" in str(next(iter(rank_index.expressions)))


def test_unique_together_flat_tuple_is_one_group() -> None:
    class Pair(models.Model):
        a = models.IntegerField()
        b = models.IntegerField()

        class Meta:
            app_label = "opttests"
            unique_together = ("a", "b")

    class Pairs(models.Model):
        a = models.IntegerField()
        b = models.IntegerField()
        c = models.IntegerField()

        class Meta:
            app_label = "opttests"
            unique_together = [("a", "b"), ["b", "c"]]

    assert Pair._meta.unique_together == [("a", "b")]
    assert Pairs._meta.unique_together == [("a", "b"), ("b", "c")]
    uniques = {
        c.name: [col.name for col in c.columns]
        for c in Pairs._meta.table.constraints
        if isinstance(c, sa.UniqueConstraint)
    }
    assert uniques == {"opttests_pairs_a_b_uniq": ["a", "b"], "opttests_pairs_b_c_uniq": ["b", "c"]}


def test_long_generated_names_are_truncated_deterministically() -> None:
    class AVeryLongModelNameIndeedForTestingPurposes(models.Model):
        a_rather_long_column_name = models.IntegerField()
        another_rather_long_column_name = models.IntegerField()

        class Meta:
            app_label = "opttests"
            indexes = [
                Index(fields=["a_rather_long_column_name", "another_rather_long_column_name"])
            ]

    [index] = AVeryLongModelNameIndeedForTestingPurposes._meta.table.indexes
    assert index.name is not None
    assert len(index.name) <= 63
    assert index.name.endswith("_idx")
    assert index.name.startswith("opttests_averylongmodelnameindeedfortestingpurp")


def test_index_and_constraint_arguments() -> None:
    with pytest.raises(ImproperlyConfigured, match="at least one field"):
        Index(fields=[])
    with pytest.raises(ImproperlyConfigured, match="fields and a name"):
        UniqueConstraint(fields=["a"], name="")
    with pytest.raises(ImproperlyConfigured, match="fields and a name"):
        UniqueConstraint(fields=[], name="x")
    check = CheckConstraint(check=models.Q(a__gt=0), name="a_positive")
    assert check.violation_error_message == "Constraint “a_positive” is violated."
    custom = CheckConstraint(check=models.Q(a__gt=0), name="x", violation_error_message="no")
    assert custom.violation_error_message == "no"


def test_check_constraints_in_the_built_table() -> None:
    table = m.Seat._meta.table
    checks = {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
    uniques = {c.name for c in table.constraints if isinstance(c, sa.UniqueConstraint)}
    assert "dbtests_seat_price_gte_0" in checks
    assert "dbtests_seat_room_number" in uniques
    measure = {c.name for c in m.Measure._meta.table.constraints}
    assert "dbtests_measure_pos_check" in measure


def test_app_labels_and_models() -> None:
    assert "dbtests" in registry.app_labels()
    assert m.Author in registry.models("dbtests")
    assert m.Author in registry.models()
    assert all(model._meta.app_label == "dbtests" for model in registry.models("dbtests"))


def test_lazy_reference_pending_until_defined() -> None:
    class Waiter(models.Model):
        target = models.ForeignKey("opttests.LateTarget", on_delete=models.CASCADE)

        class Meta:
            app_label = "opttests"

    assert "opttests.latetarget" in registry.unresolved()

    class LateTarget(models.Model):
        class Meta:
            app_label = "opttests"

    assert "opttests.latetarget" not in registry.unresolved()
    assert Waiter._meta.get_field("target").related_model is LateTarget
    assert "opttests_waiter" in registry.metadata.tables


def test_metadata_for_copies_referenced_tables_as_external() -> None:
    class Remote(models.Model):
        class Meta:
            app_label = "optremote"

    class Local(models.Model):
        remote = models.ForeignKey(Remote, on_delete=models.CASCADE)

        class Meta:
            app_label = "optlocal"

    metadata = registry.metadata_for("optlocal")
    assert set(metadata.tables) == {"optlocal_local", "optremote_remote"}
    assert metadata.tables["optremote_remote"].info["bastion_external"] is True
    assert not metadata.tables["optlocal_local"].info.get("bastion_external")
    assert Local._meta.table.info["app_label"] == "optlocal"


def test_every_positive_integer_field_has_a_check_constraint() -> None:
    names = {c.name for c in m.Measure._meta.table.constraints}
    assert {
        "dbtests_measure_pos_check",
        "dbtests_measure_pos_small_check",
        "dbtests_measure_pos_big_check",
    } <= names


def test_positive_check_enforced_by_the_database(db: Any) -> None:
    measure = m.Measure.objects.create()
    with pytest.raises(IntegrityError):
        m.Measure.objects.filter(pk=measure.pk).update(pos=-1)
