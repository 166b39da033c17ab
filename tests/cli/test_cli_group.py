"""The ``bastion`` group: help anywhere, lazy app commands, exit statuses."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bastion.cli import cli, main
from bastion.cli.discovery import ProjectContext

BUILTINS = ["check", "collectstatic", "routes", "runserver", "secretkey", "shell", "startproject"]

APP_WITH_COMMANDS = {
    "cmdpkg/__init__.py": "",
    "cmdpkg/tools/__init__.py": """
        import click

        from bastion.apps import App

        @click.command("greet")
        @click.argument("who")
        def greet(who):
            \"\"\"Say hello.\"\"\"
            click.echo(f"hello {{who}}")

        @click.command("routes")
        def fake_routes():
            click.echo("app routes command")

        @click.command("greet")
        def second_greet():
            click.echo("second")

        app = App(__name__, commands=[greet, fake_routes])
        other = App(__name__, label="other", commands=[second_greet])
        broken = App(__name__, label="broken", commands=["not a command"])
    """,
    "cmdpkg/wsgi.py": """
        from bastion.app import Bastion
        from bastion.settings import Settings

        from cmdpkg import tools

        SETTINGS = Settings(DEBUG=True, SECRET_KEY="k" * 20 + "abcdefghij" * 4)
        application = Bastion(SETTINGS, apps=[tools.app, tools.other])
        broken = Bastion(SETTINGS, apps=[tools.broken])
    """,
    "confpkg/__init__.py": "",
    "confpkg/wsgi.py": """
        from bastion.app import Bastion
        from bastion.settings import Settings

        def create_app():
            return Bastion(Settings(DEBUG=False, SECRET_KEY="weak"))
    """,
}


@pytest.fixture
def apps_dir(
    write_files: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    write_files(APP_WITH_COMMANDS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def outside(tmp_path: Path) -> ProjectContext:
    return ProjectContext(cwd=tmp_path, environ={})


def test_help_outside_a_project_lists_builtins(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["--help"], obj=outside(tmp_path))
    assert result.exit_code == 0, result.output
    for name in BUILTINS:
        assert name in result.output
    assert "--app MODULE:ATTR" in result.output
    assert "Note" not in result.output


def test_short_help_option(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["-h"], obj=outside(tmp_path))
    assert result.exit_code == 0
    assert "Usage: " in result.output


def test_help_lists_app_commands(runner: CliRunner, apps_dir: Path) -> None:
    result = runner.invoke(cli, ["--app", "cmdpkg.wsgi:application", "--help"])
    assert result.exit_code == 0, result.output
    assert "greet" in result.output
    assert "Say hello." in result.output


def test_help_notes_an_app_that_fails_to_load(runner: CliRunner, apps_dir: Path) -> None:
    result = runner.invoke(cli, ["--app", "confpkg.wsgi:create_app", "--help"])
    assert result.exit_code == 0, result.output
    assert "Project commands are unavailable" in result.output
    assert "ImproperlyConfigured" in result.output
    for name in BUILTINS:
        assert name in result.output


def test_app_command_runs(runner: CliRunner, apps_dir: Path) -> None:
    result = runner.invoke(cli, ["--app", "cmdpkg.wsgi:application", "greet", "bob"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello bob\n"


def test_app_command_found_through_env(
    runner: CliRunner, apps_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASTION_APP", "cmdpkg.wsgi:application")
    assert runner.invoke(cli, ["greet", "env"]).output == "hello env\n"


def test_builtin_wins_over_app_command(runner: CliRunner, apps_dir: Path) -> None:
    result = runner.invoke(cli, ["--app", "cmdpkg.wsgi:application", "routes"])
    assert "app routes command" not in result.output
    assert "No routes." in result.output


def test_first_app_wins_a_command_name(runner: CliRunner, apps_dir: Path) -> None:
    result = runner.invoke(cli, ["--app", "cmdpkg.wsgi:application", "greet", "x"])
    assert "second" not in result.output


def test_app_commands_must_be_click_commands(runner: CliRunner, apps_dir: Path) -> None:
    result = runner.invoke(cli, ["--app", "cmdpkg.wsgi:broken", "greet"])
    assert result.exit_code == 2
    assert "must be a click command" in result.stderr


def test_unknown_command_outside_project_explains(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["frobnicate"], obj=outside(tmp_path))
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.stderr
    assert "bastion startproject" in result.stderr


def test_unknown_command_inside_project(runner: CliRunner, apps_dir: Path) -> None:
    result = runner.invoke(cli, ["--app", "cmdpkg.wsgi:application", "nope"])
    assert result.exit_code == 2
    assert "No such command 'nope'" in result.stderr
    assert "startproject" not in result.stderr


def test_improperly_configured_exits_2_without_traceback(runner: CliRunner, apps_dir: Path) -> None:
    result = runner.invoke(cli, ["--app", "confpkg.wsgi:create_app", "routes"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: SECRET_KEY has 4 characters")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_project_command_outside_project(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["routes"], obj=outside(tmp_path))
    assert result.exit_code == 2
    assert "No Bastion application found" in result.stderr
    assert "--app mysite.wsgi:application" in result.stderr


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("bastion, version ")


def test_main_runs_the_group(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["secretkey"])
    assert info.value.code == 0
    assert len(capsys.readouterr().out.strip()) == 64


def test_console_script_is_installed(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("bastion")
    result = subprocess.run(
        [str(script), "--help"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "startproject" in result.stdout


def test_completion_outside_project_is_silent(tmp_path: Path) -> None:
    """Shell completion parses resiliently: an unknown name is simply not a command."""
    ctx = cli.make_context("bastion", [], obj=outside(tmp_path), resilient_parsing=True)
    assert cli.get_command(ctx, "nope") is None
    assert "bastion.app_error" not in ctx.meta
    assert cli.get_command(ctx, "routes") is not None
