from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.http.cookies import format_set_cookie
from bastion.testing import Cookie, CookieJar
from bastion.testing.cookiejar import default_path, domain_match, path_match

SITE = "https://testserver/app/page"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def jar(clock: Clock) -> CookieJar:
    return CookieJar(clock=clock)


def test_cookiejar_keeps_a_cookie_and_sends_it_back(jar: CookieJar) -> None:
    parsed = jar.extract(SITE, ["sid=abc; Path=/"])
    assert [c.name for c in parsed] == ["sid"]
    assert jar.cookie_header("https://testserver/other") == "sid=abc"
    assert jar.get("sid") == "abc"
    assert len(jar) == 1


def test_cookiejar_empty_sends_nothing(jar: CookieJar) -> None:
    assert jar.cookie_header(SITE) is None
    assert jar.get("sid") is None
    assert jar.as_dict() == {}


def test_cookiejar_default_path_is_the_request_directory(jar: CookieJar) -> None:
    jar.extract(SITE, ["a=1"])
    assert [c.path for c in jar] == ["/app"]
    assert jar.cookie_header("https://testserver/app") == "a=1"
    assert jar.cookie_header("https://testserver/app/deeper") == "a=1"
    assert jar.cookie_header("https://testserver/apple") is None
    assert jar.cookie_header("https://testserver/") is None


def test_cookiejar_host_only_by_default(jar: CookieJar) -> None:
    jar.extract("https://example.com/", ["a=1; Path=/"])
    assert jar.cookie_header("https://example.com/") == "a=1"
    assert jar.cookie_header("https://sub.example.com/") is None
    assert [c.host_only for c in jar] == [True]


def test_cookiejar_domain_cookie_reaches_subdomains(jar: CookieJar) -> None:
    jar.extract("https://www.example.com/", ["a=1; Domain=.example.com; Path=/"])
    assert jar.cookie_header("https://example.com/") == "a=1"
    assert jar.cookie_header("https://deep.sub.example.com/") == "a=1"
    assert jar.cookie_header("https://badexample.com/") is None
    assert [c.host_only for c in jar] == [False]


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.example.com/", "other.com"),  # not ours
        ("https://www.example.com/", "sub.www.example.com"),  # a subdomain of the host
        ("https://www.example.com/", "com"),  # a bare top-level domain
        ("https://127.0.0.1/", "0.0.1"),  # IP addresses have no parent domain
    ],
)
def test_cookiejar_refuses_a_foreign_domain(jar: CookieJar, url: str, domain: str) -> None:
    parsed = jar.extract(url, [f"a=1; Domain={domain}"])
    assert [c.domain for c in parsed] == [domain]  # reported...
    assert len(jar) == 0  # ...but not kept


def test_cookiejar_accepts_its_own_single_label_host_as_domain(jar: CookieJar) -> None:
    jar.extract("https://testserver/", ["a=1; Domain=testserver; Path=/"])
    assert jar.cookie_header("https://testserver/") == "a=1"


def test_cookiejar_accepts_an_ip_host_as_its_own_domain(jar: CookieJar) -> None:
    jar.extract("http://127.0.0.1/", ["a=1; Domain=127.0.0.1"])
    assert jar.cookie_header("http://127.0.0.1/") == "a=1"


def test_cookiejar_secure_cookies_need_https(jar: CookieJar) -> None:
    jar.extract("http://testserver/", ["a=1; Secure"])
    assert len(jar) == 0
    jar.extract("https://testserver/", ["a=1; Secure"])
    assert jar.cookie_header("https://testserver/") == "a=1"
    assert jar.cookie_header("http://testserver/") is None


