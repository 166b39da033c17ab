"""The one check every test of a real service starts with.

On a developer's machine a service that is down skips its tests with a hint; in CI
(``CI=true``) it fails them, because a green run must mean every service was exercised.
"""

from __future__ import annotations

import os
import socket

import pytest

__all__ = ["answers", "require_service"]


def answers(host: str, port: int) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or, under ``CI=true``, fail) unless ``name`` answers at ``host:port``."""
    if answers(host, port):
        return
    message = f"{name} is not answering on {host}:{port}; `bash .ci/services.sh` starts it."
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} CI=true requires every service.", pytrace=False)
    pytest.skip(message)
