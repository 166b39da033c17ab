"""docs/settings.md, docs/cli.md and docs/quickstart.md match the code they describe."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from bastion.cli import cli
from bastion.cli.commands import BUILTIN_COMMANDS
from bastion.cli.commands.startproject import create_project
from bastion.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.DOTALL | re.MULTILINE)
_FILE_LABEL = re.compile(r"(?:# |\{# )([\w/]+\.\w+)(?: #\})?")


def _rows(text: str) -> dict[str, list[str]]:
    """Table rows of a markdown page keyed by their first cell's backticked name."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 1 and (name := re.fullmatch(r"`(\w+)`", cells[0])):
            rows.setdefault(name[1], cells)
    return rows


def test_settings_doc_lists_every_setting_with_default_and_variable() -> None:
    text = (DOCS / "settings.md").read_text()
    rows = _rows(text)
    for field in dataclasses.fields(Settings):
        assert field.name in rows, field.name
        _, default, env, meaning = rows[field.name]
        assert f"BASTION_{field.name}" in env or env == "(module only)"
        assert meaning
        value = getattr(Settings(), field.name)
        if dataclasses.is_dataclass(value):
            assert default == f"`{type(value).__name__}()`"
        else:
            assert default == f"`{value!r}`".replace("'", '"'), field.name


def test_settings_doc_lists_every_feature_field() -> None:
    text = (DOCS / "settings.md").read_text()
    for field in dataclasses.fields(Settings):
        config = getattr(Settings(), field.name)
        if not dataclasses.is_dataclass(config):
            continue
        section = text.split(f"### `{type(config).__name__}` (`{field.name}`)")[1].split("###")[0]
        rows = _rows(section)
        for item in dataclasses.fields(config):
            if not item.init:
                continue
            assert item.name in rows, f"{field.name}.{item.name}"
            if "Mapping" in str(item.type):  # mappings cannot come from the environment
                assert rows[item.name][2] == "(module only)"
            else:
                assert f"`BASTION_{field.name}__{item.name.upper()}`" in rows[item.name][2]


def test_cli_doc_covers_every_command_and_option() -> None:
    text = (DOCS / "cli.md").read_text()
    for command in BUILTIN_COMMANDS:
        assert f"## `bastion {command.name}" in text, command.name
        for param in command.params:
            if isinstance(param, click.Option):
                assert any(opt in text for opt in param.opts), (command.name, param.opts)
    assert "--app" in text
    assert "BASTION_APP" in text


def test_cli_doc_layout_matches_startproject(tmp_path: Path) -> None:
    create_project("mysite", tmp_path / "mysite")
    text = (DOCS / "cli.md").read_text()
    for path in (tmp_path / "mysite").rglob("*"):
        if path.is_file():
            assert path.name in text, path.name


def test_cli_help_texts_render() -> None:
    from click.testing import CliRunner

    runner = CliRunner()
    for command in BUILTIN_COMMANDS:
        result = runner.invoke(cli, [str(command.name), "--help"])
        assert result.exit_code == 0, command.name
        assert command.name in result.output


def quickstart_files() -> dict[str, str]:
    files = {}
    for language, code in _BLOCK.findall((DOCS / "quickstart.md").read_text()):
        label = _FILE_LABEL.fullmatch(code.partition("\n")[0])
        assert label is not None or language not in ("python", "html"), code[:60]
        if label is not None:
            files[label[1]] = code
    return files


def test_quickstart_page_works_on_a_new_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bastion.cli.discovery import ProjectContext
    from bastion.testing import Client

    project = tmp_path / "mysite"
    create_project("mysite", project)
    files = quickstart_files()
    assert set(files) == {
        "home/views.py",
        "home/routes.py",
        "home/templates/home/hello.html",
        "tests/test_hello.py",
    }
    for name, code in files.items():
        (project / name).write_text(code)
    for name in [k for k in os.environ if k.startswith("BASTION_")]:
        monkeypatch.delenv(name)
    app = ProjectContext(cwd=project, environ={}).load_app()
    client = Client(app, base_url="http://localhost")
    hello = client.get("/hello/Ada/")
    assert hello.status_code == 200
    assert "<h1>Hello, Ada!</h1>" in hello.text
    assert app.reverse("home:hello", name="Ada") == "/hello/Ada/"
    assert "Hello, &lt;b&gt;!" in client.get("/hello/<b>/").text
    assert "Your name" in client.get("/").text
    assert "Hello, Bo!" in client.post("/", data={"name": "Bo"}).text
    # "pytest  # 3 passed": the project's two tests and the page's new one.
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env={k: v for k, v in os.environ.items() if not k.startswith(("BASTION_", "PYTEST_"))},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout


def test_quickstart_shell_commands_are_real_commands() -> None:
    text = (DOCS / "quickstart.md").read_text()
    names = set(cli.commands)  # the built-in commands and the database ones (migrate...)
    used = re.findall(r"^bastion (\w+)", text, re.MULTILINE)
    assert used
    assert set(used) <= names
