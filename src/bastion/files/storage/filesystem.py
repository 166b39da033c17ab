"""Files in a directory: random names, checked paths, atomic writes.

Every name is checked twice: by :func:`~bastion.files.storage.base.check_name` (its
characters) and after resolving symbolic links (the real path must stay inside the root),
so neither a crafted name nor a symlink planted in the directory can reach outside it.
A file appears under its final name only once it is complete and on disk.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from bastion.files.storage.base import Storage, SuspiciousFileName, _Chunks, check_name

__all__ = ["FileSystemStorage"]

_TEMP_PREFIX = ".upload-"  # never a valid storage name: check_name refuses a leading dot


class FileSystemStorage(Storage):
    """Files under the directory ``root``, which is created when first needed.

    The original client name is not stored anywhere: keep it in your own column if you
    want to show it (``display_filename(upload.raw_filename)``).

    Security: do not let a web server serve ``root`` directly unless you trust every file
    in it; serve uploads through a view that checks permission (:func:`bastion.files.serve`),
    optionally handing the bytes to nginx with ``X-Accel-Redirect``.

    Args:
        root: The directory.
        base_url: The URL prefix of :meth:`url` (e.g. ``"/media/"``), or None for no URLs.
        permissions: The mode of new files (owner read/write, group read by default).
        directory_permissions: The mode of new directories.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        base_url: str | None = None,
        *,
        permissions: int = 0o640,
        directory_permissions: int = 0o750,
    ) -> None:
        self.root = Path(root).resolve()
        self.base_url = base_url
        self.permissions = permissions
        self.directory_permissions = directory_permissions

    def __repr__(self) -> str:
        return f"<FileSystemStorage root={str(self.root)!r}>"

    def path(self, name: str) -> str:
        """The absolute path of ``name``, checked to resolve inside the root.

        Raises:
            SuspiciousFileName: The name is malformed or resolves outside the root.
        """
        return str(self._resolve(name))

    def _resolve(self, name: str) -> Path:
        check_name(name)
        resolved = (self.root / name).resolve()
        if not resolved.is_relative_to(self.root) or resolved == self.root:
            raise SuspiciousFileName("Refused a storage name that resolves outside the root.")
        return resolved

    def _store(self, name: str, chunks: list[bytes] | _Chunks, original_name: str | None) -> None:
        target = self._resolve(name)
        os.makedirs(target.parent, mode=self.directory_permissions, exist_ok=True)
        # The directories may have existed already, as symlinks: check again once created.
        target = self._resolve(name)
        fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as file:
                for chunk in chunks:
                    file.write(chunk)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temp, self.permissions)
            os.replace(temp, target)
        except BaseException:
            # A failed or interrupted write leaves nothing: no final file, no temp file.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        _fsync_directory(target.parent)

    def open(self, name: str) -> BinaryIO:
        return open(self._resolve(name), "rb")

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._resolve(name))

    def exists(self, name: str) -> bool:
        return self._resolve(name).is_file()

    def size(self, name: str) -> int:
        return self._resolve(name).stat().st_size

    def url(self, name: str) -> str | None:
        if self.base_url is None:
            return super().url(name)
        return self.base_url.rstrip("/") + "/" + quote(check_name(name))


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
