"""Tests for bastion.http.uploads: display names and UploadedFile, plus docs/uploads.md."""

from __future__ import annotations

import doctest
import os
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.http.datastructures import MultiDict
from bastion.http.uploads import MAX_FILENAME_LENGTH, UploadedFile, display_filename

DOCS = Path(__file__).resolve().parents[2] / "docs" / "uploads.md"


def rolled(upload: UploadedFile) -> bool:
    """Whether the upload moved from memory to a temporary file."""
    return bool(upload._file._rolled)  # type: ignore[attr-defined]


# -- display_filename -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("  spaced name.txt  ", "spaced name.txt"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\win.ini", "win.ini"),
        ("C:\\Users\\me\\boot.ini", "boot.ini"),
        ("/abs/path", "path"),
        ("dir/sub\\mixed/name.txt", "name.txt"),
        ("passwd\x00.png", "passwd.png"),
        ("a\r\nb\tc\x1b[31m.txt", "abc[31m.txt"),
        ("gpj\u202e.exe", "gpj.exe"),  # RIGHT-TO-LEFT OVERRIDE removed.
        ("line\u2028break", "linebreak"),
        ("cafe\u0301.txt", "caf\u00e9.txt"),  # NFC.
        ("e\u200b\u0301", "\u00e9"),  # Removal, then NFC.
        ("\u00e9t\u00e9.jpg", "\u00e9t\u00e9.jpg"),
        ("", ""),
        ("   ", ""),
        ("dir/", ""),
        (".", ""),
        ("..", ""),
        ("...", ""),
        ("../..", ""),
        ("\x00\x01", ""),
        (".bashrc", ".bashrc"),
    ],
)
def test_display_filename_reduces_to_a_safe_display_name(raw: str, expected: str) -> None:
    assert display_filename(raw) == expected


def test_display_filename_truncates_keeping_the_extension() -> None:
    name = display_filename("a" * 300 + ".tar.gz")
    assert len(name) == MAX_FILENAME_LENGTH
    assert name.endswith("aaa.gz")


@pytest.mark.parametrize(
    "raw", ["a" * 300, "a" * 300 + "." + "b" * 40, "." + "a" * 300, " " * 250 + "x" * 300]
)
def test_display_filename_truncates_without_extension(raw: str) -> None:
    name = display_filename(raw)
    assert 0 < len(name) <= MAX_FILENAME_LENGTH
    assert name == name.strip()


def test_display_filename_truncation_that_leaves_only_dots_is_empty() -> None:
    assert display_filename("." * 254 + " " + "x" * 40) == ""


@given(st.text(max_size=400))
def test_display_filename_output_is_always_safe(raw: str) -> None:
    name = display_filename(raw)
    assert "/" not in name
    assert "\\" not in name
    assert len(name) <= MAX_FILENAME_LENGTH
    assert name == name.strip()
    assert name not in {".", ".."}
    assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Zl", "Zp"} for ch in name)
    assert display_filename(name) == name


# -- UploadedFile -----------------------------------------------------------------------------


def test_uploaded_file_keeps_its_metadata() -> None:
    headers = MultiDict([("content-type", "image/png")])
    with UploadedFile("avatar", "../me.png", content_type="image/png", headers=headers) as upload:
        assert upload.field_name == "avatar"
        assert upload.raw_filename == "../me.png"
        assert upload.filename == "me.png"
        assert upload.content_type == "image/png"
        assert upload.headers is headers
        assert upload.size == 0
        assert repr(upload) == "<UploadedFile field_name='avatar' filename='me.png' size=0>"


def test_uploaded_file_defaults() -> None:
    with UploadedFile("f", "x.bin") as upload:
        assert upload.content_type == "application/octet-stream"
        assert upload.headers == MultiDict()


def test_uploaded_file_reads_what_was_written() -> None:
    with UploadedFile("f", "x.bin") as upload:
        assert upload.write(b"hello ") == 6
        assert upload.write(memoryview(b"world")) == 5
        assert upload.size == 11
        assert upload.tell() == 11
        assert upload.seek(0) == 0
        assert upload.read(5) == b"hello"
        assert upload.read() == b" world"
        assert upload.seek(-5, os.SEEK_END) == 6
        assert upload.read() == b"world"


@pytest.mark.parametrize(("size", "expected"), [(1, 11), (4, 3), (100, 1)])
def test_uploaded_file_chunks_start_from_the_beginning(size: int, expected: int) -> None:
    with UploadedFile("f", "x.bin") as upload:
        upload.write(b"hello world")
        upload.seek(5)
        chunks = list(upload.chunks(size))
        assert b"".join(chunks) == b"hello world"
        assert len(chunks) == expected


@pytest.mark.parametrize("size", [0, -1])
def test_uploaded_file_chunks_rejects_non_positive_size(size: int) -> None:
    with UploadedFile("f", "x.bin") as upload, pytest.raises(ValueError, match="positive"):
        next(upload.chunks(size))


def test_uploaded_file_stays_in_memory_up_to_the_threshold(tmp_path: Path) -> None:
    with UploadedFile("f", "x", spool_threshold=10, temp_dir=str(tmp_path)) as upload:
        upload.write(b"x" * 10)
        assert not rolled(upload)
        upload.write(b"x")
        assert rolled(upload)
        upload.seek(0)
        assert upload.read() == b"x" * 11


def test_uploaded_file_zero_threshold_goes_to_disk_at_once(tmp_path: Path) -> None:
    with UploadedFile("f", "x", spool_threshold=0, temp_dir=str(tmp_path)) as upload:
        assert rolled(upload)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_uploaded_file_spools_into_temp_dir(tmp_path: Path) -> None:
    with UploadedFile("f", "x", spool_threshold=0, temp_dir=str(tmp_path)) as upload:
        fd = upload._file.fileno()
        assert os.readlink(f"/proc/self/fd/{fd}").startswith(str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_uploaded_file_rejects_negative_threshold() -> None:
    with pytest.raises(ValueError, match="spool_threshold"):
        UploadedFile("f", "x", spool_threshold=-1)


@pytest.mark.parametrize("threshold", [0, 1024])
def test_uploaded_file_close_is_idempotent_and_final(threshold: int, tmp_path: Path) -> None:
    upload = UploadedFile("f", "x", spool_threshold=threshold, temp_dir=str(tmp_path))
    upload.write(b"secret")
    states = [upload.closed]
    upload.close()
    upload.close()
    states.append(upload.closed)
    assert states == [False, True]
    with pytest.raises(ValueError, match="closed file"):
        upload.read()
    assert list(tmp_path.iterdir()) == []


def test_uploaded_file_context_manager_closes_on_error() -> None:
    upload = UploadedFile("f", "x")
    with pytest.raises(RuntimeError), upload:
        raise RuntimeError("boom")
    assert upload.closed


# -- docs/uploads.md --------------------------------------------------------------------------


def test_uploads_docs_examples_run() -> None:
    result = doctest.testfile(
        str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted > 0
    assert result.failed == 0
