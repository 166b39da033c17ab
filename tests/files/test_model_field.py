"""models.FileField on real databases: stored on save, named in the row, undone on rollback."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from scratchdb import VENDORS, scratch_database, tables_on

from bastion.db import Databases, atomic, models
from bastion.db.transaction import get_connection
from bastion.exceptions import ImproperlyConfigured, ValidationError
from bastion.files import FileSystemStorage, InMemoryStorage
from bastion.http.uploads import UploadedFile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
STORAGE: list[FileSystemStorage] = []


class Attachment(models.Model):
    title = models.CharField(max_length=50, unique=True)
    file = models.FileField(storage=lambda: STORAGE[0], upload_to="attachments", blank=True)
    image = models.FileField(
        storage=InMemoryStorage(),
        null=True,
        blank=True,
        allowed_types={"image/png"},
        max_size=1000,
    )

    class Meta:
        app_label = "filestests"


class Boom(Exception):
    pass


def failing_block(*work: Callable[[], object]) -> None:
    """Run ``work`` in ``atomic()``, then raise Boom inside the block."""
    with atomic():
        for step in work:
            step()
        raise Boom


@pytest.fixture(scope="module", params=VENDORS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with scratch_database(request.param, tmp_path_factory, "files") as url:
        yield url


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> FileSystemStorage:
    STORAGE[:] = [FileSystemStorage(tmp_path_factory.mktemp("media"))]
    return STORAGE[0]


@pytest.fixture
def db(database_url: str, storage: FileSystemStorage) -> Iterator[Databases]:
    with tables_on(database_url, [Attachment._meta.table]) as databases:
        try:
            yield databases
        finally:
            for path in storage.root.rglob("*"):
                if path.is_file():
                    path.unlink()


def stored(storage: FileSystemStorage) -> list[str]:
    return sorted(str(p.relative_to(storage.root)) for p in storage.root.rglob("*") if p.is_file())


def test_round_trip(db: Databases, storage: FileSystemStorage) -> None:
    with UploadedFile("file", "../../etc/passwd.png", content_type="image/png") as upload:
        upload.write(PNG)
        row = Attachment(title="a", file=upload)
        row.save()
    name = row.file
    assert isinstance(name, str)
    assert name.startswith("attachments/")
    assert name.endswith(".png")
    assert "passwd" not in name
    assert stored(storage) == [name]
    again = Attachment.objects.get(pk=row.pk)
    assert again.file == name
    with Attachment._meta.get_field("file").storage.open(again.file) as file:
        assert file.read() == PNG
    row.title = "renamed"
    row.save()  # a name is not stored again
    assert stored(storage) == [name]


def test_bytes_and_file_objects(db: Databases, storage: FileSystemStorage) -> None:
    one = Attachment.objects.create(title="bytes", file=b"plain text")
    two = Attachment.objects.create(title="stream", file=io.BytesIO(PNG))
    assert one.file.endswith(".txt")
    assert two.file.endswith(".png")
    assert stored(storage) == sorted([one.file, two.file])


def test_rollback_deletes_the_stored_file(db: Databases, storage: FileSystemStorage) -> None:
    row = Attachment(title="a", file=PNG)
    seen: list[list[str]] = []
    with pytest.raises(Boom):
        failing_block(row.save, lambda: seen.append(stored(storage)))
    assert len(seen[0]) == 1
    assert stored(storage) == []
    assert Attachment.objects.count() == 0
    assert row.file == PNG  # the content is back: a retried save stores it again
    with atomic():
        row.save()
    assert stored(storage) == [row.file]


def test_failed_insert_deletes_the_stored_file(db: Databases, storage: FileSystemStorage) -> None:
    Attachment.objects.create(title="taken")
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        Attachment.objects.create(title="taken", file=PNG)
    assert stored(storage) == []


def test_savepoint_rollback_deletes_only_its_files(
    db: Databases, storage: FileSystemStorage
) -> None:
    with atomic():
        kept = Attachment.objects.create(title="kept", file=PNG)
        with pytest.raises(Boom):
            failing_block(lambda: Attachment.objects.create(title="dropped", file=PNG))
        with atomic():  # a released savepoint hands its hooks to the outer block
            inner = Attachment.objects.create(title="inner", file=PNG)
    assert stored(storage) == sorted([kept.file, inner.file])

    def released_savepoint() -> None:
        with atomic():
            Attachment.objects.create(title="late", file=PNG)

    with pytest.raises(Boom):
        failing_block(released_savepoint)
    assert stored(storage) == sorted([kept.file, inner.file])


def test_abandoned_transaction_runs_rollback_hooks(db: Databases) -> None:
    ran: list[str] = []
    conn = get_connection()
    get_connection().on_rollback(lambda: ran.append("outside"))  # no block: never runs
    block = conn.begin_block(durable=False)
    conn.on_rollback(lambda: ran.append("abandoned"))
    conn.on_rollback(lambda: 1 / 0)  # a failing hook is logged, the others still run
    conn.on_rollback(lambda: ran.append("after"))
    assert block is not None
    conn.release()
    assert ran == ["abandoned", "after"]


def test_update_fields_without_the_file_stores_nothing(
    db: Databases, storage: FileSystemStorage
) -> None:
    row = Attachment.objects.create(title="a")
    row.file = PNG  # type: ignore[assignment]
    row.title = "b"
    row.save(update_fields=["title"])
    assert stored(storage) == []
    row.save(update_fields=["file"])
    assert stored(storage) == [row.file]


def test_bulk_create_refuses_unstored_content(db: Databases) -> None:
    with pytest.raises(ValueError, match=r"only Model\.save"):
        Attachment.objects.bulk_create([Attachment(title="a", file=PNG)])


def test_full_clean_checks_content_and_names(db: Databases) -> None:
    Attachment(title="ok", image=PNG).full_clean()
    with pytest.raises(ValidationError) as info:
        Attachment(title="x", image=b"<html><script>x</script>").full_clean()
    assert "image" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        Attachment(title="x", image=PNG + b"\x00" * 2000).full_clean()
    assert "image" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        Attachment(title="x", file="../../etc/passwd").full_clean()
    assert info.value.message_dict["file"] == ["This is not a valid file name."]


def test_configuration_errors() -> None:
    with pytest.raises(ImproperlyConfigured, match="upload_to"):
        models.FileField(storage=InMemoryStorage(), upload_to="../up")
    with pytest.raises(ImproperlyConfigured, match="max_length"):
        models.FileField(storage=InMemoryStorage(), upload_to="x" * 240)
    with pytest.raises(ImproperlyConfigured, match="no storage"):
        _ = models.FileField().storage


def test_column_and_formfield() -> None:
    field = Attachment._meta.get_field("image")
    assert field.max_length == 255
    assert field.sa_column().type.length == 255  # type: ignore[attr-defined]
    form_field = field.formfield()
    assert type(form_field).__name__ == "FileField"
    assert form_field.required is False
    assert form_field.allowed_types == {"image/png"}
    assert form_field.max_size == 1000
    assert Attachment._meta.get_field("file").formfield(max_size=5).max_size == 5


def test_exported_from_models() -> None:
    from bastion.db.models.fields import FileField, __all__

    assert models.FileField is FileField
    assert "FileField" in __all__
