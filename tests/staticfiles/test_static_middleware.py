"""StaticFilesMiddleware: serve under the prefix, pass everything else on."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bastion.http.exceptions import NotFound
from bastion.http.request import Request
from bastion.http.response import PlainTextResponse, Response
from bastion.staticfiles import StaticFiles, StaticFilesMiddleware

MakeStatic = Callable[..., StaticFiles]
MakeRequest = Callable[..., Request]
BodyOf = Callable[[Response], bytes]


def downstream(request: Request) -> Response:
    return PlainTextResponse(f"view {request.method} {request.path}")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/static"),
        ("GET", "/staticfoo/x.css"),
        ("GET", "/other/static/css/site.css"),
        ("POST", "/static/css/site.css"),
        ("DELETE", "/static/missing.css"),
    ],
)
def test_middleware_passes_other_requests_on(
    make_static: MakeStatic, make_request: MakeRequest, method: str, path: str
) -> None:
    middleware = StaticFilesMiddleware(make_static())
    response = middleware(make_request(path, method), downstream)
    assert response.text == f"view {method} {path}"


def test_middleware_serves_static_files(
    make_static: MakeStatic, make_request: MakeRequest, body_of: BodyOf
) -> None:
    middleware = StaticFilesMiddleware(make_static())
    response = middleware(make_request("/static/js/app.js"), downstream)
    assert body_of(response) == b"console.log(1)"
    assert response.headers["Cache-Control"] == "no-cache"


def test_middleware_missing_file_is_404_not_the_view(
    make_static: MakeStatic, make_request: MakeRequest
) -> None:
    middleware = StaticFilesMiddleware(make_static())
    with pytest.raises(NotFound):
        middleware(make_request("/static/missing.js"), downstream)


def test_middleware_repr_names_the_static_files(make_static: MakeStatic) -> None:
    static = make_static()
    assert repr(StaticFilesMiddleware(static)) == f"StaticFilesMiddleware({static!r})"
