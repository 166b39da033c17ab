"""The examples in the documentation pages owned by the core run as written."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize(
    "page",
    [
        "requests.md",
        "middleware.md",
        "application.md",
        "orm.md",
        "files.md",
        "forms.md",
        "mail.md",
        "passwords.md",
        "auth.md",
        "login.md",
        "password-reset.md",
        "mfa.md",
    ],
)
def test_doc_examples_run(page: str) -> None:
    result = doctest.testfile(
        str(DOCS / page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 0
    assert result.failed == 0
