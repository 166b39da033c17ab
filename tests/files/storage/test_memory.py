"""InMemoryStorage: the filesystem's rules without a disk, and the original name kept."""

from __future__ import annotations

import pytest

from bastion.files import InMemoryStorage, SuspiciousFileName
from bastion.http.uploads import UploadedFile

PDF = b"%PDF-1.7\n..."


def test_round_trip() -> None:
    storage = InMemoryStorage(base_url="/media/")
    name = storage.save(PDF, "../../Relevé.pdf", upload_to="docs")
    assert name.startswith("docs/")
    assert name.endswith(".pdf")
    assert storage.exists(name)
    assert storage.size(name) == len(PDF)
    with storage.open(name) as file:
        assert file.read() == PDF
    assert storage.original_name(name) == "Relevé.pdf"  # display form, never a path
    assert storage.url(name) == f"/media/{name}"
    assert storage.names() == [name]
    storage.delete(name)
    storage.delete(name)  # idempotent
    assert not storage.exists(name)
    assert storage.original_name(name) is None
    with pytest.raises(FileNotFoundError):
        storage.open(name)
    with pytest.raises(FileNotFoundError):
        storage.size(name)


def test_saves_an_uploaded_file() -> None:
    with UploadedFile("f", "a.txt") as upload:
        upload.write(b"hello")
        name = InMemoryStorage().save(upload, upload.raw_filename)
    assert name.endswith(".txt")


@pytest.mark.parametrize("method", ["open", "delete", "exists", "size", "url", "original_name"])
def test_every_method_checks_the_name(method: str) -> None:
    storage = InMemoryStorage(base_url="/m/")
    with pytest.raises(SuspiciousFileName):
        getattr(storage, method)("../secret")
