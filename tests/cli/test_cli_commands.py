"""``check``, ``routes``, ``secretkey``, ``shell`` and ``collectstatic``, run in-process."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bastion.cli import cli
from bastion.cli.commands import shell
from bastion.cli.commands.check import format_report
from bastion.cli.commands.routes import format_table, methods_text, view_name
from bastion.cli.commands.secretkey import generate_secret_key
from bastion.cli.discovery import ProjectContext
from bastion.settings.core import secret_key_problem

KEY = "t3st-K3y_" + "q8Wm2Zr5Xn7Lp4Vb9Kd1" * 3


def build_app(tmp_path: Path, routes: Any = (), **settings: Any) -> Any:
    from bastion.app import Bastion
    from bastion.settings import Settings

    settings.setdefault("SECRET_KEY", KEY)
    settings.setdefault("BASE_DIR", str(tmp_path))
    return Bastion(Settings(**settings), routes=routes)


def run(runner: CliRunner, app: Any, *args: str, **kwargs: Any) -> Any:
    return runner.invoke(cli, list(args), obj=ProjectContext(app=app), **kwargs)


# -- check --------------------------------------------------------------------------------


def test_check_clean_project(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, build_app(tmp_path, DEBUG=True), "check")
    assert result.exit_code == 0
    assert result.output == "System check identified no issues.\n"


def test_check_deploy_reports_warnings_but_passes_at_error_level(
    runner: CliRunner, tmp_path: Path
) -> None:
    app = build_app(tmp_path, DEBUG=True, SITE_URL="https://example.com")
    result = run(runner, app, "check", "--deploy")
    assert result.exit_code == 0
    assert "bastion.W001 [WARNING] DEBUG is on" in result.stdout
    assert "HINT: Set BASTION_DEBUG=false" in result.stdout
    assert "System check identified 1 issue." in result.stdout


def test_check_fail_level_warning(runner: CliRunner, tmp_path: Path) -> None:
    app = build_app(tmp_path, DEBUG=True, SITE_URL="https://example.com")
    result = run(runner, app, "check", "--deploy", "--fail-level", "warning")
    assert result.exit_code == 1
    assert "bastion.W001" in result.stderr


def test_check_deploy_error_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    app = build_app(tmp_path, DEBUG=True, SECRET_KEY="insecure-dev")
    result = run(runner, app, "check", "--deploy")
    assert result.exit_code == 1
    assert "bastion.E001 [ERROR]" in result.stderr
    assert result.stderr.index("bastion.E001") < result.stderr.index("bastion.W001")
    assert "System check identified 3 issues." in result.stderr


def test_check_fail_level_critical_never_fails_on_errors(runner: CliRunner, tmp_path: Path) -> None:
    app = build_app(tmp_path, DEBUG=True, SECRET_KEY="insecure-dev")
    assert run(runner, app, "check", "--deploy", "--fail-level", "CRITICAL").exit_code == 0


def test_check_refuses_unknown_fail_level(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, build_app(tmp_path, DEBUG=True), "check", "--fail-level", "LOUD")
    assert result.exit_code == 2


def test_format_report_singular() -> None:
    from bastion.checks import CheckMessage

    text = format_report([CheckMessage("x.W001", "WARNING", "m")])
    assert text.endswith("identified 1 issue.")


# -- routes -------------------------------------------------------------------------------


def plain_view(request: Any) -> Any:  # pragma: no cover - never called
    return None


def test_routes_lists_pattern_name_methods_view(runner: CliRunner, tmp_path: Path) -> None:
    from bastion.routing import include, path
    from bastion.views import TemplateView

    class About(TemplateView):
        template_name = "about.html"

    routes = [
        path("", plain_view, name="home", methods=["GET"]),
        path("about/", About.as_view(), name="about"),
        path(
            "api/",
            include(
                [path("items/<int:pk>", plain_view, methods=["put", "DELETE"])], namespace="api"
            ),
        ),
        path("any", plain_view),
    ]
    result = run(runner, build_app(tmp_path, routes, DEBUG=True), "routes")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Pattern", "Name", "Methods", "View"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["/", "home", "GET", f"{__name__}.plain_view"]
    assert lines[3].split()[:3] == ["/about/", "about", "GET,OPTIONS"]
    assert lines[3].endswith("test_routes_lists_pattern_name_methods_view.<locals>.About")
    assert lines[4].split() == ["/api/items/<int:pk>", "DELETE,PUT", f"{__name__}.plain_view"]
    assert lines[5].split() == ["/any", "ANY", f"{__name__}.plain_view"]


def test_routes_empty(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, build_app(tmp_path, DEBUG=True), "routes")
    assert result.output == "No routes.\n"


def test_methods_text() -> None:
    assert methods_text(None) == "ANY"
    assert methods_text(frozenset({"GET", "HEAD"})) == "GET"
    assert methods_text(frozenset({"HEAD"})) == "HEAD"
    assert methods_text(["POST", "GET", "HEAD"]) == "GET,POST"


def test_view_name_fallbacks() -> None:
    class CallableView:
        def __call__(self, request: Any) -> None:  # pragma: no cover
            return None

    instance = CallableView()
    assert view_name(instance).endswith("<locals>.CallableView")
    assert view_name(len) == "builtins.len"
    no_module = types.SimpleNamespace(__qualname__="thing", __module__=None)
    assert view_name(no_module) == "thing"  # type: ignore[arg-type]


def test_format_table_aligns_columns() -> None:
    table = format_table([("a", "bbbb")], headers=("Long header", "X"))
    assert table.splitlines() == ["Long header  X", "-----------  ----", "a            bbbb"]


# -- secretkey ----------------------------------------------------------------------------


def test_secretkey_prints_a_64_character_strong_key(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["secretkey"])
    assert result.exit_code == 0
    key = result.output.strip()
    assert len(key) == 64
    assert result.output == key + "\n"
    assert secret_key_problem(key) is None
    assert runner.invoke(cli, ["secretkey"]).output.strip() != key


def test_generate_secret_key_redraws_weak_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    import secrets

    draws = iter(["dev" + "x" * 61, "a" * 64, "Zy1-_abc" * 8])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: next(draws))
    assert generate_secret_key() == "Zy1-_abc" * 8


# -- shell --------------------------------------------------------------------------------


def test_shell_command_runs_code_with_app_and_settings(runner: CliRunner, tmp_path: Path) -> None:
    app = build_app(tmp_path, DEBUG=True)
    result = run(runner, app, "shell", "-c", "print(type(app).__name__, settings.DEBUG)")
    assert result.exit_code == 0, result.output
    assert result.output == "Bastion True\n"


def test_shell_command_failure_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    app = build_app(tmp_path, DEBUG=True)
    result = run(runner, app, "shell", "-c", "1/0")
    assert result.exit_code == 1
    assert "ZeroDivisionError" in result.stderr


def test_shell_command_syntax_error_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    app = build_app(tmp_path, DEBUG=True)
    result = run(runner, app, "shell", "-c", "def (")
    assert result.exit_code == 1
    assert "SyntaxError" in result.stderr


def test_shell_command_incomplete_code_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    app = build_app(tmp_path, DEBUG=True)
    result = run(runner, app, "shell", "-c", "if True:")
    assert result.exit_code == 1
    assert "incomplete" in result.stderr


def test_shell_interactive_python(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_interact(*, banner: str, local: dict[str, Any], exitmsg: str) -> None:
        seen.update(local)
        seen["banner"] = banner

    monkeypatch.setattr(shell.code, "interact", fake_interact)
    monkeypatch.setitem(sys.modules, "IPython", None)  # not installed
    app = build_app(tmp_path, DEBUG=True)
    result = run(runner, app, "shell")
    assert result.exit_code == 0, result.output
    assert seen["app"] is app
    assert seen["settings"] is app.settings
    assert "app" in seen["banner"]


def test_shell_interactive_enables_completion_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readline = pytest.importorskip("readline")
    bound: list[str] = []
    monkeypatch.setattr(shell.code, "interact", lambda **kwargs: None)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(readline, "parse_and_bind", bound.append)
    monkeypatch.setattr(readline, "set_completer", lambda completer: None)
    shell.run_python({"app": None})
    assert bound == ["tab: complete"]


def test_shell_prefers_ipython(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: dict[str, Any] = {}
    fake = types.ModuleType("IPython")
    fake.start_ipython = lambda **kwargs: started.update(kwargs)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setattr(shell.code, "interact", lambda **kwargs: pytest.fail("not IPython"))
    app = build_app(tmp_path, DEBUG=True)
    result = run(runner, app, "shell")
    assert result.exit_code == 0, result.output
    assert started["user_ns"]["app"] is app
    assert started["argv"] == []


def test_shell_interface_python_skips_ipython(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("IPython")
    fake.start_ipython = lambda **kwargs: pytest.fail("IPython used")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    interacted: list[bool] = []
    monkeypatch.setattr(shell.code, "interact", lambda **kwargs: interacted.append(True))
    result = run(runner, build_app(tmp_path, DEBUG=True), "shell", "-i", "python")
    assert result.exit_code == 0, result.output
    assert interacted == [True]


def test_shell_interface_ipython_missing(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "IPython", None)
    result = run(runner, build_app(tmp_path, DEBUG=True), "shell", "--interface", "ipython")
    assert result.exit_code == 1
    assert "IPython is not installed" in result.stderr


# -- collectstatic ------------------------------------------------------------------------


@pytest.fixture
def static_app(tmp_path: Path, write_files: Callable[..., Path]) -> Any:
    from bastion.settings import StaticConfig

    write_files({"static/site.css": "body {{}}\n", "static/js/app.js": "1;\n"})
    return build_app(tmp_path, DEBUG=True, STATIC=StaticConfig(dirs=("static",)))


def test_collectstatic_noinput_copies_and_counts(
    runner: CliRunner, static_app: Any, tmp_path: Path
) -> None:
    result = run(runner, static_app, "collectstatic", "--noinput")
    assert result.exit_code == 0, result.output
    root = tmp_path / "staticfiles"
    assert f"2 static files copied to {root}, 0 unchanged." in result.output
    assert (root / "site.css").is_file()
    assert (root / "staticfiles.json").is_file()
    again = run(runner, static_app, "collectstatic", "--no-input")
    assert "0 static files copied" in again.output
    assert "2 unchanged" in again.output


def test_collectstatic_asks_first(runner: CliRunner, static_app: Any, tmp_path: Path) -> None:
    result = run(runner, static_app, "collectstatic", input="n\n")
    assert result.exit_code == 1
    assert "Static files will be collected into" in result.output
    assert "overwrite existing files" in result.output
    assert not (tmp_path / "staticfiles").exists()
    result = run(runner, static_app, "collectstatic", input="y\n")
    assert result.exit_code == 0
    assert "2 static files copied" in result.output


def test_collectstatic_clear(runner: CliRunner, static_app: Any, tmp_path: Path) -> None:
    run(runner, static_app, "collectstatic", "--noinput")
    stale = tmp_path / "staticfiles" / "old.css"
    stale.write_text("old")
    result = run(runner, static_app, "collectstatic", "--clear", input="y\n")
    assert result.exit_code == 0, result.output
    assert "DELETE every file" in result.output
    assert not stale.exists()
    assert "2 static files copied" in result.output


def test_collectstatic_reports_skipped_and_singular(
    runner: CliRunner, tmp_path: Path, write_files: Callable[..., Path]
) -> None:
    from bastion.settings import StaticConfig

    write_files({"static/one.css": "a\n", "static/staticfiles.json": "{{}}"})
    app = build_app(tmp_path, DEBUG=True, STATIC=StaticConfig(dirs=("static",)))
    result = run(runner, app, "collectstatic", "--noinput")
    assert "1 static file copied" in result.output
    assert "Skipped " in result.output


def test_collectstatic_configuration_error_exits_2(
    runner: CliRunner, tmp_path: Path, write_files: Callable[..., Path]
) -> None:
    from bastion.settings import StaticConfig

    write_files({"static/site.css": "x\n"})
    app = build_app(tmp_path, DEBUG=True, STATIC=StaticConfig(dirs=("static",), root="static"))
    result = run(runner, app, "collectstatic", "--noinput")
    assert result.exit_code == 2
    assert "overlaps" in result.stderr
