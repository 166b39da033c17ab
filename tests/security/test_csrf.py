"""Attacks on CSRF protection: forged requests from other sites, with modern and old browsers.

Every attack goes through a real application and the test client. A "victim" client holds
the site's CSRF cookie (it visited the form); the attacker controls the request's headers
and body, but never the victim's cookies, which is what a cross-site form post amounts to.

The test client sends ``Sec-Fetch-Site: same-origin`` like a modern browser on its own site;
an old browser (no Fetch Metadata, so the Origin and token layers decide) is
``Client(app, fetch_metadata=False)``, and a forgery overrides the header explicitly.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, render
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.middleware.csrf import GENERIC_DETAIL
from bastion.routing import path
from bastion.security.csrf import encode_secret, mask_secret, new_secret
from bastion.settings import CSRFConfig, ProxyConfig, Settings, TemplateConfig
from bastion.testing import Client, TestResponse

KEY = "csrf-attack-tests-" + "k" * 48
FORM = '<form method="post">{{ csrf_input() }}</form>'
COOKIE = "__Host-csrftoken"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")

MakeApp = Callable[..., Bastion]


def form_or_accept(request: Request) -> Response:
    """GET renders the form; any other method is the state-changing action."""
    if request.method == "GET":
        return render(request, "form.html")
    return PlainTextResponse(f"accepted {request.method}")


@pytest.fixture
def make_app(tmp_path: Path) -> MakeApp:
    """Build an application with the default layers, ``/form/`` and ``/action/`` routes."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "form.html").write_text(FORM)

    def make(*, debug: bool = True, proxy: ProxyConfig | None = None, **csrf: Any) -> Bastion:
        settings = Settings(
            DEBUG=debug,
            SECRET_KEY=KEY,
            ALLOWED_HOSTS=["testserver"],
            BASE_DIR=str(tmp_path),
            TEMPLATES=TemplateConfig(dirs=("templates",)),
            CSRF=CSRFConfig(**csrf),
            PROXY=proxy or ProxyConfig(),
        )
        routes = [path("form/", form_or_accept), path("action/", form_or_accept)]
        return Bastion(settings, routes=routes)

    return make


@pytest.fixture
def app(make_app: MakeApp) -> Bastion:
    return make_app()


def visit_form(client: Client) -> str:
    """Load the form as a browser would, keeping its cookie; return the page's token."""
    page = client.get("/form/")
    assert page.status_code == 200
    match = TOKEN.search(page.text)
    assert match is not None, page.text
    return match.group(1)


def old_browser(app: Bastion) -> Client:
    """A browser that sends no Fetch Metadata (a pre-2020 browser, a stripping proxy)."""
    return Client(app, fetch_metadata=False)


def old_browser_post(client: Client, path: str = "/action/", **options: Any) -> TestResponse:
    """A POST with neither Sec-Fetch-Site nor Origin, from an :func:`old_browser` client."""
    response = client.post(path, **options)
    assert "HTTP_SEC_FETCH_SITE" not in response.request_environ
    assert "HTTP_ORIGIN" not in response.request_environ
    return response


def refused(response: TestResponse) -> bool:
    return response.status_code == 403 and "CSRF check failed" in response.text


# -- forged cross-site ------------------------------------------------------------------------


