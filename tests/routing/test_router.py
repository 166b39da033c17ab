"""Tests for bastion.routing.router: matching, methods, trailing slashes, reverse, listing."""

from __future__ import annotations

import re
import string
import uuid
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.exceptions import BastionError, ImproperlyConfigured
from bastion.http.exceptions import MethodNotAllowed, NotFound
from bastion.routing import (
    DEFAULT_CONVERTERS,
    Converter,
    Match,
    NoReverseMatch,
    RouteInfo,
    RouteNotFound,
    Router,
    include,
    path,
)


def home(request: object) -> None:
    """Stand-in views; only their identity matters."""


def about(request: object) -> None: ...
def article(request: object) -> None: ...
def blog_index(request: object) -> None: ...
def blog_detail(request: object) -> None: ...
def files(request: object) -> None: ...
def create(request: object) -> None: ...
def catch_all(request: object) -> None: ...


BLOG = [
    path("", blog_index, name="index"),
    path("<slug:slug>/", blog_detail, name="detail"),
]


@pytest.fixture
def router() -> Router:
    return Router(
        [
            path("", home, name="home"),
            path("about/", about, name="about", methods=["GET"]),
            path("articles/<int:year>/<slug:slug>/", article, name="article"),
            path("blog/", include(BLOG, namespace="blog")),
            path("files/<path:rest>", files, name="files"),
            path("users/<uuid:id>/", home, name="user"),
        ]
    )


# --- match: paths -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "view", "name", "params"),
    [
        ("/", home, "home", {}),
        ("/about/", about, "about", {}),
        ("/articles/2024/hello-world/", article, "article", {"year": 2024, "slug": "hello-world"}),
        ("/blog/", blog_index, "blog:index", {}),
        ("/blog/first-post/", blog_detail, "blog:detail", {"slug": "first-post"}),
        ("/files/a/b/c.txt", files, "files", {"rest": "a/b/c.txt"}),
        ("/files/../../etc/passwd", files, "files", {"rest": "../../etc/passwd"}),
        (
            "/users/12345678-9abc-4def-8123-456789abcdef/",
            home,
            "user",
            {"id": uuid.UUID("12345678-9abc-4def-8123-456789abcdef")},
        ),
    ],
)
def test_router_match_finds_view_and_params(
    router: Router, url: str, view: Any, name: str, params: dict[str, Any]
) -> None:
    found = router.match("GET", url)
    assert (found.view, found.name, found.params, found.redirect) == (view, name, params, None)
    assert found.route is not None
    assert found.route.view is view


@pytest.mark.parametrize(
    "url",
    [
        "/articles/20x4/hello/",
        "/articles/-1/hello/",
        "/articles/2024/hello world/",
        "/articles/2024/hello/extra/",
        "/users/12345678-9ABC-4DEF-8123-456789ABCDEF/",
        "/files/",
        "/blog/a/b/",
        "/nothing/",
        "/about/x",
        "relative/",
        "//",
    ],
)
def test_router_match_raises_not_found(router: Router, url: str) -> None:
    with pytest.raises(NotFound):
        router.match("GET", url)


def test_router_match_params_is_a_fresh_dict(router: Router) -> None:
    first = router.match("GET", "/blog/a/")
    first.params["slug"] = "changed"
    assert router.match("GET", "/blog/a/").params == {"slug": "a"}


def test_router_match_static_params_is_a_fresh_dict() -> None:
    router = Router([path("a/", home, kwargs={"x": 1})])
    router.match("GET", "/a/").params["x"] = 2
    assert router.match("GET", "/a/").params == {"x": 1}


@pytest.mark.parametrize(
    ("url", "expected"),
    [("/about/", catch_all), ("/other/", catch_all)],
)
def test_router_match_earlier_dynamic_route_wins_over_static(url: str, expected: Any) -> None:
    router = Router([path("<slug:page>/", catch_all), path("about/", about)])
    assert router.match("GET", url).view is expected


@pytest.mark.parametrize(("url", "expected"), [("/about/", about), ("/other/", catch_all)])
def test_router_match_earlier_static_route_wins_over_dynamic(url: str, expected: Any) -> None:
    router = Router([path("about/", about), path("<slug:page>/", catch_all)])
    assert router.match("GET", url).view is expected