@pytest.mark.parametrize(
    ("url", "header", "kept"),
    [
        ("https://testserver/", "__Host-a=1; Secure; Path=/", True),
        ("https://testserver/", "__host-a=1; Secure; Path=/", True),
        ("https://testserver/", "__Host-a=1; Path=/", False),
        ("https://testserver/", "__Host-a=1; Secure", False),
        ("https://testserver/", "__Host-a=1; Secure; Path=/x", False),
        ("https://testserver/", "__Host-a=1; Secure; Path=/; Domain=testserver", False),
        ("http://testserver/", "__Host-a=1; Secure; Path=/", False),
        ("https://testserver/", "__Secure-a=1; Secure", True),
        ("https://testserver/", "__SECURE-a=1; Secure", True),
        ("https://testserver/", "__Secure-a=1", False),
        ("http://testserver/", "__Secure-a=1; Secure", False),
    ],
)
def test_cookiejar_enforces_prefixes(jar: CookieJar, url: str, header: str, kept: bool) -> None:
    jar.extract(url, [header])
    assert (len(jar) == 1) is kept


def test_cookiejar_max_age_expires_the_cookie(jar: CookieJar, clock: Clock) -> None:
    jar.extract(SITE, ["a=1; Max-Age=10; Path=/"])
    clock.now += 9
    assert jar.get("a") == "1"
    clock.now += 1
    assert jar.get("a") is None
    assert len(jar) == 0


def test_cookiejar_max_age_wins_over_expires(jar: CookieJar) -> None:
    jar.extract(SITE, ["a=1; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=60; Path=/"])
    assert jar.get("a") == "1"


def test_cookiejar_expires_in_the_past_deletes(jar: CookieJar) -> None:
    jar.extract(SITE, ["a=1; Path=/"])
    jar.extract(SITE, ["a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"])
    assert len(jar) == 0


def test_cookiejar_expires_in_the_future_keeps(jar: CookieJar, clock: Clock) -> None:
    jar.extract(SITE, ["a=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Path=/"])
    assert [c.expires for c in jar] == [4102444800.0]


@pytest.mark.parametrize("max_age", ["0", "-1"])
def test_cookiejar_max_age_zero_or_less_deletes(jar: CookieJar, max_age: str) -> None:
    jar.extract(SITE, ["a=1; Path=/"])
    jar.extract(SITE, [f"a=; Max-Age={max_age}; Path=/"])
    assert jar.get("a") is None


def test_cookiejar_deleting_needs_the_same_path(jar: CookieJar) -> None:
    jar.extract(SITE, ["a=1; Path=/"])
    jar.extract(SITE, ["a=; Max-Age=0; Path=/app"])
    assert jar.get("a") == "1"


def test_cookiejar_replacing_keeps_the_creation_order(jar: CookieJar) -> None:
    jar.extract(SITE, ["a=1; Path=/", "b=2; Path=/"])
    jar.extract(SITE, ["a=3; Path=/"])
    assert jar.cookie_header(SITE) == "a=3; b=2"


def test_cookiejar_sends_longer_paths_first(jar: CookieJar) -> None:
    jar.extract(SITE, ["a=root; Path=/", "a=app; Path=/app"])
    assert jar.cookie_header(SITE) == "a=app; a=root"
    assert jar.as_dict() == {"a": "app"}
    assert jar.get("a", path="/") == "root"
    assert jar.get("a", domain="testserver", path="/app") == "app"
    assert jar.get("a", domain="elsewhere") is None


def test_cookiejar_set_makes_a_cookie_as_a_server_would(jar: CookieJar) -> None:
    jar.set("a", "1", domain="TestServer")
    (cookie,) = jar
    assert cookie == Cookie("a", "1", "testserver", "/")
    assert jar.cookie_header("http://testserver/") == "a=1"


def test_cookiejar_set_with_max_age(jar: CookieJar, clock: Clock) -> None:
    jar.set("a", "1", domain="testserver", max_age=5)
    assert [c.expires for c in jar] == [clock.now + 5]
    jar.set("a", "1", domain="testserver", max_age=0)
    assert len(jar) == 0


