"""Safe names and safe lookups of static files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bastion.staticfiles.finders import check_static_path, find_in, iter_files

Write = Callable[[Path, str | bytes], Path]


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        ("a.css", ("a.css",)),
        ("css/site.css", ("css", "site.css")),
        ("deep/er/x.min.js", ("deep", "er", "x.min.js")),
        ("名前/ファイル.css", ("名前", "ファイル.css")),
        ("with space.txt", ("with space.txt",)),
        ("a..b.css", ("a..b.css",)),
        ("ab:c.css", ("ab:c.css",)),
    ],
)
def test_check_static_path_accepts_plain_relative_names(path: str, parts: tuple[str, ...]) -> None:
    assert check_static_path(path) == parts


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("", "empty"),
        ("/etc/passwd", "absolute"),
        ("//host/share", "absolute"),
        ("C:/Windows/win.ini", "absolute"),
        ("c:win.ini", "absolute"),
        ("..", "'..'"),
        ("../secret", "'..'"),
        ("css/../../secret", "'..'"),
        ("css/..", "'..'"),
        ("./a.css", "'.'"),
        ("a/./b.css", "'.'"),
        ("a//b.css", "empty"),
        ("css/", "empty"),
        ("a\\b.css", "backslash"),
        ("\\..\\secret", "backslash"),
        ("..\\secret", "backslash"),
        ("a\x00.css", "NUL"),
        (".env", "hidden"),
        ("a/.git/config", "hidden"),
        (".htaccess", "hidden"),
        ("...x", "hidden"),
        ("site.css~", "backup"),
    ],
)
def test_check_static_path_refuses_unsafe_names(path: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_static_path(path)


def test_check_static_path_truncates_long_names_in_messages() -> None:
    with pytest.raises(ValueError, match="absolute") as info:
        check_static_path("/" + "x" * 5000)
    assert len(str(info.value)) < 300


@pytest.fixture
def folder(tmp_path: Path, write: Write) -> Path:
    root = tmp_path / "static"
    write(root / "a.css", "a")
    write(root / "sub" / "b.js", "b")
    write(tmp_path / "outside.txt", "secret")
    return root.resolve()


def test_find_in_finds_files(folder: Path) -> None:
    assert find_in(folder, "a.css") == folder / "a.css"
    assert find_in(folder, "sub/b.js") == folder / "sub" / "b.js"


@pytest.mark.parametrize(
    "name", ["sub", "missing.css", "sub/missing.js", "../outside.txt", ".hidden"]
)
def test_find_in_returns_none_for_non_files_and_refused_names(
    folder: Path, name: str, write: Write
) -> None:
    write(folder / ".hidden", "h")
    assert find_in(folder, name) is None


def test_find_in_follows_symlinks_that_stay_inside(folder: Path) -> None:
    (folder / "alias.css").symlink_to(folder / "a.css")
    (folder / "subalias").symlink_to(folder / "sub", target_is_directory=True)
    assert find_in(folder, "alias.css") == folder / "a.css"
    assert find_in(folder, "subalias/b.js") == folder / "sub" / "b.js"


def test_find_in_refuses_symlinks_leading_outside(folder: Path) -> None:
    (folder / "leak.txt").symlink_to(folder.parent / "outside.txt")
    (folder / "etc").symlink_to("/etc", target_is_directory=True)
    assert find_in(folder, "leak.txt") is None
    assert find_in(folder, "etc/passwd") is None


def test_find_in_survives_symlink_loops(folder: Path) -> None:
    (folder / "loop1").symlink_to(folder / "loop2")
    (folder / "loop2").symlink_to(folder / "loop1")
    assert find_in(folder, "loop1") is None


def test_find_in_treats_unreadable_paths_as_missing(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Path, strict: bool = False) -> Path:
        raise PermissionError("denied")

    monkeypatch.setattr(Path, "resolve", broken)
    assert find_in(folder, "a.css") is None


def test_iter_files_lists_files_sorted_by_name(folder: Path, write: Write) -> None:
    write(folder / "z.txt", "z")
    write(folder / "sub" / "deeper" / "c.txt", "c")
    names = [name for name, _ in iter_files(folder)]
    assert names == ["a.css", "sub/b.js", "sub/deeper/c.txt", "z.txt"]
    assert dict(iter_files(folder))["sub/b.js"] == folder / "sub" / "b.js"


def test_iter_files_skips_hidden_backup_and_refused_names(folder: Path, write: Write) -> None:
    write(folder / ".env", "SECRET=1")
    write(folder / ".git" / "config", "x")
    write(folder / "a.css~", "old")
    write(folder / "back\\slash.txt", "x")
    write(folder / "sub" / ".DS_Store", "x")
    assert [name for name, _ in iter_files(folder)] == ["a.css", "sub/b.js"]


def test_iter_files_reports_links_leading_outside(folder: Path) -> None:
    (folder / "leak.txt").symlink_to(folder.parent / "outside.txt")
    (folder / "etc").symlink_to("/etc", target_is_directory=True)
    found = dict(iter_files(folder))
    assert found["leak.txt"] is None
    assert found["etc"] is None
    assert not any(name.startswith("etc/") for name in found)


def test_iter_files_lists_every_name_find_in_accepts(folder: Path) -> None:
    (folder / "again").symlink_to(folder / "sub", target_is_directory=True)
    found = dict(iter_files(folder))
    assert list(found) == ["a.css", "again/b.js", "sub/b.js"]
    assert found["again/b.js"] == found["sub/b.js"] == find_in(folder, "again/b.js")


def test_iter_files_stops_at_link_cycles(folder: Path) -> None:
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    (folder / "sub" / "self").symlink_to(folder / "sub", target_is_directory=True)
    assert [name for name, _ in iter_files(folder)] == ["a.css", "sub/b.js"]


def test_iter_files_reports_symlink_loops(folder: Path) -> None:
    (folder / "loop1").symlink_to(folder / "loop2")
    (folder / "loop2").symlink_to(folder / "loop1")
    found = dict(iter_files(folder))
    assert found["loop1"] is None
    assert found["loop2"] is None


def test_iter_files_skips_special_files(folder: Path) -> None:
    os.mkfifo(folder / "pipe")
    assert "pipe" not in dict(iter_files(folder))