def test_router_match_first_of_two_dynamic_routes_wins() -> None:
    router = Router([path("<int:n>/", about), path("<slug:s>/", catch_all)])
    assert router.match("GET", "/12/").view is about
    assert router.match("GET", "/ab/").view is catch_all


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/art12/", article),
        ("/articles/x/", catch_all),
        ("/articles", None),
        ("/x/y/", catch_all),
    ],
)
def test_router_match_unbucketed_patterns(url: str, expected: Any) -> None:
    router = Router(
        [
            path("art<int:n>/", article),
            path("articles/<int:n>/", home),
            path("<slug:a>/<slug:b>/", catch_all),
        ]
    )
    if expected is None:
        with pytest.raises(NotFound):
            router.match("GET", url)
    else:
        assert router.match("GET", url).view is expected


class EvenConverter(Converter):
    """Matches digits but refuses odd numbers in to_python: the route then does not match."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number % 2:
            raise ValueError("odd")
        return number


@pytest.mark.parametrize(("url", "expected"), [("/4/", about), ("/5/", catch_all)])
def test_router_match_converter_value_error_means_keep_looking(url: str, expected: Any) -> None:
    router = Router(
        [path("<even:n>/", about), path("<int:n>/", catch_all)],
        converters={"even": EvenConverter()},
    )
    assert router.match("GET", url).view is expected


def test_router_match_converter_value_error_in_static_table() -> None:
    router = Router(
        [path("<even:n>/", about), path("5/", catch_all)], converters={"even": EvenConverter()}
    )
    assert router.match("GET", "/5/").view is catch_all
    assert router.match("GET", "/4/").view is about


def test_router_match_absurd_int_is_not_found() -> None:
    router = Router([path("<int:n>/", about)])
    with pytest.raises(NotFound):
        router.match("GET", "/" + "9" * 10_000 + "/")


def test_router_match_merges_route_kwargs_into_params() -> None:
    router = Router([path("<int:pk>/", about, kwargs={"template": "t.html"})])
    assert router.match("GET", "/3/").params == {"pk": 3, "template": "t.html"}


def test_router_match_include_prefix_params_and_kwargs() -> None:
    inner = [
        path("", blog_index, kwargs={"page": 1}),
        path("<slug:slug>/", blog_detail, kwargs={"section": "inner"}),
    ]
    router = Router(
        [path("<slug:org>/", include(inner), kwargs={"section": "outer", "lang": "en"})]
    )
    assert router.match("GET", "/acme/").params == {
        "org": "acme",
        "page": 1,
        "section": "outer",
        "lang": "en",
    }
    assert router.match("GET", "/acme/post/").params == {
        "org": "acme",
        "slug": "post",
        "section": "inner",
        "lang": "en",
    }


# --- match: methods -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_router_match_get_route_answers_head(router: Router, method: str) -> None:
    assert router.match(method, "/about/").view is about


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "BREW"])
def test_router_match_any_method_when_methods_is_none(router: Router, method: str) -> None:
    assert router.match(method, "/").view is home


def test_router_match_wrong_method_raises_405_with_allow(router: Router) -> None:
    with pytest.raises(MethodNotAllowed) as caught:
        router.match("POST", "/about/")
    assert caught.value.allowed == ["GET", "HEAD"]
    assert caught.value.headers == {"Allow": "GET, HEAD"}
    assert caught.value.status_code == 405


def test_router_match_method_is_case_sensitive(router: Router) -> None:
    with pytest.raises(MethodNotAllowed):
        router.match("get", "/about/")


@pytest.mark.parametrize(
    ("method", "expected"), [("GET", about), ("HEAD", about), ("POST", create)]
)
def test_router_match_same_path_different_methods(method: str, expected: Any) -> None:
    router = Router(
        [path("items/", about, methods=["GET"]), path("items/", create, methods=["POST"])]
    )
    assert router.match(method, "/items/").view is expected


def test_router_match_405_lists_union_of_methods() -> None:
    router = Router(
        [
            path("items/", about, methods=["GET"]),
            path("<slug:s>/", create, methods=["POST"]),
            path("<slug:s>/", create, methods=["PUT", "PATCH"]),
        ]
    )
    with pytest.raises(MethodNotAllowed) as caught:
        router.match("DELETE", "/items/")
    assert caught.value.allowed == ["GET", "HEAD", "PATCH", "POST", "PUT"]
    assert router.match("PATCH", "/items/").view is create


def test_router_match_method_falls_through_to_later_dynamic_route() -> None:
    router = Router(
        [path("<int:n>/", about, methods=["GET"]), path("<slug:s>/", create, methods=["POST"])]
    )
    assert router.match("POST", "/12/").params == {"s": "12"}
    with pytest.raises(MethodNotAllowed) as caught:
        router.match("PUT", "/12/")
    assert caught.value.allowed == ["GET", "HEAD", "POST"]


def test_router_match_refused_conversion_does_not_count_for_405() -> None:
    router = Router(
        [path("<even:n>/", about, methods=["GET"])], converters={"even": EvenConverter()}
    )
    with pytest.raises(NotFound):
        router.match("POST", "/5/")


# --- match: trailing slash and 404 ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("/about", "/about/"),
        ("/blog", "/blog/"),
        ("/blog/post", "/blog/post/"),
        ("/articles/2024/hi", "/articles/2024/hi/"),
    ],
)
def test_router_match_redirects_to_trailing_slash(router: Router, url: str, target: str) -> None:
    found = router.match("GET", url)
    assert found == Match(None, None, {}, None, target)
    assert (found.route, found.view) == (None, None)


def test_router_match_redirects_empty_path_to_root(router: Router) -> None:
    assert router.match("GET", "").redirect == "/"


def test_router_match_redirect_ignores_method(router: Router) -> None:
    assert router.match("POST", "/about").redirect == "/about/"


def test_router_match_redirect_is_percent_encoded() -> None:
    router = Router([path("<str:x>/", about)])
    found = router.match("GET", "/caf\u00e9 \r\nSet-Cookie:x")
    assert found.redirect == "/caf%C3%A9%20%0D%0ASet-Cookie:x/"


@pytest.mark.parametrize("url", ["//evil.example", "//evil.example/x"])
def test_router_match_never_redirects_to_another_host(url: str) -> None:
    router = Router([path("<path:p>/", files)])
    with pytest.raises(NotFound):
        router.match("GET", url)


def test_router_match_no_redirect_for_unencodable_path() -> None:
    router = Router([path("<str:x>/", about)])
    with pytest.raises(NotFound):
        router.match("GET", "/a\ud800")


def test_router_match_no_redirect_when_append_slash_is_off() -> None:
    router = Router([path("about/", about)], append_slash=False)
    with pytest.raises(RouteNotFound):
        router.match("GET", "/about")


def test_router_match_no_redirect_when_slash_path_also_misses(router: Router) -> None:
    with pytest.raises(RouteNotFound):
        router.match("GET", "/missing")


def test_router_match_redirect_respects_refused_conversion() -> None:
    router = Router([path("<even:n>/", about)], converters={"even": EvenConverter()})
    assert router.match("GET", "/4").redirect == "/4/"
    with pytest.raises(RouteNotFound):
        router.match("GET", "/5")


def test_router_match_not_found_detail_and_tried(router: Router) -> None:
    with pytest.raises(RouteNotFound) as caught:
        router.match("GET", "/x/")
    error = caught.value
    assert isinstance(error, NotFound)
    assert error.status_code == 404
    assert error.detail == "No page matches the path '/x/'."
    assert error.tried == [
        "/",
        "/about/",
        "/articles/<int:year>/<slug:slug>/",
        "/blog/",
        "/blog/<slug:slug>/",
        "/files/<path:rest>",
        "/users/<uuid:id>/",
    ]
    assert "<" not in error.detail


def test_router_match_not_found_detail_shortens_long_paths(router: Router) -> None:
    with pytest.raises(RouteNotFound) as caught:
        router.match("GET", "/" + "x" * 1000 + "/")
    assert len(caught.value.detail) < 300
    assert caught.value.detail.endswith("…'.")


# --- Match --------------------------------------------------------------------------------


def test_match_equality_and_repr() -> None:
    first = Match(None, home, {"a": 1}, "home")
    assert first == Match(None, home, {"a": 1}, "home")
    assert first != Match(None, home, {"a": 2}, "home")
    assert first != ("not", "a", "match")
    assert repr(first) == f"Match(name='home', view={home!r}, params={{'a': 1}})"
    assert repr(Match(None, None, {}, None, "/a/")) == "Match(redirect='/a/')"


def test_match_is_unhashable() -> None:
    with pytest.raises(TypeError):
        hash(Match(None, home, {}, None))


# --- reverse ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("home", {}, "/"),
        ("about", {}, "/about/"),
        ("article", {"year": 2024, "slug": "hello"}, "/articles/2024/hello/"),
        ("blog:index", {}, "/blog/"),
        ("blog:detail", {"slug": "first-post"}, "/blog/first-post/"),
        ("files", {"rest": "a/b/c.txt"}, "/files/a/b/c.txt"),
        ("files", {"rest": "dir name/caf\u00e9?.txt"}, "/files/dir%20name/caf%C3%A9%3F.txt"),
        (
            "user",
            {"id": uuid.UUID("12345678-9abc-4def-8123-456789abcdef")},
            "/users/12345678-9abc-4def-8123-456789abcdef/",
        ),
    ],
)
def test_router_reverse_builds_path(
    router: Router, name: str, params: dict[str, Any], expected: str
) -> None:
    assert router.reverse(name, **params) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/evil.example", "/%2Fevil.example/"),
        ("a/b", "/a%2Fb/"),
        ("a b&c?d#e%f", "/a%20b%26c%3Fd%23e%25f/"),
        ("\\evil", "/%5Cevil/"),
        (7, "/7/"),
    ],
)
def test_router_reverse_quotes_str_values_slash_included(value: Any, expected: str) -> None:
    router = Router([path("<str:x>/", about, name="x")])
    assert router.reverse("x", x=value) == expected


def test_router_reverse_quotes_literal_text() -> None:
    router = Router(
        [path("caf\u00e9/<int:n>/", about, name="a"), path("caf\u00e9/", home, name="b")]
    )
    assert router.reverse("a", n=1) == "/caf%C3%A9/1/"
    assert router.reverse("b") == "/caf%C3%A9/"
    assert router.match("GET", "/caf\u00e9/1/").view is about


def test_router_reverse_nested_namespaces() -> None:
    inner = [path("<int:pk>/edit/", about, name="edit")]
    middle = [path("admin/", include(inner, namespace="admin"))]
    router = Router([path("shop/", include(middle, namespace="shop")), path("x/", include(BLOG))])
    assert router.reverse("shop:admin:edit", pk=3) == "/shop/admin/3/edit/"
    assert router.reverse("detail", slug="s") == "/x/s/"


def test_router_reverse_include_prefix_params() -> None:
    router = Router([path("<slug:org>/", include(BLOG, namespace="blog"))])
    assert router.reverse("blog:detail", org="acme", slug="post") == "/acme/post/"


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("article", {"year": 2024}, "missing slug"),
        ("article", {}, "missing slug, year"),
        ("article", {"year": 1, "slug": "a", "page": 2}, "unexpected page"),
        ("article", {"year": 1, "title": "a"}, "missing slug; unexpected title"),
        ("home", {"page": 2}, "unexpected page. The pattern '/' takes no parameters"),
    ],
)
def test_router_reverse_refuses_wrong_params(
    router: Router, name: str, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(NoReverseMatch, match=message) as caught:
        router.reverse(name, **params)
    assert repr(name) in str(caught.value)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("article", {"year": -1, "slug": "a"}, "year=-1 does not fit"),
        ("article", {"year": "2024", "slug": "a"}, "expected an int"),
        ("article", {"year": 1, "slug": "not a slug"}, "is not a slug"),
        ("blog:detail", {"slug": None}, "got NoneType"),
        ("files", {"rest": "../admin"}, "'..' segment"),
        ("user", {"id": "nope"}, "canonical"),
    ],
)
def test_router_reverse_refuses_invalid_values(
    router: Router, name: str, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(NoReverseMatch, match=message) as caught:
        router.reverse(name, **params)
    assert isinstance(caught.value.__cause__, ValueError)


def test_router_reverse_refuses_lone_surrogate() -> None:
    router = Router([path("<str:x>/", about, name="x")])
    with pytest.raises(NoReverseMatch, match="not valid Unicode"):
        router.reverse("x", x="a\ud800")


@pytest.mark.parametrize("value", ["/evil.example", "/evil.example/x"])
def test_router_reverse_refuses_scheme_relative_result(value: str) -> None:
    router = Router([path("<path:p>", files, name="p")])
    with pytest.raises(NoReverseMatch, match="another host"):
        router.reverse("p", p=value)
    assert router.reverse("p", p="evil.example/x") == "/evil.example/x"


def test_router_reverse_unknown_name_suggests_close_names(router: Router) -> None:
    with pytest.raises(NoReverseMatch, match="Did you mean 'blog:detail'") as caught:
        router.reverse("blog:detial")
    assert isinstance(caught.value, LookupError)
    assert isinstance(caught.value, BastionError)


def test_router_reverse_unknown_name_without_suggestion(router: Router) -> None:
    with pytest.raises(NoReverseMatch, match=r"No route is named 'zzzzzz'\. Names are given"):
        router.reverse("zzzzzz")


def test_router_reverse_unnamed_route_is_unknown() -> None:
    with pytest.raises(NoReverseMatch):
        Router([path("a/", about)]).reverse("a")


def test_router_reverse_name_is_positional_only(router: Router) -> None:
    assert router.reverse("blog:detail", slug="name") == "/blog/name/"


def test_router_reverse_slug_param_named_name_is_allowed() -> None:
    router = Router([path("<slug:name>/", about, name="by-name")])
    assert router.reverse("by-name", name="x") == "/x/"


_PLAIN_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="/\n"),
    min_size=1,
)
_PATH_TEXT = st.lists(_PLAIN_TEXT.filter(lambda s: s not in {".", ".."}), min_size=1).map("/".join)
_SLUGS = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1)


@given(
    year=st.integers(min_value=0, max_value=10**30),
    slug=_SLUGS,
    title=_PLAIN_TEXT,
    ident=st.uuids(),
    rest=_PATH_TEXT,
)
def test_router_reverse_then_match_round_trips(
    year: int, slug: str, title: str, ident: uuid.UUID, rest: str
) -> None:
    router = Router(
        [
            path("a/<int:year>/<slug:slug>/<str:title>/<uuid:ident>/<path:rest>", about, name="a"),
            path("<path:rest>", files, name="root"),
        ]
    )
    params = {"year": year, "slug": slug, "title": title, "ident": ident, "rest": rest}
    url = router.reverse("a", **params)
    assert url.isascii()
    assert not url.startswith("//")
    found = router.match("GET", unquote(url))
    assert (found.name, found.params) == ("a", params)
    if not rest.startswith("/"):
        assert router.match("GET", unquote(router.reverse("root", rest=rest))).params == {
            "rest": rest
        }


# --- routes() -----------------------------------------------------------------------------


def test_router_routes_lists_leaves_in_order(router: Router) -> None:
    listed = list(router.routes())
    assert all(isinstance(info, RouteInfo) for info in listed)
    assert [(info.pattern, info.name) for info in listed] == [
        ("/", "home"),
        ("/about/", "about"),
        ("/articles/<int:year>/<slug:slug>/", "article"),
        ("/blog/", "blog:index"),
        ("/blog/<slug:slug>/", "blog:detail"),
        ("/files/<path:rest>", "files"),
        ("/users/<uuid:id>/", "user"),
    ]
    assert listed[1].methods == frozenset({"GET", "HEAD"})
    assert listed[0].methods is None
    assert listed[4].view is blog_detail
    assert listed[4].route is BLOG[1]


def test_router_repr_counts_routes(router: Router) -> None:
    assert repr(router) == "<Router with 7 routes>"


# --- configuration errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("a/<int:year", "'<' at position 2 is never closed"),
        ("a/<<int:x>/", "'<' at position 2 is never closed"),
        ("a/int:x>/", "'>' at position 7 has no matching '<'"),
        ("a/<int:x>>/", "'>' at position 9 has no matching '<'"),
        ("<>/", "placeholder <> has no parameter name"),
        ("<int:>/", "placeholder <int:> has no parameter name"),
        ("<:x>/", "has no converter before ':'"),
        ("<a:b:c>/", "has more than one ':'"),
        ("<int:2x>/", "'2x' is not a valid Python argument name"),
        ("<int:a b>/", "'a b' is not a valid Python argument name"),
        ("<class>/", "'class' is not a valid Python argument name"),
        ("<float:x>/", "unknown converter 'float' (known: int, path, slug, str, uuid)"),
        ("<Int:x>/", "unknown converter 'Int'"),
        ("<x>/<int:x>/", "the parameter name 'x' is used twice"),
        ("<path:a>/<path:b>", "at most one may"),
        ("//a", "starts with '//'"),
    ],
)
def test_router_refuses_bad_pattern(pattern: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="Invalid URL pattern") as caught:
        Router([path(pattern, about)])
    assert message in str(caught.value)


def test_router_refuses_bad_pattern_inside_include() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"Invalid URL pattern '<int:x'"):
        Router([path("blog/", include([path("<int:x", about)]))])


def test_router_refuses_param_repeated_across_include() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"'/<slug:slug>/<slug:slug>/'.*used twice"):
        Router([path("<slug:slug>/", include(BLOG))])


def test_router_refuses_double_slash_across_include() -> None:
    with pytest.raises(ImproperlyConfigured, match="starts with '//'"):
        Router([path("/", include([path("//x/", about)]))])


def test_router_refuses_kwargs_shadowing_a_param() -> None:
    with pytest.raises(ImproperlyConfigured, match="kwargs sets 'pk'"):
        Router([path("<int:pk>/", about, kwargs={"pk": 1})])


def test_router_refuses_include_kwargs_shadowing_a_param() -> None:
    with pytest.raises(ImproperlyConfigured, match="kwargs sets 'slug'"):
        Router([path("blog/", include(BLOG), kwargs={"slug": "x"})])


@pytest.mark.parametrize(
    "routes",
    [
        [path("a/", about, name="x"), path("b/", home, name="x")],
        [path("a/", include([path("", about, name="x")])), path("b/", home, name="x")],
        [path("a/", include(BLOG, namespace="n")), path("b/", include(BLOG, namespace="n"))],
    ],
)
def test_router_refuses_duplicate_names(routes: list[Any]) -> None:
    with pytest.raises(ImproperlyConfigured, match="Two routes are named"):
        Router(routes)


def test_router_allows_same_name_in_different_namespaces() -> None:
    router = Router(
        [path("a/", include(BLOG, namespace="a")), path("b/", include(BLOG, namespace="b"))]
    )
    assert router.reverse("a:index") == "/a/"
    assert router.reverse("b:index") == "/b/"


@pytest.mark.parametrize("routes", ["app.urls", None, [home]])
def test_router_refuses_non_routes(routes: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="Router: expected"):
        Router(routes)


class YearConverter(Converter):
    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)


def test_router_custom_converter_matches_and_reverses() -> None:
    router = Router([path("<year:y>/", about, name="y")], converters={"year": YearConverter()})
    assert router.match("GET", "/2024/").params == {"y": 2024}
    assert router.reverse("y", y=1999) == "/1999/"
    with pytest.raises(NotFound):
        router.match("GET", "/24/")
    with pytest.raises(NoReverseMatch):
        router.reverse("y", y=24)


def test_router_custom_converter_replaces_builtin() -> None:
    router = Router([path("<int:y>/", about)], converters={"int": YearConverter()})
    with pytest.raises(NotFound):
        router.match("GET", "/1/")


def test_router_custom_converters_are_per_router() -> None:
    Router([path("<year:y>/", about)], converters={"year": YearConverter()})
    with pytest.raises(ImproperlyConfigured, match="unknown converter 'year'"):
        Router([path("<year:y>/", about)])


class NoRegex(Converter):
    pass


class BadRegex(Converter):
    regex = "[0-9"


class NamedGroup(Converter):
    regex = "(?P<inner>[0-9]+)"


class BadQuoteSafe(Converter):
    regex = "[^/]+"
    quote_safe = "/?"


class LateFlag(Converter):
    regex = "(?i)[a-z]+"


@pytest.mark.parametrize(
    ("converters", "message"),
    [
        ({"year": YearConverter}, "pass an instance: YearConverter()"),
        ({"year": object()}, "must be a Converter instance"),
        ({"not valid": YearConverter()}, "a converter name must be an identifier"),
        ({1: YearConverter()}, "a converter name must be an identifier"),
        ({"x": NoRegex()}, "must set regex to a str"),
        ({"x": BadRegex()}, "regex '[0-9' is invalid"),
        ({"x": NamedGroup()}, "has named groups"),
        ({"x": BadQuoteSafe()}, "quote_safe may only hold"),
        ([("x", YearConverter())], "converters must be a mapping"),
    ],
)
def test_router_refuses_bad_converters(converters: Any, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        Router([], converters=converters)


def test_router_refuses_converter_regex_that_breaks_the_pattern() -> None:
    with pytest.raises(ImproperlyConfigured, match="does not compile"):
        Router([path("a/<late:x>/", about)], converters={"late": LateFlag()})


# --- model check: the optimised router agrees with a naive first-match loop ----------------

_SEGMENTS = st.sampled_from(["a", "b", "ab", "1", "<int:n>", "<slug:s>", "<str:t>"])
_ROUTE = st.tuples(
    st.lists(_SEGMENTS, min_size=0, max_size=3),
    st.sampled_from(["/", "", "/<path:rest>"]),
    st.sampled_from([None, ("GET",), ("POST",)]),
)
_REQUEST_PATH = st.lists(st.sampled_from(["a", "b", "ab", "1", "12", "x-y", "x y", ""]), max_size=4)


def _naive_pattern(segments: list[str], ending: str) -> str:
    numbered = [
        segment.replace(">", f"{index}>") if segment.startswith("<") else segment
        for index, segment in enumerate(segments)
    ]
    body = "/".join(numbered)
    return body + ending if body else ending.removeprefix("/")


def _naive_match(routes: list[tuple[str, Any]], method: str, url: str) -> tuple[str, Any]:
    allowed: set[str] = set()
    for pattern, methods in routes:
        source = ""
        for piece in re.split(r"(<[^>]+>)", "/" + pattern):
            if piece.startswith("<"):
                kind, name = piece[1:-1].split(":")
                source += f"(?P<{name}>{DEFAULT_CONVERTERS[kind].regex})"
            else:
                source += re.escape(piece)
        found = re.fullmatch(source, url)
        if found is None:
            continue
        try:
            params = {
                name: DEFAULT_CONVERTERS[kind].to_python(found[name])
                for kind, name in re.findall(r"<(\w+):(\w+)>", pattern)
            }
        except ValueError:
            continue
        allowed_here = (
            None if methods is None else {*methods, *(["HEAD"] if "GET" in methods else [])}
        )
        if allowed_here is not None and method not in allowed_here:
            allowed |= allowed_here
            continue
        return ("match", (pattern, params))
    if allowed:
        return ("405", sorted(allowed))
    return ("404", None)


@given(
    specs=st.lists(_ROUTE, min_size=1, max_size=8),
    pieces=_REQUEST_PATH,
    slash=st.booleans(),
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT"]),
)
def test_router_match_agrees_with_naive_first_match(
    specs: list[tuple[list[str], str, Any]], pieces: list[str], slash: bool, method: str
) -> None:
    routes = [(_naive_pattern(segments, ending), methods) for segments, ending, methods in specs]
    router = Router(
        [
            path(pattern, files, methods=methods, name=str(i))
            for i, (pattern, methods) in enumerate(routes)
        ],
        append_slash=False,
    )
    url = "/" + "/".join(pieces) + ("/" if slash and pieces else "")
    assert _router_outcome(router, routes, method, url) == _naive_match(routes, method, url)


def _router_outcome(
    router: Router, routes: list[tuple[str, Any]], method: str, url: str
) -> tuple[str, Any]:
    try:
        found = router.match(method, url)
    except MethodNotAllowed as error:
        return ("405", error.allowed)
    except NotFound:
        return ("404", None)
    assert found.name is not None
    return ("match", (routes[int(found.name)][0], found.params))
