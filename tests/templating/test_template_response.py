"""TemplateResponse and render(): rendered at once, inspectable by tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.http.response import HTMLResponse
from bastion.settings import Settings
from bastion.templating import TemplateResponse, render

MakeRequest = Callable[..., Request]
WriteTemplate = Callable[[str, str], Path]


@pytest.fixture(autouse=True)
def _templates(write_template: WriteTemplate) -> None:
    write_template("hello.html", "<p>Hello {{ name }} at {{ request.path }}</p>")
    write_template("mail.txt", "Dear {{ name }}")


def test_render_returns_a_rendered_template_response(make_request: MakeRequest) -> None:
    request = make_request(path="/greet")
    response = render(request, "hello.html", {"name": "Ada"})
    assert isinstance(response, TemplateResponse)
    assert isinstance(response, HTMLResponse)
    assert response.status_code == 200
    assert response.text == "<p>Hello Ada at /greet</p>"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_render_keeps_template_name_and_context_for_tests(make_request: MakeRequest) -> None:
    request = make_request()
    response = render(request, "hello.html", {"name": "Ada"})
    assert response.template_name == "hello.html"
    assert response.context["name"] == "Ada"
    assert response.context["request"] is request


def test_render_without_context_still_passes_request(make_request: MakeRequest) -> None:
    request = make_request(path="/x")
    response = render(request, "hello.html")
    assert response.context == {"request": request}
    assert response.text == "<p>Hello  at /x</p>"


def test_render_does_not_mutate_the_callers_context(make_request: MakeRequest) -> None:
    context = {"name": "Ada"}
    render(make_request(), "hello.html", context)
    assert context == {"name": "Ada"}


def test_render_request_in_context_is_the_real_request(make_request: MakeRequest) -> None:
    request = make_request(path="/real")
    response = render(request, "hello.html", {"request": "spoofed"})
    assert response.context["request"] is request
    assert "/real" in response.text


@pytest.mark.parametrize(
    ("kwargs", "status", "content_type"),
    [
        ({}, 200, "text/html; charset=utf-8"),
        ({"status": 404}, 404, "text/html; charset=utf-8"),
        ({"content_type": "text/plain; charset=utf-8"}, 200, "text/plain; charset=utf-8"),
        ({"status": 201, "headers": {"X-Extra": "1"}}, 201, "text/html; charset=utf-8"),
        ({"headers": [("X-Extra", "1")], "content_type": "text/x"}, 200, "text/x"),
    ],
)
def test_render_passes_status_headers_and_content_type(
    make_request: MakeRequest, kwargs: dict[str, object], status: int, content_type: str
) -> None:
    response = render(make_request(), "mail.txt", {"name": "Bo"}, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.headers["Content-Type"] == content_type
    if "headers" in kwargs:
        assert response.headers["X-Extra"] == "1"


def test_render_sequence_of_names(make_request: MakeRequest) -> None:
    response = render(make_request(), ["missing.html", "mail.txt"], {"name": "Bo"})
    assert response.text == "Dear Bo"
    assert response.template_name == ["missing.html", "mail.txt"]


def test_template_response_built_directly(make_request: MakeRequest) -> None:
    response = TemplateResponse(make_request(), "mail.txt", {"name": "Cy"}, status=202)
    assert (response.status_code, response.text) == (202, "Dear Cy")


def test_render_encodes_utf8(make_request: MakeRequest) -> None:
    response = render(make_request(), "mail.txt", {"name": "フレーム"})
    assert response.body == "Dear フレーム".encode()


def test_render_missing_template_raises(make_request: MakeRequest) -> None:
    with pytest.raises(jinja2.TemplateNotFound, match=r"nope\.html"):
        render(make_request(), "nope.html")


def test_render_without_application_says_what_to_do() -> None:
    request = Request(settings=Settings())
    with pytest.raises(ImproperlyConfigured, match=r"request\.app"):
        render(request, "hello.html")
