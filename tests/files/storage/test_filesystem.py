"""FileSystemStorage: names inside the root, atomic writes, symlinks that lead out."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from bastion.files import FileSystemStorage, SuspiciousFileName
from bastion.http.uploads import UploadedFile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


class Exploding(io.RawIOBase):
    """A source that fails after its first chunk: a client gone, a disk full."""

    def __init__(self) -> None:
        self.calls = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def read(self, size: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 2:  # the sniff read, then one chunk, then the failure
            raise OSError("connection lost")
        return PNG


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_round_trip(tmp_path: Path) -> None:
    storage = FileSystemStorage(tmp_path / "media", base_url="/media/")
    name = storage.save(PNG, "holiday.png", upload_to="photos")
    assert name.startswith("photos/")
    assert name.endswith(".png")
    assert "holiday" not in name
    path = Path(storage.path(name))
    assert path.read_bytes() == PNG
    assert path.is_relative_to((tmp_path / "media").resolve())
    assert storage.exists(name)
    assert storage.size(name) == len(PNG)
    with storage.open(name) as file:
        assert file.read() == PNG
    assert storage.url(name) == f"/media/{name}"
    assert storage.original_name(name) is None  # nothing of the client's name is kept
    storage.delete(name)
    storage.delete(name)
    assert not storage.exists(name)
    with pytest.raises(FileNotFoundError):
        storage.open(name)
    assert "FileSystemStorage" in repr(storage)


def test_permissions_and_large_uploads(tmp_path: Path) -> None:
    storage = FileSystemStorage(tmp_path, permissions=0o600)
    with UploadedFile("f", "big.bin", spool_threshold=0) as upload:
        for _ in range(40):
            upload.write(b"\x00\x01" * 32768)
        name = storage.save(upload)
    assert storage.size(name) == 40 * 65536
    assert stat.S_IMODE(os.stat(storage.path(name)).st_mode) == 0o600
    assert "." not in name  # unknown content: no extension at all


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    storage = FileSystemStorage(tmp_path)
    with pytest.raises(OSError, match="connection lost"):
        storage.save(Exploding(), upload_to="docs")  # type: ignore[arg-type]
    assert files_under(tmp_path) == []  # neither a partial final file nor a temp file


def test_a_symlinked_directory_cannot_lead_outside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (root / "docs").symlink_to(outside, target_is_directory=True)
    storage = FileSystemStorage(root)
    for call in (storage.open, storage.path, storage.exists, storage.size, storage.delete):
        with pytest.raises(SuspiciousFileName):
            call("docs/secret.txt")
    with pytest.raises(SuspiciousFileName):
        storage.save(PNG, upload_to="docs")
    assert (outside / "secret.txt").read_text() == "secret"
    assert [p.name for p in outside.iterdir()] == ["secret.txt"]


def test_a_symlinked_file_cannot_lead_outside(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("secret")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.txt").symlink_to(tmp_path / "secret")
    with pytest.raises(SuspiciousFileName):
        FileSystemStorage(root).open("link.txt")


def test_the_root_itself_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(SuspiciousFileName):
        FileSystemStorage(tmp_path).path("sub/up")


def test_no_url_without_base_url(tmp_path: Path) -> None:
    storage = FileSystemStorage(tmp_path)
    assert storage.url(storage.save(PNG)) is None
