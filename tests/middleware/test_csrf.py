"""The CSRF middleware's mechanics: the cookie, token sources, exemptions, rotation, sessions.

The attacks themselves are in ``tests/security/test_csrf.py``; this file checks how the layer
behaves for the site's own pages and how it is configured. The layer is part of the default
stack, so the apps here are plain ``Bastion(settings, routes=...)``. The test client sends
``Sec-Fetch-Site: same-origin`` like a modern browser, which passes before any token is read:
tests of the token itself use ``Client(app, fetch_metadata=False)`` (an old browser).
"""

from __future__ import annotations

import doctest
import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, render
from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.http.response import JSONResponse, RedirectResponse, Response
from bastion.middleware import HTTPSRedirectMiddleware, SessionMiddleware, default_middleware
from bastion.middleware.csrf import GENERIC_DETAIL, SAFE_METHODS, CSRFMiddleware
from bastion.routing import path
from bastion.security.csrf import (
    SESSION_KEY,
    CSRFSecret,
    csrf_exempt,
    decode_secret,
    encode_secret,
    mask_secret,
    new_secret,
    rotate_csrf_token,
    unmask_token,
)
from bastion.settings import CSRFConfig, Settings, TemplateConfig
from bastion.testing import Client, TestResponse
from bastion.types import Handler
from bastion.viewoptions import get_view_options
from bastion.views import View

KEY = "csrf-middleware-tests-" + "k" * 48
DOCS = Path(__file__).resolve().parents[2] / "docs"
TOKEN = re.compile(r'value="([^"]+)"')
YEAR = 365 * 24 * 3600

MakeApp = Callable[..., Bastion]


def form(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "form.html")
    return PlainTextResponse("accepted")


def login(request: Request) -> Response:
    """Rotates the secret, then renders the next page's form (as a login view would)."""
    rotate_csrf_token(request)
    return render(request, "form.html")


def logout(request: Request) -> Response:
    """Ends the session, then renders a form (the secret must follow the new session)."""
    request.session.flush()  # type: ignore[attr-defined]
    return render(request, "form.html")


def show_session(request: Request) -> Response:
    return JSONResponse(dict(request.session))  # type: ignore[attr-defined]


def rotate_and_redirect(request: Request) -> Response:
    rotate_csrf_token(request)
    return RedirectResponse("/form/", 303)


@csrf_exempt(reason="signed webhook from the payment provider")
def webhook(request: Request) -> Response:
    return PlainTextResponse("hook")


@csrf_exempt(reason="token-authenticated API, no cookies")
class ApiView(View):
    def post(self, request: Request) -> Response:
        return PlainTextResponse("api")


def vary(value: str) -> Callable[[Request], Response]:
    def view(request: Request) -> Response:
        response = render(request, "form.html")
        response.headers["Vary"] = value
        return response

    return view


@pytest.fixture
def make_app(tmp_path: Path) -> MakeApp:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "form.html").write_text(
        '<form method="post">{{ csrf_input() }}</form>'
    )

    def make(
        *,
        debug: bool = True,
        sessions: bool = True,
        https_redirect: bool = True,
        error_page: Any = None,
        **csrf: Any,
    ) -> Bastion:
        settings = Settings(
            DEBUG=debug,
            SECRET_KEY=KEY,
            ALLOWED_HOSTS=["testserver"],
            BASE_DIR=str(tmp_path),
            TEMPLATES=TemplateConfig(dirs=("templates",)),
            CSRF=CSRFConfig(**csrf),
        )
        security = default_middleware(settings)
        if not sessions:
            security = security.without(
                SessionMiddleware, reason="tests CSRF.use_session without a session layer"
            )
        if not https_redirect:
            security = security.without(
                HTTPSRedirectMiddleware, reason="tests the CSRF cookie's flags over plain HTTP"
            )
        routes = [
            path("form/", form),
            path("plain/", lambda request: PlainTextResponse("plain")),
            path("login/", login),
            path("rotate/", rotate_and_redirect),
            path("logout/", logout),
            path("session/", show_session),
            path("hook/", webhook),
            path("api/", ApiView.as_view()),
            path("vary/<name>/", lambda request, name: vary(name.replace("_", "-"))(request)),
        ]
        return Bastion(settings, routes=routes, security=security, error_page=error_page)

    return make


@pytest.fixture
def app(make_app: MakeApp) -> Bastion:
    return make_app()


def token_of(page: TestResponse) -> str:
    match = TOKEN.search(page.text)
    assert match is not None, page.text
    return match.group(1)


# -- the cookie -------------------------------------------------------------------------------


def test_safe_request_without_form_sets_nothing(app: Bastion) -> None:
    response = Client(app).get("/plain/")
    assert response.cookies == {}
    assert "Vary" not in response.headers
    assert isinstance(response.response, PlainTextResponse)


