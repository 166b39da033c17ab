"""Whatever a test sends arrives intact in the view: round trips through a real application."""

from __future__ import annotations

import secrets
from functools import cache
from typing import Any
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from bastion.app import Bastion
from bastion.http.request import Request
from bastion.http.response import JSONResponse, Response
from bastion.routing import path
from bastion.settings import Settings
from bastion.testing import Client

# Text a form or URL can carry: no surrogates (not encodable) and no NUL.
text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)
names = text.filter(bool)
# Browsers send '"', CR and LF in multipart names as %22, %0D and %0A, and nothing decodes
# them (the encoding is lossy by design); a name ending in a backslash reads as an escaped
# closing quote to python-multipart. Names without those arrive exactly.
part_names = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters='\x00"\r\n'),
    min_size=1,
    max_size=30,
).filter(lambda s: not s.endswith("\\"))
# Control characters have no place in a path (<path:...> does not match a newline).
segments = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=20)
# RFC 6265 cookie-octets: what Response.set_cookie accepts as a value.
cookie_values = st.text(
    st.sampled_from([chr(c) for c in range(0x21, 0x7F) if chr(c) not in '",;\\']), max_size=30
)


def echo(request: Request, rest: str = "") -> Response:
    data: dict[str, Any] = {
        "path": request.path,
        "query": dict(request.query.lists()),
        "cookies": request.cookies,
    }
    if request.method == "POST":
        data["form"] = [list(item) for item in request.form.multi_items()]
        data["files"] = [[n, f.filename, f.read().hex()] for n, f in request.files.multi_items()]
    if request.method == "PUT":
        data["json"] = request.json()
    return JSONResponse(data)


def set_cookie(request: Request) -> Response:
    response = JSONResponse({})
    for name, value in request.query.multi_items():
        response.set_cookie(name, value)
    return response


@cache
def _client() -> Client:
    settings = Settings(SECRET_KEY=secrets.token_urlsafe(48), ALLOWED_HOSTS=["testserver"])
    app = Bastion(
        settings,
        routes=[
            path("set-cookie", set_cookie),
            path("echo/<path:rest>", echo),
            path("echo", echo, methods=["GET", "POST", "PUT"]),
        ],
    )
    return Client(app)


def _fresh() -> Client:
    client = _client()
    client.clear_cookies()
    return client


@given(st.lists(segments, min_size=1, max_size=3))
def test_client_any_path_reaches_the_view(parts: list[str]) -> None:
    raw = "/".join(parts)
    encoded = "/".join(quote(s, safe="") for s in parts)
    assert _fresh().get(f"/echo/{encoded}").json()["path"] == f"/echo/{raw}"


@given(st.lists(st.tuples(names, text), max_size=5))
def test_client_any_query_reaches_the_view(pairs: list[tuple[str, str]]) -> None:
    expected: dict[str, list[str]] = {}
    for name, value in pairs:
        expected.setdefault(name, []).append(value)
    assert _fresh().get("/echo", query=pairs).json()["query"] == expected


@given(st.lists(st.tuples(names, text), max_size=5))
def test_client_any_form_reaches_the_view(pairs: list[tuple[str, str]]) -> None:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    received = _fresh().post("/echo", data=data).json()["form"]
    assert received == [[name, value] for name, values in data.items() for value in values]


@given(
    st.dictionaries(part_names, text, max_size=3),
    st.dictionaries(
        part_names, st.tuples(part_names, st.binary(max_size=50)), min_size=1, max_size=3
    ),
)
def test_client_any_multipart_reaches_the_view(
    fields: dict[str, str], files: dict[str, tuple[str, bytes]]
) -> None:
    received = _fresh().post("/echo", data=fields, files=files).json()
    assert received["form"] == [[k, v] for k, v in fields.items()]
    # (The view sees a display name, the file name's last path part: not compared here.)
    assert [[f, c] for f, _, c in received["files"]] == [
        [field, content.hex()] for field, (_, content) in files.items()
    ]


@given(st.recursive(st.none() | st.booleans() | st.integers() | text, st.lists, max_leaves=5))
def test_client_any_json_reaches_the_view(value: Any) -> None:
    assert _fresh().put("/echo", json=value).json()["json"] == value


@given(
    st.dictionaries(
        st.from_regex(r"[A-Za-z0-9_\-]{1,10}", fullmatch=True), cookie_values, max_size=4
    )
)
def test_client_any_cookie_set_by_the_view_comes_back(cookies: dict[str, str]) -> None:
    client = _fresh()
    client.get("/set-cookie", query=cookies)
    assert client.cookies == cookies
    assert client.get("/echo").json()["cookies"] == cookies
