"""Clickjacking: no page can be framed by another site unless a view says so, with a reason.

Both frame headers are checked on every kind of response, and the ways a view could drop
the protection by accident (setting its own header, its own CSP, switching the CSP off) are
tried one by one.
"""

from __future__ import annotations

from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, Request, Response, path
from bastion.exceptions import ImproperlyConfigured
from bastion.security.headers import csp_exempt, csp_override, csp_update, xframe_options_exempt
from bastion.settings import Settings
from bastion.testing import Client

KEY = "q8Zr2LmV7xKp4TnW9cYb3HdJ6fGs1RaE5uQo0iMl8NvBwXyCtPkSj"


def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


def crash(request: Request) -> Response:
    raise RuntimeError("a bug")


def allowall(request: Request) -> Response:
    response = PlainTextResponse("allowall")
    response.headers["X-Frame-Options"] = "ALLOWALL"
    return response


def lowercase(request: Request) -> Response:
    response = PlainTextResponse("lower")
    response.headers.add("x-frame-options", "allow-from https://evil.example")
    response.headers.add("content-security-policy", "frame-ancestors *")
    return response


def own_policy(request: Request) -> Response:
    response = PlainTextResponse("own")
    response.headers["Content-Security-Policy"] = "default-src 'self'"  # no frame-ancestors
    return response


@csp_exempt(reason="legacy page being migrated")
def no_csp(request: Request) -> Response:
    return PlainTextResponse("no csp")


@csp_override({"default-src": ("'self'",)})
def overridden(request: Request) -> Response:
    return PlainTextResponse("overridden")


@csp_update(img_src=("https://cdn.example",))
def updated(request: Request) -> Response:
    return PlainTextResponse("updated")


ROUTES = [
    path("", ok),
    path("crash", crash),
    path("allowall", allowall),
    path("lowercase", lowercase),
    path("own-policy", own_policy),
    path("no-csp", no_csp),
    path("overridden", overridden),
    path("updated", updated),
    path("get-only", ok, methods=["GET"]),
]


def make_app(**overrides: Any) -> Bastion:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"], **overrides)
    return Bastion(settings, routes=ROUTES)


def frame_ancestors(response: Any) -> list[str]:
    return [
        directive.strip()
        for value in response.headers.getlist("Content-Security-Policy")
        for directive in value.split(";")
        if directive.strip().startswith("frame-ancestors")
    ]


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/nowhere", 404),
        ("POST", "/get-only", 405),
        ("GET", "/crash", 500),
        ("HEAD", "/", 200),
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_frame_headers_on_every_response(method: str, url: str, status: int, debug: bool) -> None:
    response = Client(make_app(DEBUG=debug), raise_server_exceptions=False).request(method, url)
    assert response.status_code == status
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    assert frame_ancestors(response) == ["frame-ancestors 'none'"]


@pytest.mark.parametrize(
    "url", ["/allowall", "/lowercase", "/own-policy", "/overridden", "/updated"]
)
def test_a_view_cannot_drop_frame_protection_by_accident(url: str) -> None:
    response = Client(make_app()).get(url)
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    # A policy the view set itself is sent after the layer's; browsers enforce every policy,
    # so the layer's frame-ancestors 'none' holds whatever the view's says.
    layers, *views = response.headers.getlist("Content-Security-Policy")
    assert "frame-ancestors 'none'" in [d.strip() for d in layers.split(";")]
    assert len(views) == (1 if url in ("/lowercase", "/own-policy") else 0)


def test_switching_the_csp_off_keeps_x_frame_options() -> None:
    response = Client(make_app()).get("/no-csp")
    assert "Content-Security-Policy" not in response.headers
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]


def test_frame_ancestors_cannot_be_loosened_through_the_csp_decorators() -> None:
    with pytest.raises(ImproperlyConfigured):
        csp_override({"default-src": ("'self'",), "frame-ancestors": ("*",)})
    with pytest.raises(ImproperlyConfigured):
        csp_update({"frame-ancestors": ("https://evil.example",)})


def test_the_only_opt_out_says_why() -> None:
    with pytest.raises(TypeError):
        xframe_options_exempt()
    with pytest.raises(TypeError):
        xframe_options_exempt(ok)  # type: ignore[arg-type]
