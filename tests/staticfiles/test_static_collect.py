"""collectstatic: originals plus hashed copies, a manifest, first folder wins, safe clearing."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.staticfiles import CollectResult, StaticFiles
from bastion.staticfiles import collect as collect_module
from bastion.staticfiles.collect import collect_static

MakeStatic = Callable[..., StaticFiles]
Write = Callable[[Path, str | bytes], Path]


def sha12(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_collect_copies_originals_and_hashed_copies(make_static: MakeStatic) -> None:
    static = make_static()
    result = static.collect()
    css = sha12(b"body { color: red }")
    js = sha12(b"console.log(1)")
    both = sha12(b"from project")
    assert files_under(static.root) == sorted(
        [
            "both.txt",
            f"both.{both}.txt",
            "css/site.css",
            f"css/site.{css}.css",
            "js/app.js",
            f"js/app.{js}.js",
            "staticfiles.json",
        ]
    )
    assert (static.root / f"css/site.{css}.css").read_text() == "body { color: red }"
    assert result == CollectResult(
        copied=3,
        unchanged=0,
        skipped=(),
        manifest={
            "both.txt": f"both.{both}.txt",
            "css/site.css": f"css/site.{css}.css",
            "js/app.js": f"js/app.{js}.js",
        },
        root=static.root,
    )


def test_collect_writes_the_manifest(make_static: MakeStatic) -> None:
    static = make_static()
    result = static.collect()
    data = json.loads((static.root / "staticfiles.json").read_text())
    assert data == {"version": 1, "paths": result.manifest}


def test_collect_first_source_folder_wins(make_static: MakeStatic) -> None:
    static = make_static()
    static.collect()
    assert (static.root / "both.txt").read_text() == "from project"


def test_collect_default_root_is_base_dir_staticfiles(
    make_static: MakeStatic, base_dir: Path
) -> None:
    static = make_static()
    static.collect()
    assert static.root == (base_dir / "staticfiles").resolve()
    assert (base_dir / "staticfiles" / "staticfiles.json").is_file()


def test_collect_second_run_leaves_files_unchanged(make_static: MakeStatic) -> None:
    static = make_static()
    static.collect()
    mtimes = {p: p.stat().st_mtime_ns for p in static.root.rglob("*.css")}
    result = static.collect()
    assert (result.copied, result.unchanged) == (0, 3)
    assert {p: p.stat().st_mtime_ns for p in static.root.rglob("*.css")} == mtimes


def test_collect_copies_changed_files_again(
    make_static: MakeStatic, base_dir: Path, write: Write
) -> None:
    static = make_static()
    static.collect()
    write(base_dir / "static" / "css" / "site.css", "body { color: blue }")
    result = static.collect()
    assert (result.copied, result.unchanged) == (1, 2)
    new = f"css/site.{sha12(b'body { color: blue }')}.css"
    assert result.manifest["css/site.css"] == new
    assert (static.root / new).read_text() == "body { color: blue }"
    assert (static.root / "css/site.css").read_text() == "body { color: blue }"


def test_collect_repairs_a_tampered_copy(make_static: MakeStatic) -> None:
    static = make_static()
    first = static.collect()
    (static.root / first.manifest["js/app.js"]).write_text("tampered")
    result = static.collect()
    assert result.copied == 1
    assert (static.root / first.manifest["js/app.js"]).read_text() == "console.log(1)"


def test_collect_keeps_mtime_and_makes_files_readable(
    make_static: MakeStatic, base_dir: Path
) -> None:
    source = base_dir / "static" / "css" / "site.css"
    os.utime(source, (1_000_000_000, 1_000_000_000))
    source.chmod(0o600)
    static = make_static()
    result = static.collect()
    for name in ("css/site.css", result.manifest["css/site.css"]):
        copied = static.root / name
        assert copied.stat().st_mtime == 1_000_000_000
        assert stat.S_IMODE(copied.stat().st_mode) == 0o644


def test_collect_skips_links_outside_and_reports_them(
    make_static: MakeStatic, base_dir: Path, write: Write
) -> None:
    write(base_dir / "secret.txt", "secret")
    (base_dir / "static" / "leak.txt").symlink_to(base_dir / "secret.txt")
    static = make_static()
    result = static.collect()
    assert result.skipped == (str(static.source_dirs[0] / "leak.txt"),)
    assert "leak.txt" not in result.manifest
    assert not (static.root / "leak.txt").exists()


def test_collect_name_refused_in_one_folder_comes_from_the_next(
    make_static: MakeStatic, base_dir: Path, write: Write
) -> None:
    write(base_dir / "secret.txt", "secret")
    write(base_dir / "app" / "static" / "leak.txt", "app's own")
    (base_dir / "static" / "leak.txt").symlink_to(base_dir / "secret.txt")
    static = make_static()
    result = static.collect()
    assert (static.root / "leak.txt").read_text() == "app's own"
    assert static.find("leak.txt") == static.source_dirs[1] / "leak.txt"
    assert len(result.skipped) == 1


def test_collect_skips_a_source_file_named_like_the_manifest(
    make_static: MakeStatic, base_dir: Path, write: Write
) -> None:
    write(base_dir / "static" / "staticfiles.json", "{}")
    write(base_dir / "static" / "sub" / "staticfiles.json", "{}")
    static = make_static()
    result = static.collect()
    assert result.skipped == (str(static.source_dirs[0] / "staticfiles.json"),)
    assert "sub/staticfiles.json" in result.manifest
    assert json.loads((static.root / "staticfiles.json").read_text())["version"] == 1


def test_collect_ignores_missing_source_folders(make_static: MakeStatic, base_dir: Path) -> None:
    static = make_static(sources=[base_dir / "nowhere", base_dir / "static"])
    result = static.collect()
    assert set(result.manifest) == {"both.txt", "css/site.css"}


def test_collect_with_no_files_writes_an_empty_manifest(
    make_static: MakeStatic, base_dir: Path
) -> None:
    static = make_static(sources=[])
    result = static.collect()
    assert (result.copied, result.manifest) == (0, {})
    assert files_under(static.root) == ["staticfiles.json"]


def test_collect_leaves_stale_files_without_clear(make_static: MakeStatic, base_dir: Path) -> None:
    static = make_static()
    static.collect()
    (base_dir / "app" / "static" / "js" / "app.js").unlink()
    result = static.collect()
    assert "js/app.js" not in result.manifest
    assert (static.root / "js" / "app.js").exists()


def test_collect_clear_removes_stale_files(make_static: MakeStatic, base_dir: Path) -> None:
    static = make_static()
    static.collect()
    (static.root / "js" / "link").symlink_to(static.root / "css", target_is_directory=True)
    (base_dir / "app" / "static" / "js" / "app.js").unlink()
    result = static.collect(clear=True)
    assert "js/app.js" not in result.manifest
    assert not (static.root / "js").exists()
    assert (base_dir / "static" / "css" / "site.css").exists()
    assert result.copied == 2


@pytest.mark.parametrize("state", ["missing", "empty"])
def test_collect_clear_of_missing_or_empty_root(make_static: MakeStatic, state: str) -> None:
    static = make_static()
    if state == "empty":
        static.root.mkdir()
    assert static.collect(clear=True).copied == 3


def test_collect_clear_refuses_a_folder_that_is_not_a_destination(
    make_static: MakeStatic, write: Write
) -> None:
    static = make_static()
    write(static.root / "precious.txt", "keep me")
    with pytest.raises(ImproperlyConfigured, match="Refusing to clear"):
        static.collect(clear=True)
    assert (static.root / "precious.txt").read_text() == "keep me"


@pytest.mark.parametrize("root", ["static", "static/collected", "."])
def test_collect_refuses_a_root_overlapping_a_source(make_static: MakeStatic, root: str) -> None:
    static = make_static(root=root)
    with pytest.raises(ImproperlyConfigured, match="overlaps"):
        static.collect()


def test_collect_refreshes_urls_of_this_process(
    make_static: MakeStatic, base_dir: Path, write: Write
) -> None:
    static = make_static(manifest=True)
    static.collect()
    with pytest.raises(ValueError, match="collectstatic"):
        static.url("new.css")
    write(base_dir / "static" / "new.css", "new")
    static.collect()
    assert static.url("new.css") == f"/static/new.{sha12(b'new')}.css"


def test_collect_failed_copy_leaves_no_temp_file(
    make_static: MakeStatic, monkeypatch: pytest.MonkeyPatch
) -> None:
    static = make_static()

    def fail(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(collect_module.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        static.collect()
    assert [p for p in static.root.rglob("*") if p.is_file()] == []


def test_collect_static_function_is_what_collect_calls(
    make_static: MakeStatic,
) -> None:
    static = make_static()
    result = collect_static(static.source_dirs, static.root)
    assert result.root == static.root
    assert result.copied == 3