def test_factory_is_installed_on_every_request() -> None:
    seen: list[object] = []

    def spy(request: Request, call_next: Handler, /) -> Response:
        seen.append(request.csrf_token_factory)
        return call_next(request)

    settings = Settings(DEBUG=True, SECRET_KEY=KEY)
    plain = path("", lambda request: PlainTextResponse(""))
    app = Bastion(settings, routes=[plain], middleware=[spy])
    Client(app).get("/")
    assert len(seen) == 1
    assert isinstance(seen[0], CSRFSecret)


def test_cookie_over_https_is_host_prefixed_and_locked_down(app: Bastion) -> None:
    response = Client(app).get("/form/")
    cookie = response.cookies["__Host-csrftoken"]
    assert (cookie.secure, cookie.httponly, cookie.samesite, cookie.path) == (
        True,
        True,
        "Lax",
        "/",
    )
    assert cookie.max_age == YEAR
    assert cookie.domain is None
    assert decode_secret(cookie.value) is not None
    assert response.headers["Vary"] == "Cookie"


@pytest.mark.parametrize(("debug", "secure"), [(True, False), (False, True)])
def test_cookie_over_http(make_app: MakeApp, debug: bool, secure: bool) -> None:
    # Without DEBUG plain HTTP would be redirected to HTTPS; the point here is the cookie's
    # flags if a plain-HTTP request does reach the layer (a missing or exempt redirect).
    app = make_app(debug=debug, https_redirect=False)
    client = Client(app, base_url="http://testserver")
    cookie = client.get("/form/").cookies["csrftoken"]
    assert cookie.secure is secure
    assert cookie.httponly is True


def test_cookie_name_and_lifetime_come_from_settings(make_app: MakeApp) -> None:
    app = make_app(cookie_name="xsrf", cookie_max_age=3600)
    response = Client(app).get("/form/")
    assert list(response.cookies) == ["__Host-xsrf"]
    assert response.cookies["__Host-xsrf"].max_age == 3600


def test_cookie_is_sent_only_when_missing_or_invalid(app: Bastion) -> None:
    client = Client(app)
    first = client.get("/form/")
    assert "__Host-csrftoken" in first.cookies
    again = client.get("/form/")
    assert again.cookies == {}
    assert again.headers["Vary"] == "Cookie"
    client.set_cookie("__Host-csrftoken", "tampered")
    replaced = client.get("/form/")
    assert replaced.cookies["__Host-csrftoken"].value != "tampered"


def test_new_secret_made_during_a_post_is_sent(app: Bastion) -> None:
    response = Client(app).post("/login/")
    assert response.status_code == 200
    assert "__Host-csrftoken" in response.cookies


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("Accept-Encoding", ["Accept-Encoding", "Cookie"]),
        ("Accept-Encoding, cookie", ["Accept-Encoding, cookie"]),
        ("*", ["*"]),
    ],
)
def test_vary_cookie_is_added_once(app: Bastion, given: str, sent: list[str]) -> None:
    response = Client(app).get(f"/vary/{given.replace('-', '_')}/")
    assert response.headers.getlist("Vary") == sent


# -- where the token is read ------------------------------------------------------------------


def test_token_in_header_for_fetch_clients(app: Bastion) -> None:
    client = Client(app, fetch_metadata=False)
    token = token_of(client.get("/form/"))
    response = client.post("/form/", json={"title": "hi"}, headers={"X-CSRF-Token": token})
    assert response.text == "accepted"


def test_header_wins_over_the_form_field(app: Bastion) -> None:
    client = Client(app, fetch_metadata=False)
    token = token_of(client.get("/form/"))
    bad = mask_secret(new_secret())
    response = client.post("/form/", data={"csrf_token": token}, headers={"X-CSRF-Token": bad})
    assert response.status_code == 403


def test_token_in_multipart_form(app: Bastion) -> None:
    client = Client(app, fetch_metadata=False)
    token = token_of(client.get("/form/"))
    response = client.post(
        "/form/", data={"csrf_token": token}, files={"upload": ("a.txt", b"hello")}
    )
    assert response.text == "accepted"


@pytest.mark.parametrize("where", ["json", "query"])
def test_token_elsewhere_is_not_read(app: Bastion, where: str) -> None:
    client = Client(app, fetch_metadata=False)
    token = token_of(client.get("/form/"))
    if where == "json":
        response = client.post("/form/", json={"csrf_token": token})
    else:
        response = client.post("/form/", query={"csrf_token": token})
    assert response.status_code == 403
    assert "no CSRF token" in response.text


