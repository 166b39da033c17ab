from __future__ import annotations

from typing import Any

from bastion import Bastion, PlainTextResponse, Request, Response, View, path
from bastion.settings import Settings
from bastion.types import Handler
from bastion.viewoptions import get_view_options, set_view_option, view_option

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"


@view_option("frame", "SAMEORIGIN")
def framed(request: Request) -> Response:
    return PlainTextResponse("framed")


def plain(request: Request) -> Response:
    return PlainTextResponse("plain")


@view_option("frame", "ALLOW")
class Widget(View):
    def get(self, request: Request) -> Response:
        return PlainTextResponse("widget")


class SubWidget(Widget):
    pass


set_view_option(SubWidget, "extra", 1)


class ReadOption:
    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        seen = request.view_option("frame", "DENY")
        response = call_next(request)
        response.headers["X-Frame-Seen"] = seen
        return response


def make() -> Bastion:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"])
    routes = [
        path("framed", framed),
        path("plain", plain),
        path("widget", Widget.as_view()),
        path("sub", SubWidget.as_view()),
    ]
    return Bastion(settings, routes=routes, middleware=[ReadOption()])


def test_options_set_and_copied_not_shared() -> None:
    assert get_view_options(framed) == {"frame": "SAMEORIGIN"}
    assert get_view_options(plain) == {}
    assert get_view_options(Widget) == {"frame": "ALLOW"}
    assert get_view_options(SubWidget) == {"frame": "ALLOW", "extra": 1}
    assert get_view_options(SubWidget.as_view()) == {"frame": "ALLOW", "extra": 1}


def test_middleware_sees_options_of_the_view_before_it_runs(wsgi: Any) -> None:
    app = make()
    seen = {
        p: wsgi.call(app, wsgi.environ(p)).header("X-Frame-Seen")
        for p in ["/framed", "/plain", "/widget", "/missing"]
    }
    assert seen == {
        "/framed": "SAMEORIGIN",
        "/plain": "DENY",
        "/widget": "ALLOW",
        "/missing": "DENY",
    }


def test_request_view_is_known_before_dispatch() -> None:
    app = make()
    request = Request(settings=app.settings, path="/framed")
    assert request.view is None
    assert request.view_option("frame") is None
    from bastion.handlers.base import resolve

    resolve(app.router, request)
    assert request.view is framed
    missing = Request(settings=app.settings, path="/nope")
    resolve(app.router, missing)
    assert missing.view is None
    assert missing.routing_error is not None