@pytest.mark.parametrize("method", UNSAFE)
def test_forged_cross_site_with_fetch_metadata_is_refused_even_with_a_valid_token(
    app: Bastion, method: str
) -> None:
    victim = Client(app)
    token = visit_form(victim)  # the worst case: the attacker somehow holds a valid token
    response = victim.request(
        method,
        "/action/",
        data={"csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    )
    assert refused(response)
    assert "Sec-Fetch-Site: cross-site" in response.text


def test_forged_cross_site_without_fetch_metadata_is_refused_by_origin(app: Bastion) -> None:
    victim = old_browser(app)
    visit_form(victim)
    response = victim.post("/action/", headers={"Origin": "https://evil.example"})
    assert refused(response)
    assert "the Origin https://evil.example is not this site's origin" in html.unescape(
        response.text
    )


def test_forged_cross_site_from_an_old_browser_without_token_is_refused(app: Bastion) -> None:
    victim = old_browser(app)
    visit_form(victim)
    response = old_browser_post(victim, data={"amount": "1000"})
    assert refused(response)
    assert "no CSRF token" in response.text


def test_forged_from_an_old_browser_with_no_cookie_is_refused(app: Bastion) -> None:
    stranger = old_browser(app)
    forged = mask_secret(new_secret())
    response = old_browser_post(stranger, data={"csrf_token": forged})
    assert refused(response)
    assert "holds no CSRF secret" in response.text


@pytest.mark.parametrize("fetch_site", [None, "none", "cross-site"])
def test_origin_null_is_refused_even_with_a_valid_token(
    app: Bastion, fetch_site: str | None
) -> None:
    victim = old_browser(app)
    token = visit_form(victim)
    headers = {"Origin": "null"}
    if fetch_site is not None:
        headers["Sec-Fetch-Site"] = fetch_site
    response = victim.post("/action/", data={"csrf_token": token}, headers=headers)
    assert response.status_code == 403


def test_origin_null_reason_is_explained(app: Bastion) -> None:
    response = old_browser(app).post("/action/", headers={"Origin": "null"})
    assert refused(response)
    assert "Origin is 'null'" in html.unescape(response.text)


def test_token_from_another_session_is_refused(app: Bastion) -> None:
    alice, bob = old_browser(app), old_browser(app)
    alice_token = visit_form(alice)
    visit_form(bob)
    response = old_browser_post(bob, data={"csrf_token": alice_token})
    assert refused(response)
    assert "does not match" in response.text
    assert old_browser_post(alice, data={"csrf_token": alice_token}).status_code == 200


def test_replayed_token_of_the_attacker_is_refused_for_the_victim(app: Bastion) -> None:
    # The attacker signs up, loads the form and copies their own valid token into a forged
    # page; the victim's old browser posts it along with the victim's own cookie.
    attacker, victim = old_browser(app), old_browser(app)
    attackers_token = visit_form(attacker)
    visit_form(victim)
    assert old_browser_post(attacker, data={"csrf_token": attackers_token}).status_code == 200
    replay = old_browser_post(victim, data={"csrf_token": attackers_token})
    assert refused(replay)
    via_header = old_browser_post(victim, headers={"X-CSRF-Token": attackers_token})
    assert refused(via_header)


def test_cookie_planted_without_host_prefix_is_ignored_over_https(app: Bastion) -> None:
    # A sibling subdomain can set "csrftoken" for the parent domain, never "__Host-csrftoken".
    secret = new_secret()
    victim = old_browser(app)
    victim.set_cookie("csrftoken", encode_secret(secret))
    response = old_browser_post(victim, data={"csrf_token": mask_secret(secret)})
    assert refused(response)
    assert "holds no CSRF secret" in response.text


@pytest.mark.parametrize(
    "token",
    ["", "v1.", "v1." + "A" * 85, "v2." + "A" * 86, "v1." + "A" * 85 + "*", "A" * 43],
)
def test_malformed_tokens_are_refused(app: Bastion, token: str) -> None:
    victim = old_browser(app)
    visit_form(victim)
    assert refused(old_browser_post(victim, data={"csrf_token": token}))


def test_the_unmasked_secret_is_not_accepted_as_a_token(app: Bastion) -> None:
    victim = old_browser(app)
    visit_form(victim)
    response = old_browser_post(victim, data={"csrf_token": victim.cookies[COOKIE]})
    assert refused(response)


def test_token_differs_on_every_render(app: Bastion) -> None:
    client = old_browser(app)
    tokens = {visit_form(client) for _ in range(20)}
    assert len(tokens) == 20  # BREACH: no two responses carry the same bytes
    for token in tokens:  # and every one of them is valid for this browser
        assert old_browser_post(client, data={"csrf_token": token}).status_code == 200


def test_token_differs_within_one_page(app: Bastion, tmp_path: Path) -> None:
    (tmp_path / "templates" / "form.html").write_text("{{ csrf_token() }} {{ csrf_token() }}")
    first, second = Client(app).get("/form/").text.split()
    assert first != second


# -- the site's own pages ---------------------------------------------------------------------


def test_own_form_with_same_origin_fetch_metadata_succeeds(app: Bastion) -> None:
    client = Client(app)
    token = visit_form(client)
    response = client.post(
        "/form/",
        data={"csrf_token": token},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "https://testserver"},
    )
    assert response.status_code == 200
    assert response.text == "accepted POST"


def test_own_form_from_an_old_browser_succeeds_with_the_token(app: Bastion) -> None:
    client = old_browser(app)
    token = visit_form(client)
    response = old_browser_post(client, "/form/", data={"csrf_token": token})
    assert (response.status_code, response.text) == (200, "accepted POST")


def test_own_form_with_origin_only_succeeds(app: Bastion) -> None:
    response = old_browser(app).post("/form/", headers={"Origin": "https://testserver"})
    assert response.status_code == 200


# -- methods ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "TRACE"])
def test_safe_methods_are_never_blocked(app: Bastion, method: str) -> None:
    hostile = {"Sec-Fetch-Site": "cross-site", "Origin": "null"}
    response = Client(app).request(method, "/action/", headers=hostile)
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["PROPFIND", "MKCOL", "LOCK", "PURGE"])
def test_unknown_methods_are_treated_as_unsafe(app: Bastion, method: str) -> None:
    client = old_browser(app)
    cross = client.request(method, "/action/", headers={"Sec-Fetch-Site": "cross-site"})
    assert refused(cross)
    assert refused(client.request(method, "/action/"))
    same = client.request(method, "/action/", headers={"Sec-Fetch-Site": "same-origin"})
    assert same.text == f"accepted {method}"