def test_field_and_header_names_come_from_settings(make_app: MakeApp) -> None:
    app = make_app(field_name="_xsrf", header_name="X-XSRF")
    client = Client(app, fetch_metadata=False)
    page = client.get("/form/")
    assert 'name="_xsrf"' in page.text
    token = token_of(page)
    assert client.post("/form/", data={"_xsrf": token}).text == "accepted"
    assert client.post("/form/", headers={"X-XSRF": token}).text == "accepted"
    refused = client.post("/form/", data={"csrf_token": token})
    assert "form field '_xsrf' or header 'X-XSRF'" in html.unescape(refused.text)


def test_malformed_form_body_is_a_400(app: Bastion) -> None:
    # The form is only parsed to look for a token, so the browser sends no Fetch Metadata.
    client = Client(app, raise_server_exceptions=False, fetch_metadata=False)
    client.get("/form/")
    response = client.post(
        "/form/", body=b"garbage", content_type="multipart/form-data; boundary=xyz"
    )
    assert response.status_code == 400


# -- exemptions -------------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "body"), [("/hook/", "hook"), ("/api/", "api")])
def test_exempt_views_accept_cross_site_posts(app: Bastion, route: str, body: str) -> None:
    headers = {"Sec-Fetch-Site": "cross-site", "Origin": "https://payments.example"}
    response = Client(app).post(route, headers=headers)
    assert (response.status_code, response.text) == (200, body)


def test_exemption_records_the_reason() -> None:
    assert get_view_options(webhook) == {"csrf_exempt": "signed webhook from the payment provider"}
    assert get_view_options(ApiView.as_view())["csrf_exempt"].startswith("token-authenticated")


def test_bare_exempt_decorator_explains_that_a_reason_is_required() -> None:
    with pytest.raises(TypeError, match=r"csrf_exempt needs a reason.*reason="):

        @csrf_exempt  # type: ignore[arg-type]
        def view(request: Request) -> Response:
            return PlainTextResponse("")


@pytest.mark.parametrize("reason", ["", "   "])
def test_exempt_needs_a_real_reason(reason: str) -> None:
    with pytest.raises(TypeError, match="needs a reason"):
        csrf_exempt(reason=reason)
    with pytest.raises(TypeError, match="needs a reason"):
        csrf_exempt()


