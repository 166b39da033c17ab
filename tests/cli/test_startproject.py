from __future__ import annotations

import ast
import os
import re
import stat
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from bastion.auth.mfa import passkeys
from bastion.cli import cli
from bastion.cli.commands.startproject import (
    INSECURE_PREFIX,
    create_project,
    name_problem,
    plan_project,
)
from bastion.settings.core import secret_key_problem
from bastion.settings.loading import load_settings
from bastion.validators import validate_email

EXPECTED_FILES = {
    ".gitignore",
    "README.md",
    "pyproject.toml",
    "mysite/__init__.py",
    "mysite/routes.py",
    "mysite/settings.py",
    "mysite/wsgi.py",
    "home/__init__.py",
    "home/routes.py",
    "home/views.py",
    "home/templates/home/index.html",
    "templates/base.html",
    "static/site.css",
    "tests/conftest.py",
    "tests/test_home.py",
}


def created(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_startproject_creates_the_project_layout(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["startproject", "mysite"])
    assert result.exit_code == 0, result.output
    assert created(tmp_path / "mysite") == EXPECTED_FILES
    assert "Created project mysite in mysite." in result.output
    assert "cd mysite" in result.output
    assert "bastion runserver" in result.output


def test_startproject_into_directory(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "some" / "where"
    result = runner.invoke(cli, ["startproject", "mysite", str(target)])
    assert result.exit_code == 0, result.output
    assert created(target) == EXPECTED_FILES
    assert str(target) in result.output


def test_startproject_into_current_directory(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["startproject", "mysite", "."])
    assert result.exit_code == 0, result.output
    assert created(tmp_path) == EXPECTED_FILES
    assert "cd ." not in result.output


def test_generated_pyproject_names_the_application(tmp_path: Path) -> None:
    create_project("mysite", tmp_path)
    data = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert data["tool"]["bastion"]["app"] == "mysite.wsgi:application"


def test_generated_python_files_are_valid_and_filled_in(tmp_path: Path) -> None:
    create_project("mysite", tmp_path)
    for path in tmp_path.rglob("*.py"):
        source = path.read_text()
        ast.parse(source, filename=str(path))
        assert "$" not in source, path
        assert "project_name" not in source, path
    assert not list(tmp_path.rglob("*-tpl"))


def test_generated_settings_hold_a_fresh_development_key(tmp_path: Path) -> None:
    create_project("one", tmp_path / "a")
    create_project("two", tmp_path / "b")
    keys = []
    for settings in [
        tmp_path / "a" / "one" / "settings.py",
        tmp_path / "b" / "two" / "settings.py",
    ]:
        match = re.search(r'^SECRET_KEY = "(.*)"$', settings.read_text(), re.MULTILINE)
        assert match is not None
        keys.append(match[1])
    assert keys[0] != keys[1]
    for key in keys:
        assert key.startswith(INSECURE_PREFIX)
        assert len(key.removeprefix(INSECURE_PREFIX)) == 64
        # Development only: refused as a production key because of its prefix.
        assert secret_key_problem(key) is not None
        assert secret_key_problem(key.removeprefix(INSECURE_PREFIX)) is None


def test_generated_settings_values(tmp_path: Path) -> None:
    create_project("mysite", tmp_path)
    text = (tmp_path / "mysite" / "settings.py").read_text()
    assert "\nDEBUG = True\n" in text
    assert "ALLOWED_HOSTS: list[str] = []" in text
    assert 'TEMPLATES = TemplateConfig(dirs=("templates",))' in text
    assert 'STATIC = StaticConfig(dirs=("static",))' in text
    assert "BASE_DIR = str(Path(__file__).resolve().parent.parent)" in text
    for variable in ("BASTION_DEBUG=false", "BASTION_SECRET_KEY", "BASTION_ALLOWED_HOSTS"):
        assert variable in text


def test_generated_settings_can_mail_and_offer_passkeys(tmp_path: Path) -> None:
    """The development SITE_URL gives a sender the mailer accepts (not ``noreply@localhost``)
    and a passkey relying party browsers accept (not an IP address)."""
    create_project("mysite", tmp_path)
    source = (tmp_path / "mysite" / "settings.py").read_text()
    module = types.ModuleType("generated_settings")
    module.__file__ = str(tmp_path / "mysite" / "settings.py")
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    settings = load_settings(module, environ={})
    validate_email(settings.from_email)
    assert passkeys.rp_id(settings) == "localhost"


def test_secret_key_is_never_printed(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["startproject", "mysite", str(tmp_path)])
    key = re.search(r'SECRET_KEY = "(.*)"', (tmp_path / "mysite" / "settings.py").read_text())
    assert key is not None
    assert key[1] not in result.output
    assert key[1].removeprefix(INSECURE_PREFIX) not in result.output


def test_generated_templates_are_csp_friendly(tmp_path: Path) -> None:
    create_project("mysite", tmp_path)
    base = (tmp_path / "templates" / "base.html").read_text()
    index = (tmp_path / "home" / "templates" / "home" / "index.html").read_text()
    assert "static('site.css')" in base
    assert "csp_nonce()" in base
    assert "<title>{% block title %}mysite{% endblock %}</title>" in base
    visible = re.sub(r"{#.*?#}", "", base + index, flags=re.DOTALL)
    assert "<script" not in visible
    assert " on" not in re.sub(r"\s+", " ", visible).replace(" one", "")
    assert "{{ csrf_input() }}" in index
    assert "{{ name }}" in index
    assert "|safe" not in index


def test_generated_files_use_the_umask(tmp_path: Path) -> None:
    """Plain files: the key in settings.py is development-only, so it needs no 0600."""
    umask = os.umask(0)
    os.umask(umask)
    create_project("mysite", tmp_path)
    mode = stat.S_IMODE((tmp_path / "mysite" / "settings.py").stat().st_mode)
    assert mode == 0o666 & ~umask


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("my-site", "not a valid project name"),
        ("MySite", "not a valid project name"),
        ("1site", "not a valid project name"),
        ("", "not a valid project name"),
        ("class", "not a valid project name"),
        ("bastion", "reserved"),
        ("home", "reserved"),
        ("static", "reserved"),
        ("templates", "reserved"),
        ("tests", "reserved"),
        ("__main__", "already an installed module"),
        ("json", "standard library"),
        ("os", "standard library"),
        ("click", "installed module"),
        ("pytest", "installed module"),
    ],
)
def test_startproject_refuses_bad_names(
    runner: CliRunner, tmp_path: Path, name: str, message: str
) -> None:
    result = runner.invoke(cli, ["startproject", name, str(tmp_path / "p")])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "p").exists()