# -- Sec-Fetch-Site values --------------------------------------------------------------------


def test_fetch_metadata_none_is_not_enough_on_its_own(app: Bastion) -> None:
    # A typed URL or bookmark cannot POST; "none" therefore proves nothing and the request
    # goes on to the Origin and token layers (docs/csrf.md explains the choice).
    client = Client(app)
    token = visit_form(client)
    none = {"Sec-Fetch-Site": "none"}
    assert refused(client.post("/action/", headers=none))
    assert refused(client.post("/action/", headers={**none, "Origin": "https://evil.example"}))
    with_origin = client.post("/action/", headers={**none, "Origin": "https://testserver"})
    assert with_origin.status_code == 200
    with_token = client.post("/action/", data={"csrf_token": token}, headers=none)
    assert with_token.status_code == 200


def test_same_site_is_refused_unless_allowed(make_app: MakeApp) -> None:
    headers = {"Sec-Fetch-Site": "same-site", "Origin": "https://blog.testserver"}
    response = Client(make_app()).post("/action/", headers=headers)
    assert refused(response)
    assert "allow_same_site" in response.text
    assert (
        Client(make_app(allow_same_site=True)).post("/action/", headers=headers).status_code == 200
    )


@pytest.mark.parametrize("value", ["cross-origin", "SAME-ORIGIN", "same-origin, none", ""])
def test_unknown_fetch_metadata_values_are_refused(app: Bastion, value: str) -> None:
    response = Client(app).post("/action/", headers={"Sec-Fetch-Site": value})
    assert refused(response)
    assert "unknown value" in response.text


# -- Origin, compared exactly -----------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        "https://testserver.evil.com",
        "https://evil.com",
        "https://eviltestserver",
        "http://testserver",
        "https://testserver:8443",
        "https://testserver:443",
        "HTTPS://TESTSERVER",
        "https://testserver/",
        "https://user@testserver",
        "testserver",
        "null",
        "%%%garbage%%%",
        "https://testserver\tx",
    ],
)
def test_origins_other_than_our_own_are_refused(app: Bastion, origin: str) -> None:
    response = old_browser(app).post("/action/", headers={"Origin": origin})
    assert refused(response)


def test_https_origin_is_refused_on_plain_http(app: Bastion) -> None:
    client = Client(app, base_url="http://testserver", fetch_metadata=False)
    assert refused(client.post("/action/", headers={"Origin": "https://testserver"}))
    assert client.post("/action/", headers={"Origin": "http://testserver"}).status_code == 200


def test_explicit_default_port_in_host_still_matches(app: Bastion) -> None:
    client = Client(app, base_url="https://testserver:443", fetch_metadata=False)
    assert client.post("/action/", headers={"Origin": "https://testserver"}).status_code == 200


def test_non_default_port_must_match(app: Bastion) -> None:
    client = Client(app, base_url="https://testserver:8443", fetch_metadata=False)
    assert client.post("/action/", headers={"Origin": "https://testserver:8443"}).status_code == 200
    assert refused(client.post("/action/", headers={"Origin": "https://testserver"}))


