from __future__ import annotations

import logging
from typing import Any

import pytest

from bastion import (
    App,
    Bastion,
    ImproperlyConfigured,
    PlainTextResponse,
    RedirectResponse,
    Request,
    Response,
    StreamingResponse,
    default_middleware,
    path,
)
from bastion.middleware import HostValidationMiddleware
from bastion.settings import Settings
from bastion.types import Handler

KEY = "x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"
SETTINGS = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"], ALLOWED_REDIRECT_HOSTS=["ok.com"])


def hello(request: Request) -> Response:
    return PlainTextResponse("hello")


def item(request: Request, pk: int) -> Response:
    return PlainTextResponse(f"item {pk} {request.route_name}")


def go(request: Request) -> Response:
    return RedirectResponse(request.query.get("to", "/"))


def returns_none(request: Request) -> Response:
    return None  # type: ignore[return-value]


def crash(request: Request) -> Response:
    raise RuntimeError("secret detail")


class Order:
    def __init__(self, tag: str, log: list[str]) -> None:
        self.tag = tag
        self.log = log

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        self.log.append(f"in {self.tag}")
        response = call_next(request)
        self.log.append(f"out {self.tag}")
        response.headers.add("X-Order", self.tag)
        return response


def make(settings: Settings = SETTINGS, **kwargs: Any) -> Bastion:
    routes = [
        path("", hello, name="home"),
        path("items/<int:pk>/", item, name="item"),
        path("go", go),
        path("none", returns_none),
        path("crash", crash),
    ]
    return Bastion(settings, routes=routes, **kwargs)


def test_app_serves_and_is_frozen(wsgi: Any) -> None:
    app = make()
    assert wsgi.call(app, wsgi.environ("/")).body == b"hello"
    with pytest.raises(AttributeError, match="frozen"):
        app.router = None  # type: ignore[assignment]
    assert "debug=False" in repr(app)


def test_app_refuses_weak_production_settings() -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        Bastion(Settings(SECRET_KEY="short", ALLOWED_HOSTS=["a"]))


def test_reverse_and_url_for(wsgi: Any) -> None:
    app = make()
    assert app.reverse("item", pk=3) == "/items/3/"
    request = Request(settings=app.settings, root_path="/mount")
    assert app.url_for(request, "home") == "/mount/"
    assert wsgi.call(app, wsgi.environ("/items/7/")).text == "item 7 item"


def test_trailing_slash_redirect_keeps_query_and_mount(wsgi: Any) -> None:
    result = wsgi.call(make(), wsgi.environ("/items/7", query="a=1", SCRIPT_NAME="/m"))
    assert result.status_code == 308
    assert result.header("Location") == "/m/items/7/?a=1"


def test_head_has_headers_but_no_body(wsgi: Any) -> None:
    result = wsgi.call(make(), wsgi.environ("/", method="HEAD"))
    assert result.status_code == 200
    assert result.body == b""
    assert result.header("Content-Length") == "5"


def test_middleware_order_and_error_pages_pass_through_middleware(wsgi: Any) -> None:
    log: list[str] = []
    app = make(middleware=[Order("outer", log), Order("inner", log)])
    result = wsgi.call(app, wsgi.environ("/missing"))
    assert result.status_code == 404
    assert log == ["in outer", "in inner", "out inner", "out outer"]
    assert [v for k, v in result.headers if k == "X-Order"] == ["inner", "outer"]


def test_view_returning_none_is_500_with_message_in_debug(wsgi: Any) -> None:
    result = wsgi.call(make(SETTINGS.replace(DEBUG=True)), wsgi.environ("/none"))
    assert result.status_code == 500
    assert "returned NoneType instead of a Response" in result.text


def test_exception_in_view_is_500_without_details(
    wsgi: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bastion.request"):
        result = wsgi.call(make(), wsgi.environ("/crash"))
    assert result.status_code == 500
    assert "secret detail" not in result.text
    assert "secret detail" in caplog.text


def test_exception_in_middleware_is_500(wsgi: Any) -> None:
    def broken(request: Request, call_next: Handler, /) -> Response:
        raise RuntimeError("mw")

    result = wsgi.call(make(middleware=[broken]), wsgi.environ("/"))
    assert result.status_code == 500


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/local", 302),
        ("https://testserver/x", 302),
        ("https://ok.com/x", 302),
        ("https://evil.com/x", 400),
        ("//evil.com", 400),
        ("javascript:alert(1)", 400),
    ],
)
def test_redirects_checked_against_hosts(wsgi: Any, target: str, status: int) -> None:
    from urllib.parse import quote

    result = wsgi.call(make(), wsgi.environ("/go", query=f"to={quote(target)}"))
    assert result.status_code == status


def test_security_stack_removal_is_recorded() -> None:
    security = default_middleware(SETTINGS).without(
        HostValidationMiddleware, reason="behind a validating proxy"
    )
    app = make(security=security)
    assert app.security.removed == {"HostValidationMiddleware": "behind a validating proxy"}
    assert not any(isinstance(m, HostValidationMiddleware) for m in app.middleware)


