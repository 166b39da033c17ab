from __future__ import annotations

import pytest

from bastion.http.hosts import host_is_allowed, split_host


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("example.com", ("example.com", "")),
        ("Example.COM:8000", ("example.com", "8000")),
        ("example.com.", ("example.com", "")),
        ("[::1]:8000", ("[::1]", "8000")),
        ("127.0.0.1", ("127.0.0.1", "")),
    ],
)
def test_split_host_valid(raw: str, expected: tuple[str, str]) -> None:
    assert split_host(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "evil.com/path",
        "evil.com@good.com",
        "good.com:80:80",
        "good.com:abc",
        "a b",
        "exa\u00e9mple.com",
        "good.com\r\nX: y",
        "..",
        "a..b",
        ".",
        "[zz]",
        "good.com:123456",
    ],
)
def test_split_host_rejects_malformed(raw: str) -> None:
    assert split_host(raw) is None


@pytest.mark.parametrize(
    ("domain", "allowed", "ok"),
    [
        ("example.com", ["example.com"], True),
        ("www.example.com", [".example.com"], True),
        ("example.com", [".example.com"], True),
        ("evilexample.com", [".example.com"], False),
        ("example.com.evil.com", ["example.com"], False),
        ("anything", ["*"], True),
        ("example.com", ["EXAMPLE.com"], True),
        ("other.com", [], False),
    ],
)
def test_host_is_allowed(domain: str, allowed: list[str], ok: bool) -> None:
    assert host_is_allowed(domain, allowed) is ok
