"""Make the ``bench`` package importable: it lives at the repo root, outside ``src/``."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

if str(REPO) not in sys.path:
    sys.path.append(str(REPO))
