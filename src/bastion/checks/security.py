"""Checks of the security layer: one message, with an ID and a fix, per control that is off
or weak (HSTS, the HTTPS redirect, CSP, per-view exemptions, where shared state is kept)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from bastion.checks.messages import Check, CheckMessage
from bastion.viewoptions import get_view_options

if TYPE_CHECKING:
    from bastion.app import Bastion

__all__ = [
    "SECURITY_CHECKS",
    "check_csp",
    "check_exempt_views",
    "check_hsts",
    "check_shared_state",
    "check_ssl_redirect",
    "check_trusted_origins",
]

_UNSAFE_SCRIPT_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:")


def check_hsts(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W007: HSTS is off or short (deploy only)."""
    seconds = app.settings.SECURITY.hsts_seconds
    if deploy and seconds < 180 * 24 * 3600:
        yield CheckMessage(
            "bastion.W007",
            "WARNING",
            "HSTS is off." if seconds == 0 else f"HSTS lasts only {seconds} seconds.",
            "Keep SECURITY.hsts_seconds at its default (one year) once the whole site is "
            "served over HTTPS.",
        )


def check_ssl_redirect(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W008: plain HTTP is not redirected to HTTPS (deploy only)."""
    redirect = app.settings.SECURITY.ssl_redirect
    if deploy and redirect is False:  # None with DEBUG on is reported as W001
        yield CheckMessage(
            "bastion.W008",
            "WARNING",
            "Plain-HTTP requests are served instead of being redirected to HTTPS.",
            "Leave SECURITY.ssl_redirect unset (on when DEBUG is off); exempt health probes "
            "with SECURITY.ssl_redirect_exempt.",
        )


def check_csp(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W009 (CSP off) and bastion.W010 (script-src allows injected scripts)."""
    csp = app.settings.CSP
    if not csp.enabled:
        yield CheckMessage(
            "bastion.W009",
            "WARNING",
            "The Content Security Policy is switched off (CSP.enabled=False).",
            "Switch it back on; trial a stricter policy with CSP.report_only_directives.",
        )
        return
    scripts = csp.directives.get("script-src", csp.directives.get("default-src", ()))
    weak = [source for source in scripts if source.lower() in _UNSAFE_SCRIPT_SOURCES]
    if weak:
        yield CheckMessage(
            "bastion.W010",
            "WARNING",
            f"The CSP script-src allows {', '.join(weak)}, so an injected script can run.",
            "Use nonces ({{ csp_nonce() }} on <script> tags) with 'strict-dynamic' instead.",
        )


def check_exempt_views(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W011: every view exempted from CSRF, CSP or frame protection (deploy only)."""
    if not deploy:
        return
    for info in app.router.routes():
        options = get_view_options(info.view)
        exemptions: list[str] = []
        if options.get("csrf_exempt"):
            exemptions.append(f"CSRF ({options['csrf_exempt']})")
        csp = options.get("csp")
        if csp is not None and getattr(csp, "exempt", None):
            exemptions.append(f"CSP ({csp.exempt})")
        frame = options.get("xframe_options")
        if frame is not None and getattr(frame, "mode", None) == "EXEMPT":
            exemptions.append(f"frame protection ({frame.reason})")
        if exemptions:
            yield CheckMessage(
                "bastion.W011",
                "WARNING",
                f"The view at {info.pattern} is exempt from {', '.join(exemptions)}.",
                "Check that the reason still holds; remove the exemption otherwise.",
            )


def check_shared_state(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W012: sessions or rate limits kept per process in production (deploy only)."""
    settings = app.settings
    if not deploy:
        return
    backend = settings.SESSIONS.backend
    if backend == "memory" or (backend == "cache" and settings.CACHE_URL.startswith("locmem")):
        yield CheckMessage(
            "bastion.W012",
            "WARNING",
            f"Sessions are kept in this process's memory (backend {backend!r} with "
            f"CACHE_URL {settings.CACHE_URL.split(':', 1)[0]}://): each worker sees different "
            "sessions, and a restart logs everyone out.",
            "Use CACHE_URL=redis://... with SESSIONS.backend='cache', or the default "
            "signed_cookie backend.",
        )
    if settings.RATELIMIT.default_limits and app.ratelimiter.storage_url.startswith("memory"):
        yield CheckMessage(
            "bastion.W013",
            "WARNING",
            "The site-wide rate limits are counted in each process's memory, so N workers "
            "allow N times each limit, and the counts reset on restart.",
            "Set CACHE_URL (or RATELIMIT.storage_url) to Redis or memcached.",
        )


def check_trusted_origins(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W014: a CSRF trusted origin over plain HTTP (deploy only)."""
    if not deploy:
        return
    for origin in app.settings.CSRF.trusted_origins:
        if origin.startswith("http://"):
            yield CheckMessage(
                "bastion.W014",
                "WARNING",
                f"CSRF.trusted_origins holds {origin}, a plain-HTTP origin that anyone on the "
                "network can impersonate.",
                "Trust only https:// origins.",
            )


SECURITY_CHECKS: list[Check] = [
    check_hsts,
    check_ssl_redirect,
    check_csp,
    check_exempt_views,
    check_shared_state,
    check_trusted_origins,
]
"""The security layer's checks, run after the core ones."""
