from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest

from bastion.testing import Client, RedirectError
from bastion.testing.client import MAX_REDIRECTS
from bastion.types import WSGIApp, WSGIEnviron

Reply = tuple[str, list[tuple[str, str]], bytes]
MakeApp = Callable[[dict[str, Callable[[WSGIEnviron], Reply]]], WSGIApp]


def _redirect(location: str, status: int = 302, *extra: str) -> str:
    query = f"location={quote(location, safe='')}&status={status}"
    return "/redirect?" + "&".join([query, *extra])


def test_client_does_not_follow_by_default(client: Client) -> None:
    response = client.get(_redirect("/target"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/target"
    assert response.redirect_chain == []


@pytest.mark.parametrize("status", [301, 302, 303])
def test_client_follow_turns_a_post_into_a_get(client: Client, status: int) -> None:
    response = client.post(
        _redirect("/target?x=1", status),
        data={"a": "1"},
        headers={"Content-Type": "text/plain", "X-Keep": "yes"},
        follow=True,
    )
    seen = response.json()
    assert (seen["method"], seen["path"], seen["query"], seen["body"]) == (
        "GET",
        "/target",
        "x=1",
        "",
    )
    assert seen["content_type"] is None
    assert seen["content_length"] is None
    assert seen["headers"]["HTTP_X_KEEP"] == "yes"
    assert response.redirect_chain == [("https://testserver/target?x=1", status)]
    assert response.url == "https://testserver/target?x=1"


@pytest.mark.parametrize("status", [307, 308])
def test_client_follow_keeps_method_and_body(client: Client, status: int) -> None:
    response = client.put(_redirect("/target", status), json={"a": 1}, follow=True)
    seen = response.json()
    assert (seen["method"], seen["body"], seen["content_type"]) == (
        "PUT",
        '{"a":1}',
        "application/json",
    )


def test_client_follow_keeps_head(client: Client) -> None:
    response = client.head(_redirect("/target"), follow=True)
    assert response.request_environ["REQUEST_METHOD"] == "HEAD"
    assert response.content == b""


def test_client_follow_resolves_relative_locations(client: Client) -> None:
    response = client.get("/a/b" + _redirect("../c")[len("/redirect") :], follow=True)
    assert response.json()["path"] == "/c"


def test_client_follow_may_change_scheme_on_the_same_host(echo_app: WSGIApp) -> None:
    client = Client(echo_app, base_url="http://testserver")
    response = client.get(_redirect("https://testserver/secure", 301), follow=True)
    assert response.json()["scheme"] == "https"
    assert response.redirect_chain == [("https://testserver/secure", 301)]


def test_client_follow_sends_cookies_set_on_the_way(client: Client) -> None:
    login = _redirect("/home", 303, "set_cookie=" + quote("sid=new; Path=/"))
    response = client.post(login, data={"user": "ann"}, follow=True)
    assert response.json()["cookie"] == "sid=new"


def test_client_follow_several_hops(client: Client) -> None:
    inner = _redirect("/end", 307)
    response = client.get(_redirect(inner, 301), follow=True)
    assert [status for _, status in response.redirect_chain] == [301, 307]
    assert response.json()["path"] == "/end"


def test_client_follow_stops_at_a_redirect_without_location(make_app: MakeApp) -> None:
    def no_location(environ: WSGIEnviron) -> Reply:
        return "302 Found", [], b""

    response = Client(make_app({"/": no_location})).get("/", follow=True)
    assert (response.status_code, response.redirect_chain) == (302, [])


def test_client_follow_gives_up_on_a_loop(make_app: MakeApp) -> None:
    def loop(environ: WSGIEnviron) -> Reply:
        return "302 Found", [("Location", "/loop")], b""

    with pytest.raises(RedirectError, match=f"Gave up after {MAX_REDIRECTS} redirects"):
        Client(make_app({"/loop": loop})).get("/loop", follow=True)


def test_client_follow_allows_exactly_max_redirects(make_app: MakeApp) -> None:
    def hop(environ: WSGIEnviron) -> Reply:
        number = int(environ["QUERY_STRING"] or 0)
        if number == MAX_REDIRECTS:
            return "200 OK", [], b"arrived"
        return "302 Found", [("Location", f"/hop?{number + 1}")], b""

    response = Client(make_app({"/hop": hop})).get("/hop", follow=True)
    assert (response.content, len(response.redirect_chain)) == (b"arrived", MAX_REDIRECTS)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("https://evil.example/", "the host 'evil.example' is not the application's"),
        ("//evil.example/x", "the host 'evil.example' is not the application's"),
        ("mailto:someone@example.com", "the scheme 'mailto' is not HTTP"),
    ],
)
def test_client_follow_refuses_to_leave_the_site(
    client: Client, location: str, message: str
) -> None:
    with pytest.raises(RedirectError, match=message) as info:
        client.get(_redirect(location), follow=True)
    assert "follow=False" in str(info.value)


def test_client_follow_refuses_to_leave_the_mount(echo_app: WSGIApp) -> None:
    client = Client(echo_app, base_url="https://testserver/app")
    with pytest.raises(RedirectError, match="outside the application's mount point"):
        client.get(_redirect("/elsewhere"), follow=True)
    assert client.get(_redirect("/app/inside"), follow=True).json()["path"] == "/inside"
