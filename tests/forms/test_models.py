"""ModelForm: fields from the model, model validation reused, save() with M2M."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bastion import forms
from bastion.db import Databases, models
from bastion.exceptions import ImproperlyConfigured, ValidationError


class Status(enum.Enum):
    DRAFT = "draft"
    LIVE = "live"


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)

    class Meta:
        app_label = "formtests"

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "formtests"

    def __str__(self) -> str:
        return self.name


def no_spam(value: str) -> None:
    if "spam" in value:
        raise ValidationError("No spam.")


class Note(models.Model):
    title = models.CharField(max_length=40, unique=True, validators=[no_spam])
    body = models.TextField(blank=True, help_text="Markdown")
    subtitle = models.CharField(max_length=40, blank=True, null=True)
    status = models.CharField(max_length=10, choices=Status, default="draft")
    score = models.PositiveIntegerField(default=0)
    price = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    pinned = models.BooleanField(default=False)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, null=True, blank=True)
    tags = models.ManyToManyField(Tag, related_name="notes")
    created = models.DateTimeField(auto_now_add=True)
    secret = models.CharField(max_length=20, default="", editable=False)

    class Meta:
        app_label = "formtests"

    def clean(self) -> None:
        if self.title == "Forbidden":
            raise ValidationError("This title is forbidden.")


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["title", "body", "subtitle", "status", "score", "price", "pinned", "author"]
        fields += ["tags"]
        labels = {"title": "Heading"}
        widgets = {"subtitle": forms.Textarea}


DEFAULTS = {"status": "draft", "score": "0"}


def test_fields_without_blank_are_required_even_with_a_model_default(db: Databases) -> None:
    assert set(NoteForm({"title": "x"}).errors) == {"status", "score"}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Databases]:
    dbs = Databases({"default": f"sqlite:///{tmp_path / 'forms.sqlite3'}"})
    with dbs.activate():
        tables = [m._meta.table for m in models.registry.models("formtests")]
        models.registry.metadata.create_all(dbs.engine(), tables=tables)
        yield dbs


def test_fields_come_from_the_model_in_order() -> None:
    form = NoteForm()
    assert list(form.fields) == [
        "title", "body", "subtitle", "status", "score", "price", "pinned", "author", "tags"
    ]  # fmt: skip
    title = form.fields["title"]
    assert isinstance(title, forms.CharField)
    assert title.max_length == 40
    assert title.required
    assert title.label == "Heading"
    body = form.fields["body"]
    assert isinstance(body, forms.TextField)
    assert not body.required
    assert body.help_text == "Markdown"
    assert isinstance(form.fields["subtitle"].widget, forms.Textarea)
    assert isinstance(form.fields["status"], forms.ChoiceField)
    assert isinstance(form.fields["price"], forms.DecimalField)
    assert isinstance(form.fields["pinned"], forms.BooleanField)
    assert not form.fields["pinned"].required
    assert isinstance(form.fields["author"], forms.ModelChoiceField)
    assert isinstance(form.fields["tags"], forms.ModelMultipleChoiceField)
    score = form.fields["score"]
    assert isinstance(score, forms.IntegerField)
    assert score.min_value == 0


@pytest.mark.parametrize("fields", [None, "__all__"])
def test_fields_list_is_required(fields: Any) -> None:
    meta_attrs: dict[str, Any] = {"model": Note}
    if fields is not None:
        meta_attrs["fields"] = fields
    meta = type("Meta", (), meta_attrs)
    with pytest.raises(ImproperlyConfigured, match=r"Meta\.fields must list"):
        type("Bad", (forms.ModelForm,), {"Meta": meta})


@pytest.mark.parametrize("name", ["id", "created", "secret", "missing"])
def test_keys_uneditable_and_unknown_fields_are_refused(name: str) -> None:
    meta = type("Meta", (), {"model": Note, "fields": ["title", name]})
    with pytest.raises(ImproperlyConfigured, match="cannot be on a form"):
        type("Bad", (forms.ModelForm,), {"Meta": meta})


def test_exclude_and_declared_fields() -> None:
    class ShortForm(forms.ModelForm):
        body = forms.CharField(max_length=5, required=False)
        agree = forms.BooleanField()

        class Meta:
            model = Note
            fields = ["title", "body", "status"]
            exclude = ["status"]

    form = ShortForm()
    assert list(form.fields) == ["title", "body", "agree"]
    assert form.fields["body"].max_length == 5  # type: ignore[attr-defined]


def test_a_model_without_meta_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="needs a Meta"):
        forms.ModelForm()


def test_create_with_m2m_and_foreign_key(db: Databases) -> None:
    ann = Author.objects.create(name="Ann")
    a, b = Tag.objects.create(name="a"), Tag.objects.create(name="b")
    from bastion.http.datastructures import MultiDict

    data = MultiDict(
        [
            ("title", " Hello "),
            ("status", "live"),
            ("author", str(ann.pk)),
            ("price", "9.50"),
            ("score", "1"),
            ("tags", str(a.pk)),
            ("tags", str(b.pk)),
        ]
    )
    form = NoteForm(data)
    assert form.is_valid(), form.errors
    note = form.save()
    assert note.pk is not None
    fresh = Note.objects.get(pk=note.pk)
    assert fresh.title == "Hello"
    assert fresh.status == "live"
    assert fresh.author_id == ann.pk
    assert sorted(t.name for t in fresh.tags.all()) == ["a", "b"]
    assert fresh.subtitle is None  # nullable CharField: empty becomes NULL


def test_update_keeps_fields_not_on_the_form(db: Databases) -> None:
    note = Note.objects.create(title="Old", score=7)

    class TitleForm(forms.ModelForm):
        class Meta:
            model = Note
            fields = ["title"]

    unbound = TitleForm(instance=note)
    assert unbound["title"].value() == "Old"
    form = TitleForm({"title": "New", "score": "99"}, instance=note)
    assert form.is_valid()
    form.save()
    fresh = Note.objects.get(pk=note.pk)
    assert (fresh.title, fresh.score) == ("New", 7)


def test_model_validation_is_reused(db: Databases) -> None:
    Note.objects.create(title="Taken")
    form = NoteForm({"title": "Taken", **DEFAULTS})
    assert not form.is_valid()
    assert list(form.errors) == ["title"]
    assert "already exists" in form.errors["title"][0]
    assert NoteForm({"title": "spam spam", **DEFAULTS}).errors == {"title": ["No spam."]}
    forbidden = NoteForm({"title": "Forbidden", **DEFAULTS})
    assert forbidden.errors == {"__all__": ["This title is forbidden."]}


def test_bad_choices_and_keys_are_field_errors(db: Databases) -> None:
    form = NoteForm({**DEFAULTS, "title": "t", "status": "deleted", "author": "9", "tags": ["x"]})
    assert not form.is_valid()
    assert set(form.errors) == {"status", "author", "tags"}


def test_commit_false_then_save_m2m(db: Databases) -> None:
    tag = Tag.objects.create(name="t")
    form = NoteForm({"title": "Later", "tags": [str(tag.pk)], **DEFAULTS})
    assert form.is_valid()
    note = form.save(commit=False)
    assert note.pk is None
    note.score = 3
    note.save()
    form.save_m2m()
    assert [t.name for t in Note.objects.get(pk=note.pk).tags.all()] == ["t"]


def test_save_refuses_an_invalid_form(db: Databases) -> None:
    with pytest.raises(ValueError, match="has errors"):
        NoteForm({"title": ""}).save()


def test_model_choice_rendering_lists_the_queryset(db: Databases) -> None:
    Author.objects.create(name="<Zed>")
    html = str(NoteForm()["author"].widget_html())
    assert "&lt;Zed&gt;</option>" in html
    assert '<option value="">---------</option>' in html


def test_a_model_field_formfield_method_is_used() -> None:
    class Custom(models.CharField):
        def formfield(self) -> forms.Field:
            return forms.SlugField(max_length=9)

    class Thing(models.Model):
        code = Custom(max_length=10, blank=True, verbose_name="the code")

        class Meta:
            app_label = "formtests_other"

    class ThingForm(forms.ModelForm):
        class Meta:
            model = Thing
            fields = ["code"]

    field = ThingForm().fields["code"]
    assert isinstance(field, forms.SlugField)
    assert not field.required
    assert field.label == "The code"


def test_a_model_file_field_round_trip(tmp_path: Path) -> None:
    from bastion.files import FileSystemStorage
    from bastion.http.uploads import UploadedFile

    storage = FileSystemStorage(tmp_path / "media")

    class Attachment(models.Model):
        title = models.CharField(max_length=20)
        document = models.FileField(
            storage=storage, upload_to="docs", allowed_types={"image/png"}, max_size=1000
        )

        class Meta:
            app_label = "formtests_files"

    class AttachmentForm(forms.ModelForm):
        class Meta:
            model = Attachment
            fields = ["title", "document"]

    assert AttachmentForm().is_multipart
    dbs = Databases({"default": f"sqlite:///{tmp_path / 'files.sqlite3'}"})
    with dbs.activate():
        models.registry.metadata.create_all(dbs.engine(), tables=[Attachment._meta.table])

        def upload(name: str, content: bytes) -> UploadedFile:
            file = UploadedFile("document", name, content_type="image/png")
            file.write(content)
            file.seek(0)
            return file

        with upload("a.png", b"<html>") as html:
            bad = AttachmentForm({"title": "x"}, {"document": html})
            assert list(bad.errors) == ["document"]
        with upload("a.png", PNG) as png:
            form = AttachmentForm({"title": "x"}, {"document": png})
            assert form.is_valid(), form.errors
            saved = form.save()
        name = Attachment.objects.get(pk=saved.pk).document
        assert name.startswith("docs/")
        assert storage.exists(name)
        # Editing without a new upload keeps the stored file.
        edit = AttachmentForm({"title": "y"}, {}, instance=Attachment.objects.get(pk=saved.pk))
        assert edit.is_valid(), edit.errors
        edit.save()
        assert Attachment.objects.get(pk=saved.pk).document == name


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
