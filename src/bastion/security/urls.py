"""Deciding whether a URL is a safe redirect target.

Browsers are lenient about URLs in ways attackers use: ``//evil.com`` and ``/\\evil.com``
are scheme-relative, ``\\t//evil.com`` loses its tab, ``javascript:`` runs code. This module
says no to all of them unless the host is explicitly allowed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["is_safe_redirect", "redirect_host"]

_SAFE_SCHEMES = frozenset({"http", "https"})


def redirect_host(url: str) -> tuple[bool, str | None]:
    """Classify a redirect target.

    Returns:
        ``(ok_scheme, host)``: ``ok_scheme`` is False for a target no browser should be sent to
        (``javascript:``, control characters, ...); ``host`` is the lower-cased host a browser
        would go to, or None for a same-site relative URL.
    """
    if not url or any(unicodedata.category(ch)[0] == "C" for ch in url):
        return False, None
    # Browsers treat '\' like '/', so '/\evil.com' means '//evil.com'.
    normalized = url.strip().replace("\\", "/")
    if normalized.startswith("///"):
        return False, None
    try:
        parts = urlsplit(normalized)
    except ValueError:
        return False, None
    if parts.scheme and parts.scheme.lower() not in _SAFE_SCHEMES:
        return False, None
    if parts.scheme and not parts.netloc:
        return False, None  # 'http:evil.com' is read by some browsers as a host
    if not parts.netloc:
        return True, None
    try:
        host = parts.hostname
    except ValueError:
        return False, None
    if not host:
        return False, None
    return True, host.lower()


def is_safe_redirect(
    url: str,
    *,
    allowed_hosts: Iterable[str],
    require_https: bool = False,
) -> bool:
    """Whether redirecting to ``url`` keeps the user on an allowed host.

    Args:
        url: the target, often from user input (``?next=``).
        allowed_hosts: exact host names the target may name (the site's own, usually).
        require_https: refuse an absolute ``http://`` target (use when the site is HTTPS).
    """
    ok, host = redirect_host(url)
    if not ok:
        return False
    if host is None:
        return True
    if require_https and urlsplit(url.strip().replace("\\", "/")).scheme.lower() == "http":
        return False
    return host in {h.lower() for h in allowed_hosts}
