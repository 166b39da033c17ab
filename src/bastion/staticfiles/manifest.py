"""The manifest: which content-hashed name ``collectstatic`` gave each static file.

``staticfiles.json`` in ``STATIC.root`` reads ``{"version": 1, "paths": {"css/site.css":
"css/site.3f2a9c81b7d0.css"}}``. A hashed name changes whenever the content does, so it can
be cached for a year (``immutable``) and a deploy never serves stale CSS.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from bastion.exceptions import ImproperlyConfigured
from bastion.staticfiles.finders import check_static_path

__all__ = [
    "HASH_LENGTH",
    "MANIFEST_NAME",
    "MANIFEST_VERSION",
    "file_digest",
    "hashed_name",
    "read_manifest",
    "write_manifest",
]

MANIFEST_NAME = "staticfiles.json"
"""The manifest's file name inside ``STATIC.root``."""
MANIFEST_VERSION = 1
"""Format version written; a manifest of another version is refused, not guessed at."""
HASH_LENGTH = 12
"""Hex digits of SHA-256 in a hashed name: 48 bits, ample to tell versions of a file apart."""

FILE_MODE = 0o644
"""Collected files are readable by the web server (nginx) whatever the umask."""


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's content, in hex, read in chunks."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def hashed_name(name: str, digest: str) -> str:
    """``css/site.css`` → ``css/site.<12 hex digits>.css``; ``LICENSE`` → ``LICENSE.<hex>``."""
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest[:HASH_LENGTH]}{path.suffix}"))


def read_manifest(path: Path) -> dict[str, str]:
    """The name → hashed-name mapping stored at ``path``.

    Raises:
        ImproperlyConfigured: the manifest is missing, unreadable, of another version, or
            holds a name that is not a plain relative path; the message says to run
            ``bastion collectstatic``.
    """
    fix = "Run `bastion collectstatic` (it writes the manifest) before starting the server."
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"The static files manifest {path} does not exist, and STATIC.manifest is on "
            f"(by default it is whenever DEBUG is off). {fix}"
        ) from None
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"The static files manifest {path} is unreadable: {exc}. {fix}"
        ) from None
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        raise ImproperlyConfigured(
            f"The static files manifest {path} is not a version {MANIFEST_VERSION} manifest. {fix}"
        )
    paths = data.get("paths")
    if not isinstance(paths, dict):
        raise ImproperlyConfigured(f"The static files manifest {path} has no 'paths' object. {fix}")
    for name, hashed in paths.items():
        problem = _entry_problem(name, hashed)
        if problem is not None:
            raise ImproperlyConfigured(
                f"The static files manifest {path} has a bad entry {name!r}: {problem} {fix}"
            )
    return paths


def _entry_problem(name: str, hashed: object) -> str | None:
    if not isinstance(hashed, str):
        return "its hashed name is not a string."
    try:
        check_static_path(name)
        check_static_path(hashed)
    except ValueError as exc:
        return str(exc)
    return None


def write_manifest(path: Path, paths: Mapping[str, str]) -> None:
    """Write the manifest atomically: readers see the old one or the new one, never half.

    The content goes to a temporary file beside ``path`` that then replaces it.
    """
    content = json.dumps(
        {"version": MANIFEST_VERSION, "paths": dict(sorted(paths.items()))}, indent=1
    )
    write_atomically(path, content.encode("utf-8"))


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, FILE_MODE)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
