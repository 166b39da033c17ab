"""Storage names: what check_name accepts, and the random names save() makes."""

from __future__ import annotations

import re

import pytest

from bastion.exceptions import SuspiciousOperation
from bastion.files import InMemoryStorage, SuspiciousFileName, check_name
from bastion.files.storage.base import MAX_NAME_LENGTH, new_name

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
BAD_NAMES = [
    "",
    "..",
    ".",
    "../x",
    "a/../../x",
    "a/./b",
    "/etc/passwd",
    "//server/share",
    "a//b",
    "a/",
    "..\\..\\win.ini",
    "a\\b",
    "C:x",
    "C:\\Windows\\win.ini",
    "x\x00.png",
    ".hidden",
    "a/.htaccess",
    "\uff0e\uff0e\uff0fetc\uff0fpasswd",  # fullwidth "../etc/passwd"
    "\u2024\u2024/x",  # one-dot leaders
    "name with space",
    "caf\u00e9",
    "a\u200b.png",  # zero-width space
    "x" * (MAX_NAME_LENGTH + 1),
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_check_name_refuses(name: str) -> None:
    with pytest.raises(SuspiciousFileName) as info:
        check_name(name)
    assert isinstance(info.value, SuspiciousOperation)
    assert isinstance(info.value, ValueError)
    if len(name) > 2:
        assert name not in str(info.value)  # the hostile name is not echoed


@pytest.mark.parametrize("name", ["a.png", "attachments/2026/Qx3-_z.pdf", "x", "a.b.c"])
def test_check_name_accepts_plain_relative_names(name: str) -> None:
    assert check_name(name) == name


def test_check_name_refuses_non_strings() -> None:
    with pytest.raises(SuspiciousFileName):
        check_name(b"a.png")  # type: ignore[arg-type]


def test_new_names_are_random_and_typed_by_content() -> None:
    names = {new_name("docs", "image/png") for _ in range(100)}
    assert len(names) == 100
    assert all(re.fullmatch(r"docs/[A-Za-z0-9_-]{24}\.png", name) for name in names)
    assert new_name("", "text/html").count(".") == 0  # markup gets no extension
    assert new_name("/a/b/", None).startswith("a/b/")


@pytest.mark.parametrize("prefix", ["../x", "a/../b", "C:\\x", "\uff0e\uff0e"])
def test_new_name_refuses_a_bad_prefix(prefix: str) -> None:
    with pytest.raises(SuspiciousFileName):
        new_name(prefix, None)


def test_base_storage_has_no_url_or_path_by_default() -> None:
    storage = InMemoryStorage()
    name = storage.save(PNG)
    assert storage.url(name) is None
    assert storage.path(name) is None
