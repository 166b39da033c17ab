"""The router: maps a request's method and path to a view, and a route name back to a path.

All patterns are compiled when the :class:`Router` is created. Matching then costs one dict
lookup for a path without parameters, and a few anchored regex matches otherwise: routes
are bucketed by their first path segment when the pattern spells it out.
"""

from __future__ import annotations

import difflib
import re
import reprlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bastion.exceptions import BastionError, ImproperlyConfigured
from bastion.http.exceptions import MethodNotAllowed, NotFound
from bastion.routing._compiler import PATH_SAFE, Leaf, compile_routes, resolve_converters
from bastion.routing.converters import Converter
from bastion.routing.routes import Route, RouteEntry, as_entries

__all__ = ["Match", "NoReverseMatch", "RouteInfo", "RouteNotFound", "Router"]

_MAX_PATH_IN_DETAIL = 200
# RFC 3986 "unreserved": text made only of these is left unchanged by quote().
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")


class NoReverseMatch(BastionError, LookupError):  # named as in Django
    """:meth:`Router.reverse` cannot build a URL: unknown name, or wrong or invalid params."""


class RouteNotFound(NotFound):
    """404 raised by :meth:`Router.match`, listing the patterns tried for a DEBUG page.

    Attributes:
        tried: Every route's full pattern, in matching order. It describes the project's
            internals, so only a development error page should show it; ``detail`` does not.
    """

    def __init__(self, detail: str, tried: list[str]) -> None:
        super().__init__(detail)
        self.tried = tried


