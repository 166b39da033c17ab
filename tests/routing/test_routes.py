"""Tests for bastion.routing.routes: what path() and include() accept, refuse and normalise."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.routing import Include, Mount, Route, include, path


def view(request: object) -> None:
    """A stand-in view."""


def other(request: object) -> None:
    """Another stand-in view."""


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("a/", "a/"), ("/a/", "a/"), ("", ""), ("/", ""), ("<int:x>/", "<int:x>/")],
)
def test_path_strips_one_leading_slash(pattern: str, expected: str) -> None:
    assert path(pattern, view).pattern == expected


def test_path_with_and_without_leading_slash_are_equal() -> None:
    assert path("/a/", view, name="a") == path("a/", view, name="a")


def test_path_keeps_a_second_leading_slash_for_the_router_to_refuse() -> None:
    assert path("//a", view).pattern == "/a"


def test_path_returns_route_with_fields() -> None:
    route = path("a/", view, name="a", methods=["post"], kwargs={"x": 1})
    assert isinstance(route, Route)
    assert (route.view, route.name, route.methods) == (view, "a", frozenset({"POST"}))
    assert route.kwargs == {"x": 1}


@pytest.mark.parametrize(
    ("methods", "expected"),
    [
        (None, None),
        (["GET"], {"GET", "HEAD"}),
        (["get", "post"], {"GET", "HEAD", "POST"}),
        (("POST",), {"POST"}),
        ({"put", "PUT"}, {"PUT"}),
        (iter(["DELETE"]), {"DELETE"}),
        (["HEAD"], {"HEAD"}),
        (["PROPFIND"], {"PROPFIND"}),
    ],
)
def test_path_normalises_methods(methods: Any, expected: set[str] | None) -> None:
    route = path("a/", view, methods=methods)
    assert route.methods == (None if expected is None else frozenset(expected))


@pytest.mark.parametrize(
    ("methods", "message"),
    [
        ("GET", "not the string 'GET'"),
        ([], "methods is empty"),
        (["GE T"], "'GE T' is not an HTTP method"),
        ([""], "'' is not an HTTP method"),
        ([1], "1 is not an HTTP method"),
        (["GET\r\n"], "is not an HTTP method"),
    ],
)
def test_path_refuses_bad_methods(methods: Any, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        path("a/", view, methods=methods)


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "get"])
def test_route_allows_any_method_when_methods_is_none(method: str) -> None:
    assert path("a/", view).allows(method)


@pytest.mark.parametrize(
    ("method", "expected"), [("GET", True), ("HEAD", True), ("POST", False), ("get", False)]
)
def test_route_allows_listed_methods_only(method: str, expected: bool) -> None:
    assert path("a/", view, methods=["GET"]).allows(method) is expected


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "name must be a non-empty str"), ("a:b", "without ':'"), (3, "got 3")],
)
def test_path_refuses_bad_names(name: Any, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        path("a/", view, name=name)


def test_path_refuses_dotted_string_view() -> None:
    with pytest.raises(ImproperlyConfigured, match="import the view"):
        path("a/", "app.views.index")  # type: ignore[call-overload]


@pytest.mark.parametrize("bad", [None, 42, object()])
def test_path_refuses_non_callable_view(bad: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="must be callable"):
        path("a/", bad)


@pytest.mark.parametrize("pattern", [None, b"a/", 3])
def test_path_refuses_non_str_pattern(pattern: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="the pattern must be a str"):
        path(pattern, view)


def test_path_kwargs_are_a_read_only_copy() -> None:
    given = {"template": "a.html"}
    route = path("a/", view, kwargs=given)
    given["template"] = "changed"
    assert route.kwargs == {"template": "a.html"}
    assert isinstance(route.kwargs, MappingProxyType)
    with pytest.raises(TypeError):
        route.kwargs["x"] = 1  # type: ignore[index]


def test_path_kwargs_default_to_empty() -> None:
    assert path("a/", view).kwargs == {}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ([("a", 1)], "kwargs must be a mapping"),
        ({"not valid": 1}, "not a valid argument name"),
        ({1: 1}, "not a valid argument name"),
    ],
)
def test_path_refuses_bad_kwargs(kwargs: Any, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        path("a/", view, kwargs=kwargs)


def test_route_is_hashable_despite_kwargs() -> None:
    route = path("a/", view, kwargs={"x": []})
    assert {route: 1}[route] == 1


def test_route_direct_construction_is_normalised() -> None:
    route = Route("/a/", view, methods=frozenset({"get"}))
    assert (route.pattern, route.methods) == ("a/", frozenset({"GET", "HEAD"}))


def test_path_with_include_returns_mount() -> None:
    inner = include([path("", view)], namespace="blog")
    mount = path("/blog/", inner, kwargs={"section": "blog"})
    assert isinstance(mount, Mount)
    assert (mount.pattern, mount.include, mount.kwargs) == ("blog/", inner, {"section": "blog"})


@pytest.mark.parametrize("extra", [{"name": "blog"}, {"methods": ["GET"]}])
def test_path_with_include_refuses_name_and_methods(extra: dict[str, Any]) -> None:
    with pytest.raises(ImproperlyConfigured, match="takes no name= or methods="):
        path("blog/", include([path("", view)]), **extra)


def test_mount_refuses_non_include() -> None:
    with pytest.raises(ImproperlyConfigured, match="expected an include"):
        Mount("blog/", [path("", view)])  # type: ignore[arg-type]


def test_include_keeps_routes_and_namespace() -> None:
    routes = [path("", view), path("x/", other)]
    group = include(routes, namespace="blog")
    assert isinstance(group, Include)
    assert group.routes == tuple(routes)
    assert group.namespace == "blog"


def test_include_accepts_nested_mounts_and_tuples() -> None:
    inner = path("a/", include((path("", view),)))
    assert include([inner]).routes == (inner,)


def test_include_namespace_defaults_to_none() -> None:
    assert include([]).namespace is None


@pytest.mark.parametrize(
    ("namespace", "message"), [("", "non-empty"), ("a:b", "without ':'"), (1, "got 1")]
)
def test_include_refuses_bad_namespace(namespace: Any, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        include([], namespace=namespace)


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ("blog.urls", "import the list"),
        (b"blog.urls", "import the list"),
        (42, "expected a list of routes"),
        ([view], "expected routes built with path()"),
        ([include([])], "must be mounted with path"),
    ],
)
def test_include_refuses_non_routes(routes: Any, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        include(routes)


def test_include_direct_construction_checks_routes() -> None:
    with pytest.raises(ImproperlyConfigured, match="expected routes"):
        Include((view,))  # type: ignore[arg-type]