def test_unmatched_route_is_still_checked(app: Bastion) -> None:
    response = Client(app).post("/nowhere/", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


# -- rotation ---------------------------------------------------------------------------------


def test_rotation_at_login_invalidates_earlier_tokens(app: Bastion) -> None:
    client = Client(app, fetch_metadata=False)
    before = token_of(client.get("/form/"))
    old_cookie = client.cookies["__Host-csrftoken"]
    after_login = client.post("/login/", data={"csrf_token": before})
    assert after_login.status_code == 200
    assert client.cookies["__Host-csrftoken"] != old_cookie
    assert client.post("/form/", data={"csrf_token": before}).status_code == 403
    after = token_of(after_login)
    assert client.post("/form/", data={"csrf_token": after}).text == "accepted"


def test_rotation_without_a_form_still_sends_the_new_cookie(app: Bastion) -> None:
    client = Client(app, fetch_metadata=False)
    token = token_of(client.get("/form/"))
    response = client.post("/rotate/", data={"csrf_token": token})
    assert response.status_code == 303
    assert "__Host-csrftoken" in response.cookies
    assert "Vary" not in response.headers


def test_rotate_without_the_layer_does_nothing() -> None:
    request = Request(settings=Settings())
    rotate_csrf_token(request)
    assert request.csrf_token_factory is None


# -- sessions ---------------------------------------------------------------------------------


def test_secret_in_the_session(make_app: MakeApp) -> None:
    app = make_app(use_session=True)
    alice, bob = Client(app, fetch_metadata=False), Client(app, fetch_metadata=False)
    page = alice.get("/form/")
    assert set(page.cookies) == {"__Host-session"}  # no CSRF cookie: the session holds it
    assert page.headers.getlist("Vary") == ["Cookie"]
    assert decode_secret(alice.get("/session/").json()[SESSION_KEY]) is not None
    token = token_of(page)
    assert alice.post("/form/", data={"csrf_token": token}).text == "accepted"
    bob.get("/form/")
    refused = bob.post("/form/", data={"csrf_token": token})
    assert "does not match" in refused.text
    empty = Client(app, fetch_metadata=False).post("/form/", data={"csrf_token": token})
    assert "holds no CSRF secret (the session)" in empty.text


def test_rotation_in_the_session(make_app: MakeApp) -> None:
    client = Client(make_app(use_session=True), fetch_metadata=False)
    before = token_of(client.get("/form/"))
    old = client.get("/session/").json()[SESSION_KEY]
    after = token_of(client.post("/login/", data={"csrf_token": before}))
    assert client.get("/session/").json()[SESSION_KEY] != old
    assert client.post("/form/", data={"csrf_token": before}).status_code == 403
    assert client.post("/form/", data={"csrf_token": after}).text == "accepted"


def test_a_flushed_session_gets_a_new_secret(make_app: MakeApp) -> None:
    client = Client(make_app(use_session=True), fetch_metadata=False)
    before = token_of(client.get("/form/"))
    after = token_of(client.post("/logout/", data={"csrf_token": before}))
    assert client.post("/form/", data={"csrf_token": before}).status_code == 403
    assert client.post("/form/", data={"csrf_token": after}).text == "accepted"


def test_cookie_mode_with_sessions_leaves_the_session_alone(make_app: MakeApp) -> None:
    client = Client(make_app(), fetch_metadata=False)
    page = client.get("/form/")
    assert set(page.cookies) == {"__Host-csrftoken"}
    assert client.post("/form/", data={"csrf_token": token_of(page)}).text == "accepted"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_use_session_without_sessions_is_a_configuration_error(
    make_app: MakeApp, method: str
) -> None:
    # No Fetch Metadata, so the POST reaches the token check, which needs the session.
    client = Client(make_app(sessions=False, use_session=True), fetch_metadata=False)
    with pytest.raises(ImproperlyConfigured, match="SessionMiddleware"):
        client.request(method, "/form/")


# -- refusal pages ------------------------------------------------------------------------------


def test_json_clients_get_a_json_403(app: Bastion) -> None:
    response = Client(app, fetch_metadata=False).post(
        "/form/", headers={"Accept": "application/json", "Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert (error["status"], error["title"]) == (403, "Forbidden")
    assert error["detail"].startswith("CSRF check failed: the Origin https://evil.example")


def test_the_projects_error_page_renders_the_refusal(make_app: MakeApp) -> None:
    calls: list[tuple[int, str, str]] = []

    def page(request: Request, status: int, title: str, detail: str) -> Response:
        calls.append((status, title, detail))
        return JSONResponse({"custom": True}, status=status)

    app = make_app(debug=False, error_page=page)
    response = Client(app).post("/form/", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert calls == [(403, "Forbidden", GENERIC_DETAIL)]


def test_odd_header_values_are_quoted_in_the_reason(app: Bastion) -> None:
    client = Client(app, fetch_metadata=False)  # the Origin layer: no Fetch Metadata
    response = client.post("/form/", headers={"Origin": "https://a b"})
    assert "the Origin 'https://a b' is not" in html.unescape(response.text)


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cookie_name": "bad name"}, "cookie_name"),
        ({"header_name": "X:Token"}, "header_name"),
        ({"cookie_name": "__Host-csrf"}, "leave the prefix out"),
        ({"field_name": ""}, "field_name"),
        ({"cookie_max_age": 0}, "cookie_max_age"),
        ({"cookie_max_age": True}, "cookie_max_age"),
    ],
)
def test_bad_configuration_is_refused_at_start(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        CSRFMiddleware(Settings(CSRF=CSRFConfig(**options)))


def test_repr_shows_where_the_secret_lives() -> None:
    cookie = CSRFMiddleware(Settings(CSRF=CSRFConfig(trusted_origins=("https://a.example",))))
    assert repr(cookie) == "<CSRFMiddleware cookie 'csrftoken' trusted=['https://a.example']>"
    session = CSRFMiddleware(Settings(CSRF=CSRFConfig(use_session=True)))
    assert repr(session) == "<CSRFMiddleware session trusted=[]>"


def test_safe_methods() -> None:
    assert frozenset({"GET", "HEAD", "OPTIONS", "TRACE"}) == SAFE_METHODS


# -- token primitives ---------------------------------------------------------------------------


def test_secret_encoding_round_trips() -> None:
    secret = new_secret()
    assert len(secret) == 32
    assert decode_secret(encode_secret(secret)) == secret
    assert decode_secret(encode_secret(secret)[:-1]) is None
    assert decode_secret(encode_secret(secret) + "=") is None


def test_masking_round_trips_and_never_repeats() -> None:
    secret = new_secret()
    tokens = {mask_secret(secret) for _ in range(100)}
    assert len(tokens) == 100
    assert {unmask_token(token) for token in tokens} == {secret}
    assert all(len(token) == 89 and token.startswith("v1.") for token in tokens)


def test_a_secret_outliving_its_request_says_so() -> None:
    request = Request(settings=Settings())
    secret = CSRFSecret(request, "csrftoken")
    del request  # the secret holds the request weakly: no reference cycle per request
    with pytest.raises(RuntimeError, match="has ended"):
        secret()


# -- docs/csrf.md -------------------------------------------------------------------------------


def test_csrf_doc_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = doctest.testfile(
        str(DOCS / "csrf.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 10
    assert result.failed == 0
