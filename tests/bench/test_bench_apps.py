"""The benchmark apps answer correctly (a fast wrong answer must never be measured)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_apps_verify() -> None:
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--only", "inprocess", "--verify-only"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for app in ("bare", "flask", "django", "bastion"):
        assert f"{app}  " in result.stdout or f"{app} " in result.stdout
    assert result.stdout.count("verified") == 4
