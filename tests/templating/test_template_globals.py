"""The template globals: url, static, csrf_input, csrf_token and csp_nonce."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bastion.http.request import Request
from bastion.templating import TemplateEngine
from bastion.templating.globals import CSRF_FIELD_NAME

MakeRequest = Callable[..., Request]


def render(engine: TemplateEngine, source: str, **context: Any) -> str:
    return engine.environment.from_string(source).render(**context)


@pytest.mark.parametrize(
    ("root_path", "source", "expected"),
    [
        ("", "{{ url('home') }}", "/home"),
        ("/mount", "{{ url('home') }}", "/mount/home"),
        ("/mount", "{{ url('blog:detail', slug='hello') }}", "/mount/blog/detail/hello"),
        ("", "{{ url('blog:page', year=2024, n=2) }}", "/blog/page/2024/2"),
    ],
)
def test_url_prefixes_the_request_mount_point(
    engine: TemplateEngine, make_request: MakeRequest, root_path: str, source: str, expected: str
) -> None:
    request = make_request(root_path=root_path)
    assert render(engine, source, request=request) == expected


def test_url_without_request_is_the_bare_path(engine: TemplateEngine) -> None:
    assert render(engine, "{{ url('blog:detail', slug='x') }}") == "/blog/detail/x"


def test_url_is_escaped_in_attributes(engine: TemplateEngine) -> None:
    html = render(engine, "<a href=\"{{ url('s', q='a\"b&c') }}\">")
    assert html == '<a href="/s/a&#34;b&amp;c">'


def test_static_calls_the_static_callable(engine: TemplateEngine) -> None:
    assert render(engine, "{{ static('css/site.css') }}") == "/static/css/site.css"
    assert engine.environment.globals["static"]("x.js") == "/static/x.js"


def test_csrf_input_renders_hidden_field_with_token(
    engine: TemplateEngine, make_request: MakeRequest
) -> None:
    request = make_request()
    request.csrf_token_factory = lambda: "tok-123"
    html = render(engine, "<form>{{ csrf_input() }}</form>", request=request)
    assert html == '<form><input type="hidden" name="csrf_token" value="tok-123"></form>'
    assert f'name="{CSRF_FIELD_NAME}"' in html


def test_csrf_input_escapes_the_token(engine: TemplateEngine, make_request: MakeRequest) -> None:
    request = make_request()
    request.csrf_token_factory = lambda: '"><script>x</script>'
    html = render(engine, "{{ csrf_input() }}", request=request)
    assert "<script>" not in html
    assert 'value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in html


@pytest.mark.parametrize("token", ["t", ""])
def test_csrf_input_is_markup_so_not_escaped_twice(
    engine: TemplateEngine, make_request: MakeRequest, token: str
) -> None:
    request = make_request()
    request.csrf_token_factory = lambda: token
    once = render(engine, "{{ csrf_input() }}", request=request)
    assert render(engine, "{{ csrf_input()|e }}", request=request) == once
    assert ("<input" in once) is bool(token)


@pytest.mark.parametrize("with_request", [True, False])
def test_csrf_helpers_render_nothing_without_the_hook(
    engine: TemplateEngine, make_request: MakeRequest, with_request: bool
) -> None:
    context = {"request": make_request()} if with_request else {}
    source = "[{{ csrf_input() }}][{{ csrf_token() }}][{{ csp_nonce() }}]"
    assert render(engine, source, **context) == "[][][]"


def test_csrf_token_returns_the_token(engine: TemplateEngine, make_request: MakeRequest) -> None:
    request = make_request()
    tokens = iter(["first", "second"])
    request.csrf_token_factory = lambda: next(tokens)
    assert render(engine, "{{ csrf_token() }} {{ csrf_token() }}", request=request) == (
        "first second"
    )


def test_csp_nonce_returns_the_nonce(engine: TemplateEngine, make_request: MakeRequest) -> None:
    request = make_request()
    request.csp_nonce_factory = lambda: "n0nce"
    html = render(engine, '<script nonce="{{ csp_nonce() }}"></script>', request=request)
    assert html == '<script nonce="n0nce"></script>'
