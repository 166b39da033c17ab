"""Finding static files safely: which names are acceptable and where they live on disk.

A static file's name comes from a URL, so it is untrusted. A name is accepted only if it is
a plain relative path: no ``..``, ``.`` or empty segments, no absolute path or drive letter,
no backslash or NUL. Hidden names (``.env``, ``.git/``) and editor backups (``name~``) are
never found, served or collected. After joining, the real path (symlinks resolved) must
still lie inside the folder it was looked up in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

__all__ = ["check_static_path", "find_in", "iter_files"]

_DRIVE = re.compile(r"[A-Za-z]:")


def check_static_path(path: str) -> tuple[str, ...]:
    """Split a static file's name into its segments, refusing anything but a plain path.

    Raises:
        ValueError: the name could reach outside a static folder, or names a hidden file;
            the message says which rule it broke.
    """
    if not path:
        raise ValueError("A static file name cannot be empty.")
    if "\x00" in path or "\\" in path:
        raise ValueError(f"Static file name {path[:100]!r} holds a NUL or a backslash.")
    if path.startswith("/") or _DRIVE.match(path):
        raise ValueError(
            f"Static file name {path[:100]!r} is absolute; give it relative to the static "
            "folder, e.g. 'css/site.css'."
        )
    parts = tuple(path.split("/"))
    for part in parts:
        if part in ("", ".", ".."):
            raise ValueError(f"Static file name {path[:100]!r} has an empty, '.' or '..' segment.")
        if _hidden(part):
            raise ValueError(
                f"Static file name {path[:100]!r} names a hidden file or a backup; those "
                "are never served."
            )
    return parts


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.endswith("~")


def find_in(directory: Path, path: str) -> Path | None:
    """The file called ``path`` under ``directory`` (which must be resolved), or None.

    None also when the name is refused by :func:`check_static_path`, when it is a folder,
    and when a symlink on the way leads outside ``directory``.
    """
    try:
        parts = check_static_path(path)
        candidate = directory.joinpath(*parts).resolve()
    except (ValueError, OSError, RuntimeError):  # refused name; unreadable or looping link
        return None
    if not candidate.is_relative_to(directory) or not candidate.is_file():
        return None
    return candidate


def iter_files(directory: Path) -> Iterator[tuple[str, Path | None]]:
    """Every file :func:`find_in` would find under ``directory``, by name, in sorted order.

    Symlinks are followed while they stay inside ``directory``; a link back to a folder
    being listed is not followed again, so a link cycle ends. A link that leads outside (or
    loops) is yielded with ``None`` instead of a path, so that the caller can report it.
    Names :func:`check_static_path` refuses (hidden files, backups, names with a
    backslash) are left out.

    Yields:
        ``(name, real_path)`` pairs; ``name`` uses ``/`` between segments.
    """
    yield from _walk(directory, "", directory, frozenset({directory}))


def _walk(
    directory: Path, prefix: str, folder: Path, ancestors: frozenset[Path]
) -> Iterator[tuple[str, Path | None]]:
    with os.scandir(folder) as scan:
        names = sorted(entry.name for entry in scan)
    for entry_name in names:
        name = prefix + entry_name
        try:
            check_static_path(name)
        except ValueError:
            continue
        try:
            real = (folder / entry_name).resolve()
        except (OSError, RuntimeError):  # a symlink loop: report it like a link outside
            yield name, None
            continue
        if not real.is_relative_to(directory):
            yield name, None
        elif real.is_dir():
            # Every name find_in() accepts is listed, aliases included; only a cycle stops.
            if real not in ancestors:
                yield from _walk(directory, name + "/", real, ancestors | {real})
        elif real.is_file():
            yield name, real
