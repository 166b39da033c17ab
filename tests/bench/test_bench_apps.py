"""The benchmark apps answer correctly (a fast wrong answer must never be measured).

One run per app, so a failing app names itself. The database endpoints are checked too
when PostgreSQL answers (under ``CI=true`` the run fails without it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("app", ["bare", "flask", "django", "bastion"])
def test_bench_app_verifies(app: str) -> None:
    result = subprocess.run(
        [
            sys.executable, "bench/run.py",
            "--quick", "--only", "inprocess", "--verify-only", "--apps", app,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{app:8} verified" in result.stdout
