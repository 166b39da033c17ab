"""A storage in a dictionary, for tests: same rules as the filesystem, nothing on disk."""

from __future__ import annotations

import io
import threading
from typing import BinaryIO

from bastion.files.storage.base import Storage, _Chunks, check_name
from bastion.http.uploads import display_filename

__all__ = ["InMemoryStorage"]


class InMemoryStorage(Storage):
    """Files kept in memory; names are checked exactly as on disk, and originals are kept.

    Args:
        base_url: The URL prefix :meth:`url` uses, or None for no URLs.
    """

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url
        self._files: dict[str, tuple[bytes, str | None]] = {}
        self._lock = threading.Lock()

    def _store(self, name: str, chunks: list[bytes] | _Chunks, original_name: str | None) -> None:
        data = b"".join(chunks)
        shown = display_filename(original_name) if original_name else None
        with self._lock:
            self._files[name] = (data, shown or None)

    def open(self, name: str) -> BinaryIO:
        check_name(name)
        try:
            data, _ = self._files[name]
        except KeyError:
            raise FileNotFoundError(f"No stored file named {name!r}.") from None
        return io.BytesIO(data)

    def delete(self, name: str) -> None:
        check_name(name)
        with self._lock:
            self._files.pop(name, None)

    def exists(self, name: str) -> bool:
        return check_name(name) in self._files

    def size(self, name: str) -> int:
        check_name(name)
        try:
            return len(self._files[name][0])
        except KeyError:
            raise FileNotFoundError(f"No stored file named {name!r}.") from None

    def url(self, name: str) -> str | None:
        if self.base_url is None:
            return super().url(name)
        return self.base_url.rstrip("/") + "/" + check_name(name)

    def original_name(self, name: str) -> str | None:
        entry = self._files.get(check_name(name))
        return entry[1] if entry else None

    def names(self) -> list[str]:
        """Every stored name, sorted (for assertions in tests)."""
        return sorted(self._files)
