"""Run the examples of docs/routing.md, so that the page cannot drift from the code."""

from __future__ import annotations

import doctest
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "routing.md"


def test_docs_routing_examples_pass() -> None:
    result = doctest.testfile(
        str(DOC),
        module_relative=False,
        optionflags=doctest.ELLIPSIS,
        verbose=False,
        report=True,
    )
    assert result.attempted > 40
    assert result.failed == 0