def test_streaming_response_closed_by_server(wsgi: Any) -> None:
    closed: list[str] = []

    def stream(request: Request) -> Response:
        response = StreamingResponse(iter([b"a", b"b"]))
        response.call_on_close(lambda: closed.append("response"))
        return response

    app = Bastion(SETTINGS, routes=[path("s", stream)])
    result = wsgi.call(app, wsgi.environ("/s"))
    assert result.body == b"ab"
    assert result.header("Content-Length") is None
    assert closed == ["response"]
    closed.clear()
    assert wsgi.call(app, wsgi.environ("/s", method="HEAD")).body == b""
    assert closed == ["response"]


def test_response_object_exposed_in_environ(wsgi: Any) -> None:
    env = wsgi.environ("/")
    wsgi.call(make(), env)
    assert isinstance(env["bastion.response"], PlainTextResponse)


def test_access_log_line(wsgi: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bastion.request"):
        wsgi.call(make(), wsgi.environ("/items/1/", query="token=secret"))
    line = caplog.records[-1].getMessage()
    assert line.startswith('"GET /items/1/" 200 ')
    assert "secret" not in line


def test_apps_are_mounted_with_namespace(wsgi: Any) -> None:
    app_obj = App(
        "bastion.testing", label="demo", routes=[path("hi", hello, name="hi")], prefix="d/"
    )
    app = Bastion(SETTINGS, apps=[app_obj])
    assert app.reverse("demo:hi") == "/d/hi"
    assert wsgi.call(app, wsgi.environ("/d/hi")).body == b"hello"


def test_apps_must_be_app_objects_with_unique_labels() -> None:
    with pytest.raises(ImproperlyConfigured, match="App objects"):
        Bastion(SETTINGS, apps=["home"])  # type: ignore[list-item]
    one = App("bastion.testing", label="x")
    with pytest.raises(ImproperlyConfigured, match="share the label"):
        Bastion(SETTINGS, apps=[one, App("bastion.http", label="x")])


def test_app_declaration_errors() -> None:
    with pytest.raises(ImproperlyConfigured, match="lower-case"):
        App("bastion.testing", label="Bad-Label")
    with pytest.raises(ImproperlyConfigured, match="cannot be imported"):
        App("no_such_package_here")
    app = App("bastion.http")
    assert app.label == "http"
    assert app.templates_dir is None
    assert app.static_dir is None


def test_app_installs_its_databases_and_releases_the_connection_per_request(
    wsgi: Any, tmp_path: Any
) -> None:
    from bastion.db import databases, get_connection

    seen: list[Any] = []

    def query(request: Request) -> Response:
        conn = get_connection()
        cursor = conn.execute("SELECT 1")
        cursor.close()
        seen.append(conn)
        return PlainTextResponse("ok")

    settings = SETTINGS.replace(BASE_DIR=str(tmp_path), DATABASE_URL="sqlite:///app.db")
    app = Bastion(settings, routes=[path("q", query)])
    try:
        assert databases() is app.databases
        assert app.databases.urls["default"] == f"sqlite:///{tmp_path}/app.db"
        result = wsgi.call(app, wsgi.environ("/q"))
        assert result.body == b"ok"
        assert seen[0]._raw is None  # back in the pool once the response was ready
    finally:
        app.databases.uninstall()
        app.databases.close()


def test_app_imports_the_models_of_its_apps(tmp_path: Any, monkeypatch: Any) -> None:
    package = tmp_path / "shelf"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(
        "from bastion.db import models\n\n"
        "class Shelf(models.Model):\n"
        "    label = models.CharField(max_length=20)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    app = Bastion(SETTINGS, apps=[App("shelf")])
    try:
        from bastion.db.models import registry

        assert [m.__name__ for m in registry.models("shelf")] == ["Shelf"]
    finally:
        app.databases.uninstall()


def test_close_releases_pools_and_uninstalls(tmp_path: Any) -> None:
    from bastion.db import databases

    settings = SETTINGS.replace(BASE_DIR=str(tmp_path))
    app = Bastion(settings)
    app.databases.engine()
    app.close()
    assert app.databases._engines == {}
    with pytest.raises(ImproperlyConfigured):
        databases()


def test_settings_that_rely_on_bastions_own_apps_install_them() -> None:
    settings = SETTINGS.replace(
        SESSIONS=SETTINGS.SESSIONS.__class__(backend="database"), CACHE_URL="db://"
    )
    app = Bastion(settings)
    try:
        assert [a.label for a in app.apps] == ["sessions", "cache"]
    finally:
        app.close()


def test_listing_an_implied_app_yourself_is_not_a_duplicate() -> None:
    from bastion.sessions.apps import sessions_app

    settings = SETTINGS.replace(SESSIONS=SETTINGS.SESSIONS.__class__(backend="database"))
    app = Bastion(settings, apps=[sessions_app])
    try:
        assert [a.label for a in app.apps] == ["sessions"]
    finally:
        app.close()


def test_app_builds_its_mailer_from_email_url() -> None:
    from bastion.mail import MemoryMailer

    app = Bastion(SETTINGS.replace(EMAIL_URL="memory://"))
    try:
        assert isinstance(app.mailer, MemoryMailer)
    finally:
        app.close()
    with pytest.raises(ImproperlyConfigured):
        Bastion(SETTINGS.replace(EMAIL_URL="carrier-pigeon://coop"))
