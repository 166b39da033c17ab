"""``csrf_input()`` names its field after ``CSRF.field_name``, the name the middleware reads."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from bastion.http.request import Request
from bastion.settings import CSRFConfig, Settings
from bastion.templating import TemplateEngine
from bastion.templating.globals import CSRF_FIELD_NAME

MakeRequest = Callable[..., Request]


def render(engine: TemplateEngine, source: str, **context: Any) -> str:
    return engine.environment.from_string(source).render(**context)


@pytest.mark.parametrize("field_name", ["_xsrf", "csrfmiddlewaretoken", CSRF_FIELD_NAME])
def test_csrf_input_uses_the_configured_field_name(
    engine: TemplateEngine, make_request: MakeRequest, field_name: str
) -> None:
    request = make_request(settings=Settings(CSRF=CSRFConfig(field_name=field_name)))
    request.csrf_token_factory = lambda: "tok"
    html = render(engine, "{{ csrf_input() }}", request=request)
    assert html == f'<input type="hidden" name="{field_name}" value="tok">'


def test_csrf_input_escapes_the_field_name(
    engine: TemplateEngine, make_request: MakeRequest
) -> None:
    request = make_request(settings=Settings(CSRF=CSRFConfig(field_name='a"><b')))
    request.csrf_token_factory = lambda: "tok"
    html = render(engine, "{{ csrf_input() }}", request=request)
    assert html == '<input type="hidden" name="a&#34;&gt;&lt;b" value="tok">'


def test_csrf_input_falls_back_to_the_default_name(engine: TemplateEngine) -> None:
    # A request-like object without settings (a test double) still gets a usable field.
    request = SimpleNamespace(csrf_token_factory=lambda: "tok")
    html = render(engine, "{{ csrf_input() }}", request=request)
    assert html == f'<input type="hidden" name="{CSRF_FIELD_NAME}" value="tok">'


def test_default_field_name_matches_the_settings_default() -> None:
    assert CSRFConfig().field_name == CSRF_FIELD_NAME
