#!/usr/bin/env python
"""Entry point for ``python bench/run.py`` (what ``make bench`` runs); see bench/README.md.

A shim: run as a script, Python puts ``bench/`` itself on the path, so the repo root is
added here to import the ``bench`` package by its full name.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(_main())
