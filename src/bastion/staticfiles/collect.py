"""``collectstatic``: copy every static file into ``STATIC.root``, hashed, with a manifest.

The destination is what nginx serves in production. Each file is written twice: under its
own name (for references that cannot be rewritten) and under a content-hashed name that
``static()`` links to and that can be cached forever.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bastion.exceptions import ImproperlyConfigured
from bastion.staticfiles.finders import iter_files
from bastion.staticfiles.manifest import (
    FILE_MODE,
    MANIFEST_NAME,
    file_digest,
    hashed_name,
    write_manifest,
)

__all__ = ["CollectResult", "collect_static"]


@dataclass(frozen=True, slots=True)
class CollectResult:
    """What a ``collectstatic`` run did."""

    copied: int
    """Files written (new or changed), each under its own and its hashed name."""
    unchanged: int
    """Files already present in the destination with the same content."""
    skipped: tuple[str, ...]
    """Source paths left out: symlinks leading outside their folder (or in a loop), and a
    file called ``staticfiles.json`` at the top of a folder (that name is the manifest's)."""
    manifest: dict[str, str]
    """The manifest written: name → hashed name."""
    root: Path
    """The destination folder."""


def collect_static(sources: Sequence[Path], root: Path, *, clear: bool = False) -> CollectResult:
    """Copy the files of ``sources`` (resolved folders; the first one wins on a name) to
    ``root``, add content-hashed copies and write the manifest last.

    Args:
        sources: the static source folders, in search order.
        root: the destination (``STATIC.root``), resolved.
        clear: delete everything in ``root`` first, so files removed from the sources
            disappear from it too.

    Raises:
        ImproperlyConfigured: ``root`` overlaps a source folder, or ``clear`` was asked for
            a folder that does not look like a collect destination.
    """
    _check_destination(sources, root)
    if clear:
        _clear(root)
    root.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, str] = {}
    skipped: list[str] = []
    copied = unchanged = 0
    for source in sources:
        if not source.is_dir():
            continue
        for name, real in iter_files(source):
            if name in manifest:
                continue
            if real is None or name == MANIFEST_NAME:
                # A later folder may still provide the name, exactly as find() would.
                skipped.append(str(source / name))
                continue
            digest = file_digest(real)
            hashed = hashed_name(name, digest)
            manifest[name] = hashed
            if _holds(root / name, digest) and _holds(root / hashed, digest):
                unchanged += 1
            else:
                _copy(real, root / name)
                _copy(real, root / hashed)
                copied += 1
    write_manifest(root / MANIFEST_NAME, manifest)
    return CollectResult(
        copied=copied, unchanged=unchanged, skipped=tuple(skipped), manifest=manifest, root=root
    )


def _check_destination(sources: Sequence[Path], root: Path) -> None:
    for source in sources:
        if root == source or root.is_relative_to(source) or source.is_relative_to(root):
            raise ImproperlyConfigured(
                f"STATIC.root ({root}) overlaps the static source folder {source}. Collect "
                "into a folder of its own, e.g. STATIC.root='staticfiles' (the default)."
            )


def _clear(root: Path) -> None:
    if not root.exists() or not any(root.iterdir()):
        return
    if not (root / MANIFEST_NAME).is_file():
        raise ImproperlyConfigured(
            f"Refusing to clear {root}: it holds no {MANIFEST_NAME}, so it does not look like "
            "a collectstatic destination. Check STATIC.root, or empty the folder by hand."
        )
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _holds(path: Path, digest: str) -> bool:
    return path.is_file() and file_digest(path) == digest


def _copy(source: Path, destination: Path) -> None:
    """Copy content and modification time (for ``Last-Modified``) atomically."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=destination.parent, prefix=".collect.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, temp)
        stat = source.stat()
        os.utime(temp, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.chmod(temp, FILE_MODE)
        os.replace(temp, destination)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
