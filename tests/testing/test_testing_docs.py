"""docs/testing.md runs as written: its files are copied into a project and tested."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.DOTALL | re.MULTILINE)
_FILE_LABEL = re.compile(r"(?:# |\{# )([\w/]+\.\w+)(?: #\})?")


def _files() -> dict[str, str]:
    files: dict[str, str] = {}
    for language, code in _BLOCK.findall(DOC.read_text(encoding="utf-8")):
        first_line = code.partition("\n")[0]
        label = _FILE_LABEL.fullmatch(first_line)
        # Every Python example names its file, so none escapes being run.
        assert label is not None or language != "python", f"unlabelled example: {first_line!r}"
        if label is not None:
            files[label[1]] = code
    return files


def test_testing_docs_examples_run(pytester: pytest.Pytester) -> None:
    files = _files()
    for name, code in files.items():
        target = pytester.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    expected = sum(code.count("\ndef test_") for code in files.values())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=expected)
    assert expected >= 15
