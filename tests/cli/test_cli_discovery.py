from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bastion.cli.discovery import (
    NOT_FOUND_HINT,
    AppRef,
    DiscoveryError,
    ProjectContext,
    find_app_ref,
    load_app,
    parse_app_ref,
)

KEY = "t3st-K3y_" + "q8Wm2Zr5Xn7Lp4Vb9Kd1" * 3
APP_MODULE = """
from bastion.app import Bastion
from bastion.settings import Settings

SETTINGS = Settings(DEBUG=True, SECRET_KEY={key!r})
application = Bastion(SETTINGS)

def create_app():
    return Bastion(SETTINGS)

def needs_args(settings):
    return Bastion(settings)

def optional_args(settings=SETTINGS, *, debug=True):
    return Bastion(settings)

def not_an_app():
    return 42

something_else = "text"
"""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mysite.wsgi:application", ("mysite.wsgi", "application")),
        ("mysite.wsgi:create_app", ("mysite.wsgi", "create_app")),
        ("mysite.wsgi", ("mysite.wsgi", "application")),
        (" wsgi:app ", ("wsgi", "app")),
    ],
)
def test_parse_app_ref(value: str, expected: tuple[str, str]) -> None:
    ref = parse_app_ref(value, "--app")
    assert (ref.module, ref.attr) == expected
    assert str(ref) == ":".join(expected)


@pytest.mark.parametrize("value", ["", ":app", "my-site.wsgi:app", "a.b:c.d", "a..b:c", "1a:b"])
def test_parse_app_ref_refuses_malformed(value: str) -> None:
    with pytest.raises(DiscoveryError, match="expected module:attribute") as info:
        parse_app_ref(value, "BASTION_APP")
    assert info.value.exit_code == 2
    assert "BASTION_APP" in info.value.message


def test_find_app_ref_prefers_option_then_env_then_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.bastion]\napp = "fromfile.wsgi:application"\n')
    env = {"BASTION_APP": "fromenv.wsgi:application"}
    assert find_app_ref("opt.wsgi:app", environ=env, cwd=tmp_path).source == "--app"
    assert find_app_ref(None, environ=env, cwd=tmp_path).module == "fromenv.wsgi"
    ref = find_app_ref(None, environ={"BASTION_APP": ""}, cwd=tmp_path)
    assert ref.module == "fromfile.wsgi"
    assert "pyproject.toml" in ref.source


def test_find_app_ref_reads_os_environ_and_cwd_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BASTION_APP", "envmod:application")
    assert find_app_ref(None).module == "envmod"
    monkeypatch.delenv("BASTION_APP")
    with pytest.raises(DiscoveryError):
        find_app_ref(None)


@pytest.mark.parametrize(
    "content",
    [
        None,
        "[project]\nname = 'x'\n",
        "[tool.other]\napp = 'x:y'\n",
        "[tool.bastion]\n",
        "tool = 3\n",
    ],
)
def test_find_app_ref_nothing_found(tmp_path: Path, content: str | None) -> None:
    if content is not None:
        (tmp_path / "pyproject.toml").write_text(content)
    with pytest.raises(DiscoveryError) as info:
        find_app_ref(None, environ={}, cwd=tmp_path)
    assert NOT_FOUND_HINT in info.value.message
    assert "--app mysite.wsgi:application" in info.value.message
    assert info.value.exit_code == 2


def test_find_app_ref_invalid_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.bastion\napp=")
    with pytest.raises(DiscoveryError, match="is not valid TOML"):
        find_app_ref(None, environ={}, cwd=tmp_path)


def test_find_app_ref_non_string_app(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.bastion]\napp = 3\n")
    with pytest.raises(DiscoveryError, match="must be a string"):
        find_app_ref(None, environ={}, cwd=tmp_path)


@pytest.fixture
def app_module(write_files: Callable[..., Path], tmp_path: Path) -> Path:
    write_files({"discopkg/__init__.py": "", "discopkg/wsgi.py": APP_MODULE}, key=KEY)
    return tmp_path


@pytest.mark.parametrize("attr", ["application", "create_app", "optional_args"])
def test_load_app_instance_or_factory(app_module: Path, attr: str) -> None:
    from bastion.app import Bastion

    app = load_app(AppRef("discopkg.wsgi", attr, "--app"), cwd=app_module)
    assert isinstance(app, Bastion)


def test_load_app_puts_cwd_on_sys_path_once(app_module: Path) -> None:
    import sys

    load_app(AppRef("discopkg.wsgi", "application", "--app"), cwd=app_module)
    load_app(AppRef("discopkg.wsgi", "application", "--app"), cwd=app_module)
    assert sys.path.count(str(app_module)) == 1


def test_load_app_uses_current_directory_by_default(
    app_module: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(app_module)
    assert load_app(AppRef("discopkg.wsgi", "application", "--app")) is not None


@pytest.mark.parametrize(
    ("attr", "message"),
    [
        ("missing", "has no 'missing'"),
        ("needs_args", "needs arguments"),
        ("not_an_app", "returned 42, not a Bastion application"),
        ("something_else", "is 'text', not a Bastion application"),
        ("SETTINGS", "not a Bastion application"),
    ],
)
def test_load_app_refuses_wrong_attribute(app_module: Path, attr: str, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message):
        load_app(AppRef("discopkg.wsgi", attr, "--app"), cwd=app_module)


@pytest.mark.parametrize("module", ["nosuchpkg.wsgi", "discopkg.nosuch", "nosuchmodule"])
def test_load_app_missing_module(app_module: Path, module: str) -> None:
    with pytest.raises(DiscoveryError, match="Cannot import") as info:
        load_app(AppRef(module, "application", "--app"), cwd=app_module)
    assert NOT_FOUND_HINT in info.value.message


def test_load_app_keeps_project_import_errors(
    write_files: Callable[..., Path], tmp_path: Path
) -> None:
    write_files({"brokenpkg/__init__.py": "", "brokenpkg/wsgi.py": "import not_installed_dep\n"})
    with pytest.raises(ModuleNotFoundError, match="not_installed_dep"):
        load_app(AppRef("brokenpkg.wsgi", "application", "--app"), cwd=tmp_path)


def test_load_app_builtin_factory_without_signature(
    write_files: Callable[..., Path], tmp_path: Path
) -> None:
    write_files({"builtinpkg.py": "factory = dict\n"})
    with pytest.raises(DiscoveryError, match=r"returned \{\}"):
        load_app(AppRef("builtinpkg", "factory", "--app"), cwd=tmp_path)


def test_project_context_loads_once_and_remembers_ref(
    app_module: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = ProjectContext("discopkg.wsgi:create_app", cwd=app_module, environ={})
    assert not project.loaded
    assert project.loaded_from is None
    app = project.load_app()
    assert project.load_app() is app
    assert project.loaded
    assert str(project.loaded_from) == "discopkg.wsgi:create_app"
    assert project.project_dir == app_module.resolve()


def test_project_context_with_given_app(tmp_path: Path) -> None:
    sentinel = object()
    project = ProjectContext(app=sentinel, cwd=tmp_path)  # type: ignore[arg-type]
    assert project.loaded
    assert project.load_app() is sentinel
    assert project.loaded_from is None


def test_project_context_defaults_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert ProjectContext().project_dir == Path(os.getcwd()).resolve()
