from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bastion.http.cookies import format_set_cookie, parse_cookie_header


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a=1; b=2", {"a": "1", "b": "2"}),
        ('a="quoted"', {"a": "quoted"}),
        ("a=1; a=2", {"a": "1"}),
        ("garbage; a=1; =nope; ;", {"a": "1"}),
        ("", {}),
        ("a=b=c", {"a": "b=c"}),
    ],
)
def test_parse_cookie_header_is_lenient(header: str, expected: dict[str, str]) -> None:
    assert parse_cookie_header(header) == expected


def test_format_set_cookie_secure_defaults() -> None:
    value = format_set_cookie("sid", "abc")
    assert value == "sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax"


def test_format_set_cookie_all_attributes() -> None:
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    value = format_set_cookie(
        "__Secure-x",
        "v",
        max_age=timedelta(seconds=60),
        expires=expires,
        domain="example.com",
        samesite="None",
        httponly=False,
        partitioned=True,
    )
    assert "Max-Age=60" in value
    assert "Expires=Tue, 01 Jan 2030 00:00:00 GMT" in value
    assert "Domain=example.com" in value
    assert "HttpOnly" not in value
    assert value.endswith("SameSite=None; Partitioned")


def test_format_set_cookie_max_age_sets_expires_and_clamps() -> None:
    value = format_set_cookie("a", "", max_age=-5, samesite=None, path=None)
    assert "Max-Age=0" in value
    assert "Expires=" in value
    assert "Path" not in value
    assert "SameSite" not in value


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "bad name", "value": "v"}, "token"),
        ({"name": "a", "value": "x; Domain=evil.com"}, "encode"),
        ({"name": "a", "value": "x\r\nSet-Cookie: y=1"}, "encode"),
        ({"name": "a", "value": "v", "path": "/; Domain=evil"}, "path"),
        ({"name": "a", "value": "v", "domain": "a.com\n"}, "domain"),
        ({"name": "a", "value": "v", "samesite": "Sometimes"}, "samesite"),
        ({"name": "a", "value": "v", "samesite": "None", "secure": False}, "Secure"),
        ({"name": "__Host-a", "value": "v", "domain": "a.com"}, "__Host-"),
        ({"name": "__Host-a", "value": "v", "path": "/x"}, "__Host-"),
        ({"name": "__Secure-a", "value": "v", "secure": False}, "__Secure-"),
        ({"name": "a", "value": "v", "expires": datetime(2030, 1, 1)}, "timezone"),
    ],
)
def test_format_set_cookie_refuses_unsafe(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        format_set_cookie(**kwargs)  # type: ignore[arg-type]