def test_name_problem_accepts_good_names() -> None:
    assert name_problem("mysite") is None
    assert name_problem("my_site2") is None


def test_startproject_refuses_to_overwrite(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "mysite").mkdir()
    settings = tmp_path / "mysite" / "settings.py"
    settings.write_text("KEEP = 1\n")
    result = runner.invoke(cli, ["startproject", "mysite", str(tmp_path)])
    assert result.exit_code == 1
    assert "Refusing to overwrite existing files" in result.stderr
    assert str(settings) in result.stderr
    assert settings.read_text() == "KEEP = 1\n"
    # Nothing at all was written: the check runs before the first file.
    assert created(tmp_path) == {"mysite/settings.py"}


def test_startproject_twice_refuses_second_time(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["startproject", "mysite", str(tmp_path)]).exit_code == 0
    again = runner.invoke(cli, ["startproject", "mysite", str(tmp_path)])
    assert again.exit_code == 1
    assert "Refusing to overwrite" in again.stderr


def test_startproject_refuses_file_as_directory(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("")
    result = runner.invoke(cli, ["startproject", "mysite", str(target)])
    assert result.exit_code != 0
    assert created(tmp_path) == {"file"}


def test_create_project_refuses_existing_file_target(tmp_path: Path) -> None:
    import click

    target = tmp_path / "file"
    target.write_text("")
    with pytest.raises(click.ClickException, match="is not a directory"):
        create_project("mysite", target)


def test_create_project_with_given_key(tmp_path: Path) -> None:
    create_project("mysite", tmp_path, secret_key="k" * 64)
    assert (
        f'SECRET_KEY = "{INSECURE_PREFIX}{"k" * 64}"'
        in (tmp_path / "mysite" / "settings.py").read_text()
    )


def test_plan_project_lists_every_template_file(tmp_path: Path) -> None:
    planned = plan_project("mysite", tmp_path)
    assert {p.destination.relative_to(tmp_path).as_posix() for p in planned} == EXPECTED_FILES
    rendered = {p.destination.name for p in planned if p.render}
    assert "settings.py" in rendered
    assert "index.html" not in rendered  # Jinja's own {{ }} stays untouched


def test_shown_path_outside_cwd(runner: CliRunner, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    here = tmp_path / "here"
    here.mkdir()
    old = Path.cwd()
    os.chdir(here)
    try:
        result = runner.invoke(cli, ["startproject", "mysite", str(elsewhere)])
    finally:
        os.chdir(old)
    assert f"in {elsewhere}." in result.output


def test_generated_project_passes_ruff(tmp_path: Path) -> None:
    """The generated code meets the framework's own lint rules (imports sorted, no unused)."""
    create_project("mysite", tmp_path)
    ruff = Path(sys.executable).with_name("ruff")  # a dev dependency: always installed
    result = subprocess.run(
        [str(ruff), "check", "--isolated", "--select", "E,F,W,I", "--line-length", "100", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
