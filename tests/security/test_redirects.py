"""Attacks on redirect targets: open redirects and script URLs must never get through."""

from __future__ import annotations

import pytest

from bastion.exceptions import DisallowedRedirect
from bastion.http.response import RedirectResponse
from bastion.security.urls import is_safe_redirect, redirect_host

HOSTS = ["testserver"]

HOSTILE = [
    "//evil.com",
    "///evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "https://evil.com",
    "http://evil.com/path",
    "HTTPS://EVIL.COM",
    " //evil.com",
    "\t//evil.com",
    "/\t/evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "http:evil.com",
    "https://testserver@evil.com",
    "https://evil.com\\@testserver",
    "http://[::1",
    "",
    "\x00/evil",
    "https:///evil.com",
]

SAFE = ["/", "/accounts/profile/", "?next=1", "profile", "https://testserver/x", "#top"]


@pytest.mark.parametrize("url", HOSTILE)
def test_is_safe_redirect_refuses_hostile(url: str) -> None:
    assert not is_safe_redirect(url, allowed_hosts=HOSTS)


@pytest.mark.parametrize("url", SAFE)
def test_is_safe_redirect_accepts_same_site(url: str) -> None:
    assert is_safe_redirect(url, allowed_hosts=HOSTS)


def test_is_safe_redirect_require_https() -> None:
    assert not is_safe_redirect("http://testserver/x", allowed_hosts=HOSTS, require_https=True)
    assert is_safe_redirect("https://testserver/x", allowed_hosts=HOSTS, require_https=True)
    assert is_safe_redirect("/x", allowed_hosts=HOSTS, require_https=True)


def test_redirect_host_classifies() -> None:
    assert redirect_host("/x") == (True, None)
    assert redirect_host("https://Example.com/x") == (True, "example.com")
    assert redirect_host("javascript:x") == (False, None)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:,x", "\x00/", "", "///evil.com", "http:evil.com"]
)
def test_redirect_response_refuses_unsafe_schemes(url: str) -> None:
    with pytest.raises(DisallowedRedirect):
        RedirectResponse(url)


def test_redirect_response_records_target_host() -> None:
    response = RedirectResponse("https://partner.example/x", allowed_hosts=["Partner.example"])
    assert response.target_host == "partner.example"
    assert response.allowed_hosts == frozenset({"partner.example"})
    assert RedirectResponse("/local").target_host is None
