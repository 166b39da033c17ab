from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from bastion import (
    Bastion,
    PlainTextResponse,
    RedirectView,
    Request,
    Response,
    TemplateView,
    View,
    path,
)
from bastion.settings import Settings, TemplateConfig

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"


class Greeting(View):
    greeting = "hello"

    def get(self, request: Request, name: str = "you") -> Response:
        return PlainTextResponse(f"{self.greeting} {name}")

    def post(self, request: Request, name: str = "you") -> Response:
        return PlainTextResponse("posted", status=201)


class Page(TemplateView):
    template_name: ClassVar[str | None] = "page.html"
    extra_context = {"title": "<Title>"}


class NoTemplate(TemplateView):
    pass


@pytest.fixture
def app(tmp_path: Path) -> Bastion:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("{{ title }} {{ slug }}")
    settings = Settings(
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver", "other.com"],
        BASE_DIR=str(tmp_path),
        TEMPLATES=TemplateConfig(dirs=("templates",)),
    )
    return Bastion(
        settings,
        routes=[
            path("greet/<str:name>/", Greeting.as_view(), name="greet"),
            path("hi/", Greeting.as_view(greeting="hi")),
            path("page/<slug:slug>/", Page.as_view()),
            path("broken/", NoTemplate.as_view()),
            path("old/<str:name>/", RedirectView.as_view(url="/greet/{name}/", query_string=True)),
            path("moved/<str:name>/", RedirectView.as_view(route_name="greet", permanent=True)),
            path("gone/", RedirectView.as_view()),
            path("away/", RedirectView.as_view(url="https://evil.com/")),
        ],
    )


def test_view_dispatches_by_method(app: Bastion, wsgi: Any) -> None:
    assert wsgi.call(app, wsgi.environ("/greet/ada/")).text == "hello ada"
    assert wsgi.call(app, wsgi.environ("/hi/")).text == "hi you"
    assert wsgi.call(app, wsgi.environ("/greet/ada/", method="POST")).status_code == 201
    head = wsgi.call(app, wsgi.environ("/greet/ada/", method="HEAD"))
    assert head.status_code == 200
    assert head.body == b""


def test_view_405_and_options(app: Bastion, wsgi: Any) -> None:
    result = wsgi.call(app, wsgi.environ("/greet/ada/", method="DELETE"))
    assert result.status_code == 405
    assert result.header("Allow") == "GET, HEAD, OPTIONS, POST"
    options = wsgi.call(app, wsgi.environ("/greet/ada/", method="OPTIONS"))
    assert options.status_code == 204
    assert options.header("Allow") == "GET, HEAD, OPTIONS, POST"
    assert wsgi.call(app, wsgi.environ("/greet/ada/", method="TRACE")).status_code == 405


def test_as_view_refuses_unknown_attributes() -> None:
    with pytest.raises(TypeError, match="not an attribute"):
        Greeting.as_view(greting="typo")
    with pytest.raises(TypeError, match="not an attribute"):
        Greeting.as_view(get="x")
    view = Greeting.as_view()
    assert view.__name__ == "Greeting"
    assert view.view_class is Greeting  # type: ignore[attr-defined]


def test_template_view_renders_escaped_context(app: Bastion, wsgi: Any) -> None:
    assert wsgi.call(app, wsgi.environ("/page/intro/")).text == "&lt;Title&gt; intro"


def test_template_view_without_template_is_500(app: Bastion, wsgi: Any) -> None:
    assert wsgi.call(app, wsgi.environ("/broken/")).status_code == 500


def test_redirect_view_url_route_and_gone(app: Bastion, wsgi: Any) -> None:
    result = wsgi.call(app, wsgi.environ("/old/ada/", query="x=1"))
    assert (result.status_code, result.header("Location")) == (307, "/greet/ada/?x=1")
    result = wsgi.call(app, wsgi.environ("/moved/ada/", method="POST", SCRIPT_NAME="/m"))
    assert (result.status_code, result.header("Location")) == (308, "/m/greet/ada/")
    assert wsgi.call(app, wsgi.environ("/gone/")).status_code == 410


def test_redirect_view_refuses_external_host(app: Bastion, wsgi: Any) -> None:
    assert wsgi.call(app, wsgi.environ("/away/")).status_code == 400