@pytest.mark.parametrize(
    ("name", "value", "options", "message"),
    [
        ("bad name", "1", {}, "valid token"),
        ("a", "x;y", {}, "';'"),
        ("a", "x\ny", {}, "control"),
        ("a", "1", {"path": "x"}, "must start with '/'"),
        ("__Host-a", "1", {"secure": False}, "__Host-"),
        ("__Host-a", "1", {"secure": True, "host_only": False}, "__Host-"),
        ("__Host-a", "1", {"secure": True, "path": "/x"}, "__Host-"),
        ("__Secure-a", "1", {}, "__Secure-"),
    ],
)
def test_cookiejar_set_refuses_what_cannot_be_sent(
    jar: CookieJar, name: str, value: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        jar.set(name, value, domain="testserver", **options)  # type: ignore[arg-type]


def test_cookiejar_delete_by_name_domain_and_path(jar: CookieJar) -> None:
    jar.set("a", "1", domain="testserver")
    jar.set("a", "2", domain="testserver", path="/x")
    jar.set("b", "3", domain="testserver")
    jar.delete("a", path="/x")
    assert jar.cookie_header("https://testserver/x") == "a=1; b=3"
    jar.delete("a", domain="elsewhere")
    assert jar.get("a") == "1"
    jar.delete("a")
    assert jar.as_dict() == {"b": "3"}
    jar.clear()
    assert len(jar) == 0


def test_cookiejar_repr_names_the_cookies(jar: CookieJar) -> None:
    jar.set("a", "1", domain="testserver")
    assert repr(jar) == "<CookieJar ['a@testserver/']>"


def test_cookiejar_url_without_path(jar: CookieJar) -> None:
    jar.extract("https://testserver", ["a=1"])
    assert jar.cookie_header("https://testserver") == "a=1"


@pytest.mark.parametrize(
    ("host", "domain", "expected"),
    [
        ("example.com", "example.com", True),
        ("www.example.com", "example.com", True),
        ("wwwexample.com", "example.com", False),
        ("1.2.3.4", "2.3.4", False),
        ("1.2.3.4", "1.2.3.4", True),
    ],
)
def test_domain_match(host: str, domain: str, expected: bool) -> None:
    assert domain_match(host, domain) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [("", "/"), ("x", "/"), ("/", "/"), ("/a", "/"), ("/a/", "/a"), ("/a/b", "/a")],
)
def test_default_path(path: str, expected: str) -> None:
    assert default_path(path) == expected


@pytest.mark.parametrize(
    ("request_path", "cookie_path", "expected"),
    [
        ("/a", "/a", True),
        ("/a/b", "/a", True),
        ("/a/b", "/a/", True),
        ("/ab", "/a", False),
        ("/b", "/a", False),
        ("/", "/a", False),
    ],
)
def test_path_match(request_path: str, cookie_path: str, expected: bool) -> None:
    assert path_match(request_path, cookie_path) is expected


cookie_names = st.from_regex(r"(__Host-|__Secure-)?[A-Za-z0-9_\-]{1,8}", fullmatch=True)
cookie_paths = st.sampled_from(["/", "/app", "/app/", "/app/page", "/other"])


@given(
    name=cookie_names,
    value=st.from_regex(r"[A-Za-z0-9!#$%&'()*+\-./:<=>?@\[\]^_`{|}~]{0,12}", fullmatch=True),
    path=cookie_paths,
    max_age=st.none() | st.integers(-5, 10**6),
    samesite=st.sampled_from(["Strict", "Lax", None]),
)
def test_cookiejar_keeps_what_bastion_sets_and_sends_it_where_due(
    name: str, value: str, path: str, max_age: int | None, samesite: Any
) -> None:
    if name.startswith("__Host-"):
        path = "/"
    header = format_set_cookie(name, value, path=path, max_age=max_age, samesite=samesite)
    jar = CookieJar()
    jar.extract(SITE, [header])
    if max_age is not None and max_age <= 0:
        assert len(jar) == 0
        return
    for request_path in ["/", "/app", "/app/page", "/app/page/x", "/other", "/apple"]:
        url = f"https://testserver{request_path}"
        due = path_match(request_path, path)
        assert (jar.cookie_header(url) == f"{name}={value}") is due
        assert jar.cookie_header(f"http://testserver{request_path}") is None  # Secure
