"""The request every benchmark sends: what a current browser sends when navigating.

One set, used in-process and over the wire, so both measures parse the same headers
(frameworks that parse ``Accept`` or cookies lazily are not flattered by a bare request).
"""

from __future__ import annotations

__all__ = ["BROWSER_HEADERS", "HOST", "PROXY_HEADERS"]

HOST = "localhost"

BROWSER_HEADERS: tuple[tuple[str, str], ...] = (
    ("Host", HOST),
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("Accept-Language", "en-US,en;q=0.5"),
    ("Accept-Encoding", "gzip, deflate, br, zstd"),
    ("Connection", "keep-alive"),
    ("Upgrade-Insecure-Requests", "1"),
    ("Sec-Fetch-Dest", "document"),
    ("Sec-Fetch-Mode", "navigate"),
    ("Sec-Fetch-Site", "none"),
    ("Sec-Fetch-User", "?1"),
)

PROXY_HEADERS: tuple[tuple[str, str], ...] = (("X-Forwarded-Proto", "https"),)
"""What nginx adds when it terminates TLS in front of gunicorn (the deployment DESIGN.md
describes): over the wire the apps see HTTPS traffic, as they do in-process."""
