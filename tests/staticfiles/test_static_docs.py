"""docs/static-files.md: its examples run as written, and its nginx map matches hashed names."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from bastion.staticfiles.manifest import hashed_name

PAGE = Path(__file__).resolve().parents[2] / "docs" / "static-files.md"
DIGEST = "997faceca260" + "0" * 52


def test_static_doc_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the page's examples write into "the project"
    result = doctest.testfile(
        str(PAGE),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 20
    assert result.failed == 0


def nginx_hashed_pattern() -> re.Pattern[str]:
    block = re.search(r"```nginx\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
    assert block is not None
    found = re.search(r'"~(.+?)"\s+"public, max-age=31536000, immutable"', block.group(1))
    assert found is not None
    return re.compile(found.group(1))


@pytest.mark.parametrize(
    "name", ["css/site.css", "LICENSE", "js/app.min.js", "archive.tar.gz", "img/a.b.c.png"]
)
def test_static_doc_nginx_map_tells_hashed_from_original(name: str) -> None:
    pattern = nginx_hashed_pattern()
    assert pattern.search("/static/" + hashed_name(name, DIGEST))
    assert not pattern.search("/static/" + name)


def test_static_doc_collect_command_output_matches_the_cli() -> None:
    from bastion.cli.commands.collectstatic import summary
    from bastion.staticfiles import CollectResult

    shown = re.search(r"\$ bastion collectstatic --noinput\n(.*?)\n```", PAGE.read_text())
    assert shown is not None
    result = CollectResult(
        copied=1, unchanged=0, skipped=(), manifest={}, root=Path("/srv/mysite/staticfiles")
    )
    assert summary(result) == shown.group(1)
