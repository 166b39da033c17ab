"""TemplateEngine: one environment, autoescape always on, search order, caching, errors."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.settings import Settings, TemplateConfig
from bastion.templating import TemplateEngine
from bastion.templating import engine as engine_module
from bastion.templating.engine import CACHE_SIZE, AutoescapeLock

MakeEngine = Callable[..., TemplateEngine]
WriteTemplate = Callable[[str, str], Path]


def test_engine_autoescape_is_the_bool_true(engine: TemplateEngine) -> None:
    assert engine.environment.autoescape is True


def test_engine_uses_jinja_default_undefined(
    engine: TemplateEngine, write_template: WriteTemplate
) -> None:
    write_template("page.html", "[{{ missing }}][{{ missing is defined }}]")
    write_template("deeper.html", "{{ missing.attr }}")
    assert engine.environment.undefined is jinja2.Undefined
    assert engine.render("page.html", {}) == "[][False]"
    with pytest.raises(jinja2.UndefinedError, match="'missing' is undefined"):
        engine.render("deeper.html", {})


def test_engine_cache_is_bounded(engine: TemplateEngine) -> None:
    cache = engine.environment.cache
    assert isinstance(cache, jinja2.utils.LRUCache)
    assert cache.capacity == CACHE_SIZE == 400


def test_engine_compiles_each_template_once(
    engine: TemplateEngine, write_template: WriteTemplate, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_template("page.html", "{{ n }}")
    loader = engine.environment.loader
    assert loader is not None
    calls: list[str] = []
    original = loader.get_source

    def counting(environment: jinja2.Environment, name: str) -> object:
        calls.append(name)
        return original(environment, name)

    monkeypatch.setattr(loader, "get_source", counting)
    rendered = [engine.render("page.html", {"n": n}) for n in range(5)]
    assert rendered == ["0", "1", "2", "3", "4"]
    assert calls == ["page.html"]
    assert engine.get_template("page.html") is engine.get_template("page.html")


def test_engine_searches_dirs_in_order(make_engine: MakeEngine, tmp_path: Path) -> None:
    project, app = tmp_path / "project", tmp_path / "app"
    for folder, text in ((project, "project"), (app, "app")):
        folder.mkdir()
        (folder / "both.html").write_text(text)
    (app / "only_app.html").write_text("app only")
    engine = make_engine(search_dirs=[project, app])
    assert engine.render("both.html", {}) == "project"
    assert engine.render("only_app.html", {}) == "app only"
    assert engine.search_dirs[:2] == (project, app)


def test_engine_appends_builtin_templates_when_present(
    make_engine: MakeEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "bastion_page.html").write_text("framework page")
    monkeypatch.setattr(engine_module, "BUILTIN_TEMPLATES", builtin)
    engine = make_engine()
    assert engine.search_dirs[-1] == builtin
    assert engine.render("bastion_page.html", {}) == "framework page"


def test_engine_omits_builtin_templates_when_absent(
    make_engine: MakeEngine, tmp_path: Path, templates_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUILTIN_TEMPLATES", tmp_path / "nowhere")
    assert make_engine().search_dirs == (templates_dir,)


@pytest.mark.parametrize(
    ("debug", "auto_reload", "expected"),
    [
        (False, None, False),
        (True, None, True),
        (False, True, True),
        (True, False, False),
    ],
)
def test_engine_auto_reload_follows_setting_or_debug(
    make_engine: MakeEngine, debug: bool, auto_reload: bool | None, expected: bool
) -> None:
    settings = Settings(DEBUG=debug, TEMPLATES=TemplateConfig(auto_reload=auto_reload))
    assert make_engine(settings).environment.auto_reload is expected


@pytest.mark.parametrize(("auto_reload", "expected"), [(True, "new"), (False, "old")])
def test_engine_reloads_changed_templates_only_when_asked(
    make_engine: MakeEngine, write_template: WriteTemplate, auto_reload: bool, expected: str
) -> None:
    path = write_template("page.html", "old")
    engine = make_engine(auto_reload=auto_reload)
    assert engine.render("page.html", {}) == "old"
    path.write_text("new")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert engine.render("page.html", {}) == expected


def test_engine_loads_configured_extensions(
    make_engine: MakeEngine, write_template: WriteTemplate
) -> None:
    write_template(
        "loop.html",
        "{% for i in [1, 2, 3] %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}",
    )
    engine = make_engine(extensions=("jinja2.ext.loopcontrols",))
    assert engine.render("loop.html", {}) == "1"
    assert any(isinstance(ext, AutoescapeLock) for ext in engine.environment.extensions.values())


@pytest.mark.parametrize("extension", ["no_such_module.Ext", "jinja2.ext.NoSuchExtension"])
def test_engine_refuses_unloadable_extensions(make_engine: MakeEngine, extension: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"TEMPLATES\.extensions"):
        make_engine(extensions=(extension,))


def test_engine_refuses_extension_that_disables_autoescape(
    make_engine: MakeEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "unescape_ext.py"
    module.write_text(
        "from jinja2.ext import Extension\n"
        "class Unescape(Extension):\n"
        "    def __init__(self, environment):\n"
        "        super().__init__(environment)\n"
        "        environment.autoescape = False\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImproperlyConfigured, match="switched autoescaping off"):
        make_engine(extensions=("unescape_ext.Unescape",))


@pytest.mark.parametrize(
    "source",
    [
        "{% autoescape false %}{{ x }}{% endautoescape %}",
        "{%- autoescape false -%}{{ x }}{%- endautoescape %}",
        "{%+ autoescape false %}{{ x }}{% endautoescape %}",
        "{% autoescape true %}{{ x }}{% endautoescape %}",
        "line one\n{% if x %}\n{%   autoescape x %}{{ x }}{% endautoescape %}{% endif %}",
    ],
)
def test_engine_refuses_autoescape_blocks(engine: TemplateEngine, source: str) -> None:
    with pytest.raises(jinja2.TemplateSyntaxError, match="not allowed"):
        engine.environment.from_string(source)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ autoescape }}", "1"),
        ("{% if autoescape %}yes{% endif %}", "yes"),
        ("{% set autoescape = 2 %}{{ autoescape }}", "2"),
        ("{% raw %}{% autoescape false %}{% endraw %}", "{% autoescape false %}"),
    ],
)
def test_engine_allows_the_word_autoescape_elsewhere(
    engine: TemplateEngine, source: str, expected: str
) -> None:
    assert engine.environment.from_string(source).render(autoescape=1) == expected


def test_engine_refusal_names_the_file_and_line(
    engine: TemplateEngine, write_template: WriteTemplate
) -> None:
    write_template("bad.html", "ok\n{% autoescape false %}{% endautoescape %}")
    with pytest.raises(jinja2.TemplateSyntaxError) as info:
        engine.get_template("bad.html")
    assert info.value.lineno == 2
    assert info.value.name == "bad.html"


def test_engine_render_accepts_any_mapping(
    engine: TemplateEngine, write_template: WriteTemplate
) -> None:
    write_template("page.txt", "{{ a }}-{{ b }}")
    assert engine.render("page.txt", {"a": 1, "b": 2}) == "1-2"


def test_engine_render_sequence_first_found_wins(
    engine: TemplateEngine, write_template: WriteTemplate
) -> None:
    write_template("second.html", "second")
    write_template("third.html", "third")
    assert engine.render(["first.html", "second.html", "third.html"], {}) == "second"
    assert engine.render(("third.html",), {}) == "third"


def test_engine_get_template_missing_names_the_folders(
    engine: TemplateEngine, templates_dir: Path
) -> None:
    with pytest.raises(jinja2.TemplateNotFound) as info:
        engine.get_template("missing.html")
    assert info.value.name == "missing.html"
    assert not isinstance(info.value, jinja2.TemplatesNotFound)
    assert "'missing.html'" in info.value.message
    assert str(templates_dir) in info.value.message
    assert "TEMPLATES.dirs" in info.value.message


@pytest.mark.parametrize("names", [["a.html", "b.html"], ["only.html"], []])
def test_engine_select_template_none_found(engine: TemplateEngine, names: list[str]) -> None:
    with pytest.raises(jinja2.TemplatesNotFound) as info:
        engine.render(names, {})
    assert info.value.templates == names
    for name in names:
        assert repr(name) in info.value.message


def test_engine_not_found_without_folders(
    make_engine: MakeEngine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(engine_module, "BUILTIN_TEMPLATES", tmp_path / "nowhere")
    engine = make_engine(search_dirs=[])
    with pytest.raises(jinja2.TemplateNotFound, match=r"\(none\)"):
        engine.render("x.html", {})


@pytest.mark.parametrize("name", ["../secret.html", "a/../../secret.html"])
def test_engine_refuses_template_names_leaving_the_folder(
    engine: TemplateEngine, templates_dir: Path, name: str
) -> None:
    (templates_dir.parent / "secret.html").write_text("secret")
    with pytest.raises(jinja2.TemplateNotFound):
        engine.get_template(name)


def test_engine_missing_include_is_not_relabelled(
    engine: TemplateEngine, write_template: WriteTemplate
) -> None:
    write_template("page.html", "{% include 'gone.html' %}")
    with pytest.raises(jinja2.TemplateNotFound) as info:
        engine.render("page.html", {})
    assert info.value.name == "gone.html"


def test_engine_repr_lists_folders(engine: TemplateEngine, templates_dir: Path) -> None:
    assert str(templates_dir) in repr(engine)


def test_engine_globals_are_installed(engine: TemplateEngine) -> None:
    assert {"url", "static", "csrf_input", "csrf_token", "csp_nonce"} <= set(
        engine.environment.globals
    )


def test_engine_globals_reach_included_imported_and_extended_templates(
    engine: TemplateEngine, write_template: WriteTemplate
) -> None:
    write_template("base.html", "[{{ static('b.css') }}]{% block body %}{% endblock %}")
    write_template("part.html", "[{{ static('p.css') }}]")
    write_template("macros.html", "{% macro link() %}[{{ static('m.css') }}]{% endmacro %}")
    write_template(
        "page.html",
        "{% extends 'base.html' %}{% import 'macros.html' as m %}"
        "{% block body %}{% include 'part.html' %}{{ m.link() }}{% endblock %}",
    )
    assert engine.render("page.html", {}) == ("[/static/b.css][/static/p.css][/static/m.css]")


def test_engine_template_globals_are_a_plain_dict_snapshot(
    engine: TemplateEngine, write_template: WriteTemplate
) -> None:
    # Rendering copies a dict far faster than Jinja's ChainMap; the price is that globals
    # must be added before a template is first loaded (documented in docs/templates.md).
    write_template("early.html", "{{ site_name is defined }}")
    write_template("late.html", "{{ site_name }}")
    assert engine.render("early.html", {}) == "False"
    engine.environment.globals["site_name"] = "Bastion"
    assert engine.render("late.html", {}) == "Bastion"
    assert engine.render("early.html", {}) == "False"
    assert type(engine.get_template("late.html").globals) is dict


def test_engine_globals_passed_to_jinja_get_template_are_merged(engine: TemplateEngine) -> None:
    template = engine.environment.from_string("{{ extra }}-{{ static('x') }}", {"extra": 1})
    assert template.render() == "1-/static/x"
    assert engine.environment.from_string("{{ extra is defined }}").render() == "False"


def test_engine_relative_dirs_are_pinned_at_start_up(
    make_engine: MakeEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "project" / "templates").mkdir(parents=True)
    (tmp_path / "project" / "templates" / "page.html").write_text("pinned")
    monkeypatch.chdir(tmp_path / "project")
    engine = make_engine(search_dirs=[Path("templates")])
    monkeypatch.chdir(tmp_path)
    assert engine.render("page.html", {}) == "pinned"