def test_origin_honours_the_scheme_given_by_a_trusted_proxy(make_app: MakeApp) -> None:
    app = make_app(proxy=ProxyConfig(trusted_hops=1))
    # TLS ends at the proxy; an old browser, so the Origin decides.
    client = Client(app, base_url="http://testserver", fetch_metadata=False)
    forwarded = {"X-Forwarded-Proto": "https"}
    ok = client.post("/action/", headers={**forwarded, "Origin": "https://testserver"})
    assert ok.status_code == 200
    downgraded = client.post("/action/", headers={**forwarded, "Origin": "http://testserver"})
    assert refused(downgraded)


def test_forwarded_scheme_from_an_untrusted_peer_is_ignored(make_app: MakeApp) -> None:
    app = make_app(proxy=ProxyConfig(trusted_hops=1))
    client = Client(app, base_url="http://testserver", fetch_metadata=False)
    response = client.post(
        "/action/",
        headers={"X-Forwarded-Proto": "https", "Origin": "https://testserver"},
        environ={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert refused(response)


def test_forged_host_never_reaches_the_origin_check(app: Bastion) -> None:
    # An attacker cannot make "their" origin ours by sending a matching Host: the host is
    # validated first (400), so the comparison only ever uses an allowed host.
    response = Client(app, raise_server_exceptions=False, fetch_metadata=False).post(
        "/action/", headers={"Host": "evil.example", "Origin": "https://evil.example"}
    )
    assert response.status_code == 400


# -- trusted origins ----------------------------------------------------------------------------


@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site", None])
def test_trusted_origin_is_accepted(make_app: MakeApp, fetch_site: str | None) -> None:
    app = make_app(trusted_origins=("https://app.example.com",))
    headers = {"Origin": "https://app.example.com"}
    if fetch_site is not None:
        headers["Sec-Fetch-Site"] = fetch_site
    assert old_browser(app).post("/action/", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "origin", ["https://app.example.com.evil.com", "http://app.example.com", "https://example.com"]
)
def test_lookalikes_of_a_trusted_origin_are_refused(make_app: MakeApp, origin: str) -> None:
    app = make_app(trusted_origins=("https://app.example.com",))
    for headers in ({"Origin": origin}, {"Origin": origin, "Sec-Fetch-Site": "cross-site"}):
        assert refused(old_browser(app).post("/action/", headers=headers))


def test_trusted_origin_with_explicit_default_port_is_normalised(make_app: MakeApp) -> None:
    app = make_app(trusted_origins=("https://App.Example.com:443",))
    response = old_browser(app).post("/action/", headers={"Origin": "https://app.example.com"})
    assert response.status_code == 200


# -- Referer is not used ----------------------------------------------------------------------


def test_referer_neither_rescues_nor_condemns(app: Bastion) -> None:
    client = old_browser(app)
    token = visit_form(client)
    own_referer = {"Referer": "https://testserver/form/"}
    assert refused(client.post("/action/", headers=own_referer))
    evil_referer = {"Referer": "https://evil.example/"}
    assert (
        client.post("/action/", data={"csrf_token": token}, headers=evil_referer).status_code == 200
    )


# -- the 403 page -----------------------------------------------------------------------------


def test_refusal_without_debug_is_generic(make_app: MakeApp) -> None:
    response = old_browser(make_app(debug=False)).post(
        "/action/", headers={"Origin": "https://x.y"}
    )
    assert response.status_code == 403
    assert GENERIC_DETAIL in response.text
    assert "x.y" not in response.text


def test_refusal_is_logged_without_token_values(
    app: Bastion, caplog: pytest.LogCaptureFixture
) -> None:
    client = old_browser(app)
    token = visit_form(client)
    secret = client.cookies[COOKIE]
    other = mask_secret(new_secret())
    with caplog.at_level("WARNING", logger="bastion.security.csrf"):
        old_browser_post(client, data={"csrf_token": other})
    [record] = [r for r in caplog.records if r.name == "bastion.security.csrf"]
    message = record.getMessage()
    assert "does not match" in message
    assert "POST '/action/'" in message
    for value in (token, secret, other):
        assert value not in message


def test_non_canonical_spellings_of_a_token_are_refused() -> None:
    from bastion.security.csrf import mask_secret, new_secret, unmask_token

    secret = new_secret()
    token = mask_secret(secret)
    assert unmask_token(token) == secret
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    others = [token[:-1] + c for c in alphabet if c != token[-1]]
    assert all(unmask_token(other) != secret for other in others)
