"""Fixtures of the ORM tests: ``db`` (each test on SQLite, PostgreSQL and MariaDB), ``queries``.

The models live in ``tests/db/models.py`` and are importable as ``dbtests_models``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "dbtests_harness", Path(__file__).with_name("_harness.py")
)
assert _spec is not None
assert _spec.loader is not None
harness = sys.modules.get("dbtests_harness")
if harness is None:
    harness = importlib.util.module_from_spec(_spec)
    sys.modules["dbtests_harness"] = harness
    _spec.loader.exec_module(harness)

db = harness.db
queries = harness.queries
