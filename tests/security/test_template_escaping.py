"""XSS: every template escapes its variables, whatever its extension.

Threat: user input rendered into a page (or a mail body, or a feed) runs as script in a
reader's browser. Bastion forces autoescaping on for every template and refuses
``{% autoescape %}`` blocks; ``|safe`` and ``Markup`` are the only ways out.

Not covered by escaping, on purpose documented here: a ``javascript:`` URL put in an
``href`` is escaped text and still a script URL. Validate the scheme of user-supplied links
where you accept them (http and https only).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from bastion.http.request import Request
from bastion.settings import Settings
from bastion.templating import TemplateEngine, render

PAYLOADS = [
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    "</textarea><script>alert(1)</script>",
    "</title><img src=x onerror=alert(1)>",
    "<![CDATA[ ]]><x/>",
    "&lt;already-escaped&gt;",
    "<svg/onload=alert(1)>",
]
EXTENSIONS = [".html", ".htm", ".txt", ".xml", ".j2", ".jinja", ".md", ".svg", ""]
RAW_CHARS = ("<", ">", '"', "'")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("templates")
    for ext in EXTENSIONS:
        (path / f"body{ext}").write_text("{{ value }}")
        (path / f"attr{ext}").write_text("<a title=\"{{ value }}\" alt='{{ value }}'>x</a>")
    (path / "textarea.html").write_text("<textarea>{{ value }}</textarea>")
    (path / "safe.html").write_text("{{ value|safe }}")
    (path / "include.html").write_text("<div>{% include 'body.txt' %}</div>")
    (path / "base.html").write_text("<main>{% block main %}{% endblock %}</main>")
    (path / "child.html").write_text(
        "{% extends 'base.html' %}{% block main %}{{ value }}{% endblock %}"
    )
    (path / "macro.html").write_text(
        "{% macro show(v) %}<b>{{ v }}</b>{% endmacro %}{{ show(value) }}"
    )
    (path / "href.html").write_text('<a href="{{ value }}">link</a>')
    (path / "script.html").write_text("<script>var data = {{ value|tojson }};</script>")
    return path


@pytest.fixture(scope="module")
def engine(folder: Path) -> TemplateEngine:
    return TemplateEngine(
        Settings(), search_dirs=[folder], url=lambda n, **p: "/", static=lambda p: p
    )


@pytest.mark.parametrize("ext", EXTENSIONS)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_escaping_body_in_every_extension(engine: TemplateEngine, ext: str, payload: str) -> None:
    html = engine.render(f"body{ext}", {"value": payload})
    assert html == str(escape(payload))
    assert not any(ch in html for ch in RAW_CHARS)


@pytest.mark.parametrize("ext", EXTENSIONS)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_escaping_attribute_quotes_in_every_extension(
    engine: TemplateEngine, ext: str, payload: str
) -> None:
    html = engine.render(f"attr{ext}", {"value": payload})
    assert html.count('"') == 2
    assert html.count("'") == 2
    assert 'onmouseover="' not in html
    assert "<script" not in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escaping_cannot_close_a_textarea(engine: TemplateEngine, payload: str) -> None:
    html = engine.render("textarea.html", {"value": payload})
    assert html.count("</textarea>") == 1
    assert html.endswith("</textarea>")


@pytest.mark.parametrize(
    "name", ["include.html", "child.html", "macro.html"], ids=["include", "extends", "macro"]
)
def test_escaping_through_include_extends_and_macros(engine: TemplateEngine, name: str) -> None:
    html = engine.render(name, {"value": "<script>x</script>"})
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_escaping_applies_to_render_and_template_response(engine: TemplateEngine) -> None:
    request = Request(settings=Settings(), app=SimpleNamespace(templates=engine))
    response = render(request, "body.txt", {"value": "<b>hi</b>"})
    assert response.text == "&lt;b&gt;hi&lt;/b&gt;"


@pytest.mark.parametrize(
    "source",
    [
        "{{ value ~ '' }}",
        "{{ '%s'|format(value) }}",
        "{{ [value]|join(',') }}",
        "{{ value|upper }}",
        "{{ value|replace('x', 'y') }}",
        "{% set copy = value %}{{ copy }}",
        "{% filter safe %}{{ value }}{% endfilter %}",
        "{% filter upper %}{{ value }}{% endfilter %}",
    ],
)
def test_escaping_survives_filters_and_expressions(engine: TemplateEngine, source: str) -> None:
    html = engine.environment.from_string(source).render(value="<i>")
    assert "<" not in html
    assert "&lt;" in html.lower()


def test_escaping_tojson_cannot_close_the_script(engine: TemplateEngine) -> None:
    html = engine.render("script.html", {"value": "</script><script>alert(1)//"})
    assert html.count("</script>") == 1
    assert "\\u003c/script\\u003e" in html


def test_escaping_safe_filter_is_the_way_out(engine: TemplateEngine) -> None:
    assert engine.render("safe.html", {"value": "<b>trusted</b>"}) == "<b>trusted</b>"


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_escaping_markup_values_pass_unescaped(engine: TemplateEngine, ext: str) -> None:
    trusted = Markup("<b>trusted</b>")
    assert engine.render(f"body{ext}", {"value": trusted}) == "<b>trusted</b>"


@pytest.mark.parametrize(
    "source",
    [
        "{% autoescape false %}{{ value }}{% endautoescape %}",
        "{%- autoescape False -%}{{ value }}{%- endautoescape -%}",
    ],
)
def test_escaping_cannot_be_switched_off_in_a_template(engine: TemplateEngine, source: str) -> None:
    with pytest.raises(jinja2.TemplateSyntaxError, match="not allowed"):
        engine.environment.from_string(source)


def test_escaping_does_not_fix_javascript_urls(engine: TemplateEngine) -> None:
    # Documented limitation: the scheme of user-supplied links must be validated on input.
    html = engine.render("href.html", {"value": "javascript:alert(1)"})
    assert html == '<a href="javascript:alert(1)">link</a>'


@given(st.text())
def test_escaping_any_text_equals_markupsafe_escape(value: str) -> None:
    engine = _shared_engine()
    assert engine.environment.from_string("{{ v }}").render(v=value) == str(escape(value))


_ENGINE: list[TemplateEngine] = []


def _shared_engine() -> TemplateEngine:
    if not _ENGINE:
        _ENGINE.append(
            TemplateEngine(Settings(), search_dirs=[], url=lambda n, **p: "/", static=str)
        )
    return _ENGINE[0]
