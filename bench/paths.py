"""Where things are, and the environment a child process needs to import the apps.

Every measurement runs in a child (a fresh interpreter per app, or gunicorn), so the
import path is handed down explicitly instead of relying on the caller's working directory.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

__all__ = ["BENCH", "REPO", "SRC", "child_env"]

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SRC = REPO / "src"


def child_env() -> dict[str, str]:
    """Return ``os.environ`` with the repo root (for ``bench.*``) on ``PYTHONPATH``.

    ``src/`` is added only when no ``bastion`` is installed, so an installed package (as
    in CI) is the one measured, and a plain checkout still works.
    """
    entries = [str(REPO)]
    if importlib.util.find_spec("bastion") is None:
        entries.append(str(SRC))
    inherited = os.environ.get("PYTHONPATH")
    if inherited:
        entries.append(inherited)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(entries)
    return env