class Match:
    """The result of :meth:`Router.match`.

    A slotted class rather than a frozen dataclass because it is built on every request
    (a frozen dataclass costs about 1 µs to create; this, about 0.15 µs). Treat it as
    read-only.

    Attributes:
        route: The matched :class:`Route`, or ``None`` for a redirect.
        view: The view to call, or ``None`` for a redirect.
        params: The converted URL parameters merged with the route's extra kwargs; a new
            dict per request, so a view may change it.
        name: The route's qualified name (``"blog:detail"``), or ``None``.
        redirect: ``None``, or the percent-encoded path to redirect to with 308 (the caller
            appends the query string). Set only by the trailing slash policy.
    """

    __slots__ = ("name", "params", "redirect", "route", "view")

    def __init__(
        self,
        route: Route | None,
        view: Callable[..., Any] | None,
        params: dict[str, Any],
        name: str | None,
        redirect: str | None = None,
    ) -> None:
        self.route = route
        self.view = view
        self.params = params
        self.name = name
        self.redirect = redirect

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return (self.route, self.view, self.params, self.name, self.redirect) == (
            other.route,
            other.view,
            other.params,
            other.name,
            other.redirect,
        )

    __hash__ = None  # type: ignore[assignment]  # params is a mutable dict

    def __repr__(self) -> str:
        if self.redirect is not None:
            return f"Match(redirect={self.redirect!r})"
        return f"Match(name={self.name!r}, view={self.view!r}, params={self.params!r})"


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One route as listed by :meth:`Router.routes` (for ``bastion routes``).

    Attributes:
        pattern: The full pattern, starting with ``/``.
        name: The qualified name, or ``None``.
        methods: The methods answered, or ``None`` for any.
        view: The view.
        route: The declaration it came from.
    """

    pattern: str
    name: str | None
    methods: frozenset[str] | None
    view: Callable[..., Any]
    route: Route


def _convert(params: dict[str, Any], conversions: tuple[tuple[str, Any], ...]) -> bool:
    """Convert matched text in place; ``False`` if a converter refused it (no match)."""
    try:
        for name, to_python in conversions:
            params[name] = to_python(params[name])
    except ValueError:
        return False
    return True


class Router:
    """Routes requests to views, and names back to URLs.

    Example::

        router = Router([path("", home, name="home"), path("blog/", include(blog_routes))])

    Args:
        routes: Routes and mounts built with :func:`path`, in matching order: the first
            route that matches both path and method wins.
        converters: Custom converters by name, merged over the built-in ones (str, int,
            slug, uuid, path); a custom one may replace a built-in.
        append_slash: Whether a path that matches nothing, but would match with a trailing
            ``/``, gets a :attr:`Match.redirect` to that path instead of a 404.

    Raises:
        ImproperlyConfigured: A pattern is invalid, a converter unknown or unusable, or two
            routes share a name within a namespace; the message names the culprit.
    """

    __slots__ = ("_append_slash", "_buckets", "_by_name", "_leaves", "_static", "_wildcard")

    def __init__(
        self,
        routes: Sequence[RouteEntry],
        *,
        converters: Mapping[str, Converter] | None = None,
        append_slash: bool = True,
    ) -> None:
        leaves = compile_routes(as_entries(routes, "Router"), resolve_converters(converters))
        self._leaves = tuple(leaves)
        self._append_slash = append_slash
        self._by_name = _index_names(leaves)
        dynamic = [leaf for leaf in leaves if leaf.regex is not None]
        self._static = _static_table(leaves)
        self._wildcard = tuple(leaf for leaf in dynamic if leaf.bucket is None)
        self._buckets = {
            bucket: tuple(leaf for leaf in dynamic if leaf.bucket in {bucket, None})
            for bucket in {leaf.bucket for leaf in dynamic if leaf.bucket is not None}
        }

    def _candidates(self, path: str) -> tuple[Leaf, ...]:
        leaves = self._static.get(path)
        if leaves is None:
            end = path.find("/", 1)
            leaves = self._buckets.get(path[1:end] if end > 0 else path[1:], self._wildcard)
        return leaves

    def match(self, method: str, path: str) -> Match:
        """Find the view for a request.

        Args:
            method: The request method, upper-case (methods are case-sensitive in HTTP).
            path: The percent-decoded path, starting with ``/``.

        Returns:
            The first route, in definition order, matching both path and method; or, under
            the trailing slash policy, a :class:`Match` whose ``redirect`` is set.

        Raises:
            RouteNotFound: No route matches the path (a :class:`NotFound`, 404).
            MethodNotAllowed: Routes match the path but none answers ``method`` (405); its
                ``Allow`` header lists the methods they answer.
        """
        # The hot path: everything inline (a call costs ~0.1 µs), allocating only params and
        # the Match.
        leaves = self._static.get(path)
        if leaves is None:
            end = path.find("/", 1)
            leaves = self._buckets.get(path[1:end] if end > 0 else path[1:], self._wildcard)
        allowed: set[str] | None = None
        for leaf in leaves:
            regex = leaf.regex
            if regex is None:
                params: dict[str, Any] = {}
            else:
                found = regex.fullmatch(path)
                if found is None:
                    continue
                params = found.groupdict()
                if leaf.conversions:
                    try:
                        for name, to_python in leaf.conversions:
                            params[name] = to_python(params[name])
                    except ValueError:
                        continue  # The converter refused the text: this route does not match.
            methods = leaf.methods
            if methods is not None and method not in methods:
                allowed = set(methods) if allowed is None else allowed | methods
                continue
            if leaf.kwargs:
                params.update(leaf.kwargs)
            return Match(leaf.route, leaf.view, params, leaf.name)
        if allowed is not None:
            raise MethodNotAllowed(allowed)
        return self._no_match(path)

    def _matches_any_method(self, path: str) -> bool:
        for leaf in self._candidates(path):
            if leaf.regex is None:
                return True
            found = leaf.regex.fullmatch(path)
            if found is not None and _convert(found.groupdict(), leaf.conversions):
                return True
        return False

    def _no_match(self, path: str) -> Match:
        if self._append_slash and not path.endswith("/") and self._matches_any_method(path + "/"):
            target = _redirect_target(path + "/")
            if target is not None:
                return Match(None, None, {}, None, target)
        shown = path if len(path) <= _MAX_PATH_IN_DETAIL else path[:_MAX_PATH_IN_DETAIL] + "…"
        raise RouteNotFound(
            f"No page matches the path {shown!r}.", [leaf.pattern for leaf in self._leaves]
        )

    def reverse(self, name: str, /, **params: Any) -> str:
        """Build the path of the route called ``name`` (qualified: ``"blog:detail"``).

        Each value goes through its converter's ``to_url`` and is percent-quoted; only
        slash-spanning converters (``path``) keep ``/`` unquoted.

        Args:
            name: The route's qualified name.
            **params: One value per URL parameter of the route, no more, no fewer.

        Returns:
            The path, starting with ``/`` and percent-encoded, without query string.

        Raises:
            NoReverseMatch: The name is unknown, a parameter is missing or unexpected, a value
                is refused by its converter, or the path would start with ``//`` (which a
                browser reads as a link to another host).
        """
        leaf = self._by_name.get(name)
        if leaf is None:
            raise NoReverseMatch(self._unknown_name(name))
        if leaf.url is not None and not params:
            return leaf.url
        if len(params) != len(leaf.param_names):
            raise NoReverseMatch(_wrong_params(leaf, set(params)))
        url = ""
        for literal, param in leaf.parts:
            try:
                value = params[param.name]
            except KeyError:
                raise NoReverseMatch(_wrong_params(leaf, set(params))) from None
            try:
                text = param.converter.to_url(value)
            except ValueError as exc:
                raise NoReverseMatch(
                    f"reverse({name!r}): {param.name}={reprlib.repr(value)} does not fit "
                    f"{leaf.pattern!r}: {exc}."
                ) from exc
            if _UNRESERVED.fullmatch(text) is None:  # quote() is slow; skip it when it is a no-op
                try:
                    text = quote(text, safe=param.converter.quote_safe)
                except UnicodeEncodeError as exc:  # a lone surrogate cannot be UTF-8 encoded
                    raise NoReverseMatch(
                        f"reverse({name!r}): {param.name} is not valid Unicode text ({exc})."
                    ) from exc
            url += literal + text
        url += leaf.tail
        if url.startswith("//"):
            raise NoReverseMatch(
                f"reverse({name!r}) would give {reprlib.repr(url)}, which starts with '//' and "
                "so leads a browser to another host; refusing."
            )
        return url

    def _unknown_name(self, name: str) -> str:
        close = difflib.get_close_matches(name, self._by_name, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        return (
            f"No route is named {name!r}.{hint} Names are given with path(..., name=...) and "
            "qualified by include namespaces, as in 'blog:detail'."
        )

    def routes(self) -> Iterator[RouteInfo]:
        """Yield every route in matching order, for listings such as ``bastion routes``."""
        for leaf in self._leaves:
            yield RouteInfo(leaf.pattern, leaf.name, leaf.methods, leaf.view, leaf.route)

    def __repr__(self) -> str:
        return f"<Router with {len(self._leaves)} routes>"


def _redirect_target(path: str) -> str | None:
    """Percent-encode ``path`` for a Location header, or ``None`` if it must not be one."""
    try:
        # Quoting also neutralises CR/LF (header splitting) and tabs (which browsers strip).
        target = quote(path, safe=PATH_SAFE)
    except UnicodeEncodeError:  # a lone surrogate from a lenient decoder
        return None
    # Security: "//host/" in a Location header sends the browser to another site.
    return None if target.startswith("//") else target


def _wrong_params(leaf: Leaf, given: set[str]) -> str:
    expected = ", ".join(sorted(leaf.param_names)) or "no parameters"
    problems = []
    if missing := leaf.param_names - given:
        problems.append(f"missing {', '.join(sorted(missing))}")
    if extra := given - leaf.param_names:
        problems.append(f"unexpected {', '.join(sorted(extra))}")
    return (
        f"reverse({leaf.name!r}): {'; '.join(problems)}. The pattern {leaf.pattern!r} "
        f"takes {expected}."
    )


def _index_names(leaves: Sequence[Leaf]) -> dict[str, Leaf]:
    by_name: dict[str, Leaf] = {}
    for leaf in leaves:
        if leaf.name is None:
            continue
        if leaf.name in by_name:
            raise _duplicate(leaf.name, by_name[leaf.name], leaf)
        by_name[leaf.name] = leaf
    return by_name


def _duplicate(name: str, first: Leaf, second: Leaf) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"Two routes are named {name!r} ({first.pattern!r} and {second.pattern!r}); names must "
        "be unique within a namespace, so rename one or mount it under another namespace."
    )


def _static_table(leaves: Sequence[Leaf]) -> dict[str, tuple[Leaf, ...]]:
    """Map each parameterless path to every route that could match it, in order.

    Dynamic routes defined before (or after) a static one may match its path too; listing
    them here keeps "first match wins" while the common case stays one dict lookup.
    """
    table: dict[str, tuple[Leaf, ...]] = {}
    for leaf in leaves:
        if leaf.path is None or leaf.path in table:
            continue
        path = leaf.path
        table[path] = tuple(
            other
            for other in leaves
            if other.path == path
            or (other.regex is not None and other.regex.fullmatch(path) is not None)
        )
    return table
