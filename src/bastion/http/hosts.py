"""Host header parsing and matching against ``ALLOWED_HOSTS``.

Used by the request (``request.host``) and the host-validation middleware; absolute URLs are
only ever built from a host that passed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["host_is_allowed", "split_host"]

# A DNS name (labels of letters, digits, '-', '_'), an IPv4 address, or a bracketed IPv6
# literal, with an optional numeric port.
_HOST = re.compile(r"([a-z0-9_.-]+|\[[a-f0-9:.]+\])(?::([0-9]{1,5}))?")


def split_host(host: str) -> tuple[str, str] | None:
    """Split ``host[:port]`` into a lower-cased domain and port, or None when malformed.

    A trailing dot (``example.com.``) is removed so it cannot dodge a match.
    """
    match = _HOST.fullmatch(host.lower())
    if match is None:
        return None
    domain, port = match.group(1), match.group(2) or ""
    if domain.endswith("."):
        domain = domain[:-1]
    if not domain or ".." in domain or domain.startswith(".") or domain.endswith("."):
        return None
    return domain, port


def host_is_allowed(domain: str, allowed: Iterable[str]) -> bool:
    """Whether ``domain`` (from :func:`split_host`) matches one of the allowed patterns.

    Patterns: an exact name; ``.example.com`` for the domain and every subdomain; ``*`` for
    anything (reported by ``bastion check --deploy``).
    """
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern == "*" or pattern == domain:
            return True
        if pattern.startswith(".") and (domain.endswith(pattern) or domain == pattern[1:]):
            return True
    return False
