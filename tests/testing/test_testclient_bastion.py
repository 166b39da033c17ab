"""The client against real Bastion applications: the whole stack, through WSGI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bastion.app import Bastion
from bastion.http.request import Request
from bastion.http.response import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from bastion.http.uploads import UploadedFile
from bastion.routing import path
from bastion.settings import TemplateConfig
from bastion.templating.response import render
from bastion.testing import Client
from bastion.testing.pytest_plugin import SettingsFactory

uploads: list[UploadedFile] = []
streams: list[str] = []


def login(request: Request) -> Response:
    response = RedirectResponse(request.app.url_for(request, "whoami"), 303)
    response.set_cookie("sid", request.form["user"])
    return response


def logout(request: Request) -> Response:
    response = PlainTextResponse("bye")
    response.delete_cookie("sid")
    return response


def whoami(request: Request) -> Response:
    return JSONResponse(
        {
            "sid": request.cookies.get("sid"),
            "secure": request.is_secure,
            "method": request.method,
            "path": request.path,
            "root_path": request.root_path,
        }
    )


def echo_form(request: Request) -> Response:
    return JSONResponse({"form": dict(request.form.lists())})


def echo_json(request: Request) -> Response:
    return JSONResponse({"received": request.json()})


def echo_query(request: Request) -> Response:
    return JSONResponse(dict(request.query.lists()))


def echo_header(request: Request) -> Response:
    return PlainTextResponse(request.headers.get("x-custom", "-"))


def upload(request: Request) -> Response:
    files = request.files.getlist("doc")
    uploads.extend(files)
    return JSONResponse(
        {
            "title": request.form["title"],
            "files": [[f.filename, f.content_type, f.read().decode()] for f in files],
        }
    )


def stream(request: Request) -> Response:
    def chunks() -> Iterator[str]:
        try:
            yield "one,"
            yield "two"
        finally:
            streams.append("closed")

    return StreamingResponse(chunks(), content_type="text/csv")


def page(request: Request, name: str) -> Response:
    return render(request, "greeting.html", {"name": name})


def boom(request: Request) -> Response:
    raise ZeroDivisionError("view bug")


@pytest.fixture
def app(make_settings: SettingsFactory, tmp_path: Path) -> Bastion:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "greeting.html").write_text("<p>Hello {{ name }}!</p>")
    uploads.clear()
    streams.clear()
    settings = make_settings(BASE_DIR=str(tmp_path), TEMPLATES=TemplateConfig(dirs=("templates",)))
    return Bastion(
        settings,
        routes=[
            path("login", login, methods=["POST"]),
            path("logout", logout),
            path("me/", whoami, name="whoami", methods=["GET", "POST", "PUT"]),
            path("form", echo_form, methods=["POST"]),
            path("api", echo_json, methods=["POST", "PUT", "PATCH"]),
            path("search", echo_query),
            path("header", echo_header),
            path("upload", upload, methods=["POST"]),
            path("export.csv", stream),
            path("hello/<name>", page),
            path("boom", boom),
        ],
    )


def test_bastion_cookies_round_trip_through_a_login(client: Client) -> None:
    response = client.post("/login", data={"user": "ann"}, follow=True)
    assert response.json()["sid"] == "ann"
    assert response.redirect_chain == [("https://testserver/me/", 303)]
    assert client.cookies == {"sid": "ann"}
    (cookie,) = client.cookie_jar
    assert cookie.secure
    assert cookie.httponly
    assert cookie.samesite == "Lax"
    client.get("/logout")
    assert client.cookies == {}
    assert client.get("/me/").json()["sid"] is None


def test_bastion_requests_are_secure_by_default(client: Client) -> None:
    assert client.get("/me/").json()["secure"] is True


def test_bastion_secure_cookies_stay_off_plain_http(app: Bastion) -> None:
    client = Client(app, base_url="http://testserver")
    client.post("/login", data={"user": "ann"})
    assert client.cookies == {}  # a browser refuses a Secure cookie from http://


def test_bastion_form_data(client: Client) -> None:
    response = client.post("/form", data={"name": "Zoë", "tag": ["a", "b"]})
    assert response.json() == {"form": {"name": ["Zoë"], "tag": ["a", "b"]}}


def test_bastion_json(client: Client) -> None:
    assert client.put("/api", json={"a": [1, "é"]}).json() == {"received": {"a": [1, "é"]}}
    assert client.post("/api", body=b"[1]", content_type="application/json").json() == {
        "received": [1]
    }


def test_bastion_json_requires_the_json_content_type(client: Client) -> None:
    response = client.post("/api", body=b"[1]", content_type="text/plain")
    assert response.status_code == 415


def test_bastion_query(client: Client) -> None:
    response = client.get("/search?q=caf%C3%A9", query={"tag": ["a", "b"]})
    assert response.json() == {"q": ["café"], "tag": ["a", "b"]}


def test_bastion_headers(client: Client) -> None:
    assert client.get("/header", headers={"X-Custom": "yes"}).text == "yes"


def test_bastion_files_are_read_by_the_view_and_released(client: Client) -> None:
    response = client.post(
        "/upload",
        data={"title": "Report"},
        files={"doc": [("a.txt", b"first"), ("b.csv", b"second", "text/csv")]},
    )
    assert response.json() == {
        "title": "Report",
        "files": [["a.txt", "text/plain", "first"], ["b.csv", "text/csv", "second"]],
    }
    assert len(uploads) == 2
    assert all(upload.closed for upload in uploads)


def test_bastion_streaming_body_is_read_and_closed(client: Client) -> None:
    response = client.get("/export.csv")
    assert response.text == "one,two"
    assert response.headers["Content-Type"] == "text/csv"
    assert streams == ["closed"]


def test_bastion_head_has_headers_but_no_body(client: Client) -> None:
    response = client.head("/hello/ann")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["Content-Length"]) > 0


def test_bastion_template_and_context(client: Client) -> None:
    response = client.get("/hello/Zoë")
    assert response.text == "<p>Hello Zoë!</p>"
    assert response.template_name == "greeting.html"
    assert response.context is not None
    assert response.context["name"] == "Zoë"
    assert response.response is not None
    assert response.response.status_code == 200


def test_bastion_non_template_response_has_no_context(client: Client) -> None:
    response = client.get("/me/")
    assert (response.template_name, response.context) == (None, None)
    assert isinstance(response.response, JSONResponse)


def test_bastion_view_exception_is_raised_in_the_test(client: Client) -> None:
    with pytest.raises(ZeroDivisionError, match="view bug"):
        client.get("/boom")


def test_bastion_error_page_when_asked(app: Bastion) -> None:
    response = Client(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert "view bug" not in response.text  # DEBUG is off: nothing internal is shown


def test_bastion_not_found_is_not_raised(client: Client) -> None:
    assert client.get("/missing").status_code == 404


def test_bastion_disallowed_host(client: Client) -> None:
    response = client.get("/me/", headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_bastion_append_slash_redirect_keeps_a_post(client: Client) -> None:
    response = client.post("/me", follow=True)
    assert response.redirect_chain == [("https://testserver/me/", 308)]
    assert response.json()["method"] == "POST"


def test_bastion_mounted_under_a_prefix(app: Bastion) -> None:
    client = Client(app, base_url="https://testserver/prefix")
    response = client.post("/login", data={"user": "ann"}, follow=True)
    assert response.redirect_chain == [("https://testserver/prefix/me/", 303)]
    assert response.json() == {
        "sid": "ann",
        "secure": True,
        "method": "GET",
        "path": "/me/",
        "root_path": "/prefix",
    }


def test_bastion_method_not_allowed(client: Client) -> None:
    response: Any = client.delete("/me/")
    assert response.status_code == 405
