"""The manifest: hashed names, atomic writing, strict reading."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.staticfiles import manifest as manifest_module
from bastion.staticfiles.manifest import (
    HASH_LENGTH,
    MANIFEST_NAME,
    file_digest,
    hashed_name,
    read_manifest,
    write_manifest,
)

DIGEST = "3f2a9c81b7d0" + "e" * 52


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("css/site.css", "css/site.3f2a9c81b7d0.css"),
        ("site.css", "site.3f2a9c81b7d0.css"),
        ("LICENSE", "LICENSE.3f2a9c81b7d0"),
        ("js/app.min.js", "js/app.min.3f2a9c81b7d0.js"),
        ("archive.tar.gz", "archive.tar.3f2a9c81b7d0.gz"),
        ("a/b/c/名前.svg", "a/b/c/名前.3f2a9c81b7d0.svg"),
    ],
)
def test_hashed_name_inserts_twelve_hex_digits(name: str, expected: str) -> None:
    assert hashed_name(name, DIGEST) == expected
    assert HASH_LENGTH == 12


def test_file_digest_is_sha256_of_the_content(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    data = os.urandom(300_000)
    path.write_bytes(data)
    assert file_digest(path) == hashlib.sha256(data).hexdigest()


def test_write_manifest_round_trips(tmp_path: Path) -> None:
    path = tmp_path / MANIFEST_NAME
    write_manifest(path, {"b.css": "b.111111111111.css", "a.css": "a.222222222222.css"})
    data = json.loads(path.read_text())
    assert data == {
        "version": 1,
        "paths": {"a.css": "a.222222222222.css", "b.css": "b.111111111111.css"},
    }
    assert list(data["paths"]) == ["a.css", "b.css"]
    assert read_manifest(path) == data["paths"]


def test_write_manifest_is_world_readable_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / MANIFEST_NAME
    write_manifest(path, {})
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST_NAME]


def test_write_manifest_keeps_old_manifest_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / MANIFEST_NAME
    write_manifest(path, {"old.css": "old.000000000000.css"})

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(manifest_module.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_manifest(path, {"new.css": "new.000000000000.css"})
    assert read_manifest(path) == {"old.css": "old.000000000000.css"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST_NAME]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "unreadable"),
        ("[1, 2]", "not a version 1 manifest"),
        ('{"version": 2, "paths": {}}', "not a version 1 manifest"),
        ('{"paths": {}}', "not a version 1 manifest"),
        ('{"version": 1}', "no 'paths' object"),
        ('{"version": 1, "paths": []}', "no 'paths' object"),
        ('{"version": 1, "paths": {"a.css": 3}}', "not a string"),
        ('{"version": 1, "paths": {"../a.css": "a.css"}}', "'..'"),
        ('{"version": 1, "paths": {"a.css": "/etc/passwd"}}', "absolute"),
        (b"\xff\xfe", "unreadable"),
    ],
)
def test_read_manifest_refuses_bad_manifests(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / MANIFEST_NAME
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ImproperlyConfigured, match=message) as info:
        read_manifest(path)
    assert "bastion collectstatic" in str(info.value)


def test_read_manifest_missing_says_to_collect(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="does not exist") as info:
        read_manifest(tmp_path / MANIFEST_NAME)
    assert "bastion collectstatic" in str(info.value)


def test_read_manifest_unreadable_path(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).mkdir()
    with pytest.raises(ImproperlyConfigured, match="unreadable"):
        read_manifest(tmp_path / MANIFEST_NAME)
