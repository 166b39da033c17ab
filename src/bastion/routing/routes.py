"""Route declarations: what :func:`path` and :func:`include` build for a :class:`Router`.

These objects are plain, immutable descriptions; nothing is compiled here. The router turns
them into matchers once, when it is created, and reports bad patterns then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeAlias, overload

from bastion.exceptions import ImproperlyConfigured

__all__ = ["Include", "Mount", "Route", "RouteEntry", "include", "path"]

# RFC 9110 section 5.6.2: a method is a "token".
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_IDENTIFIER_HINT = "letters, digits and underscores, not starting with a digit"


def _frozen(kwargs: Mapping[str, Any] | None, owner: str) -> Mapping[str, Any]:
    """Copy ``kwargs`` into a read-only mapping, refusing keys a view could not receive."""
    if kwargs is None:
        return MappingProxyType({})
    if not isinstance(kwargs, Mapping):
        raise ImproperlyConfigured(f"{owner}: kwargs must be a mapping, got {kwargs!r}.")
    for key in kwargs:
        if not isinstance(key, str) or not key.isidentifier():
            raise ImproperlyConfigured(
                f"{owner}: kwargs key {key!r} is not a valid argument name ({_IDENTIFIER_HINT})."
            )
    return MappingProxyType(dict(kwargs))


def _strip_pattern(pattern: object, owner: str) -> str:
    """Check ``pattern`` is a string and drop one optional leading ``/``."""
    if not isinstance(pattern, str):
        raise ImproperlyConfigured(f"{owner}: the pattern must be a str, got {pattern!r}.")
    return pattern.removeprefix("/")


def _check_label(value: object, what: str, owner: str) -> None:
    """Refuse an empty route name or namespace, or one containing the ``:`` separator."""
    if not isinstance(value, str) or not value or ":" in value:
        raise ImproperlyConfigured(
            f"{owner}: {what} must be a non-empty str without ':' (':' separates namespaces), "
            f"got {value!r}."
        )


def as_entries(routes: object, owner: str) -> tuple[RouteEntry, ...]:
    """Return ``routes`` as a tuple of routes and mounts, refusing anything else.

    Shared by :class:`Include` and :class:`~bastion.routing.Router` (not exported). A string
    is refused with a hint, since Bastion wires objects, never dotted paths.
    """
    if isinstance(routes, str | bytes) or not isinstance(routes, Iterable):
        raise ImproperlyConfigured(
            f"{owner}: expected a list of routes built with path(), got {routes!r}; import the "
            "list and pass it."
        )
    entries = tuple(routes)
    for entry in entries:
        if isinstance(entry, Include):
            raise ImproperlyConfigured(
                f"{owner}: an include() must be mounted with path(prefix, include(...))."
            )
        if not isinstance(entry, Route | Mount):
            raise ImproperlyConfigured(
                f"{owner}: expected routes built with path(), got {entry!r}."
            )
    return entries


def _normalise_methods(methods: Iterable[str] | None, owner: str) -> frozenset[str] | None:
    """Upper-case ``methods`` and add HEAD wherever GET is allowed; ``None`` stays "any"."""
    if methods is None:
        return None
    if isinstance(methods, str):
        raise ImproperlyConfigured(
            f"{owner}: methods must be a list of names such as ['GET'], not the string {methods!r}."
        )
    normalised: set[str] = set()
    for method in methods:
        if not isinstance(method, str) or _TOKEN.fullmatch(method) is None:
            raise ImproperlyConfigured(f"{owner}: {method!r} is not an HTTP method name.")
        normalised.add(method.upper())
    if not normalised:
        raise ImproperlyConfigured(
            f"{owner}: methods is empty, so the route could never match; pass None to allow "
            "any method."
        )
    # A HEAD response is a GET response without its body: every GET view answers it.
    if "GET" in normalised:
        normalised.add("HEAD")
    return frozenset(normalised)


@dataclass(frozen=True, slots=True)
class Route:
    """One URL pattern and the view that answers it; build it with :func:`path`.

    Attributes:
        pattern: The pattern relative to its include, without a leading ``/``.
        view: The callable the router hands back on a match.
        name: The name used by :meth:`Router.reverse`, unqualified, or ``None``.
        methods: The upper-case methods answered (HEAD added when GET is), or ``None`` for any.
        kwargs: Extra keyword arguments for the view, read-only.
    """

    pattern: str
    view: Callable[..., Any]
    name: str | None = None
    methods: frozenset[str] | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        owner = f"path({self.pattern!r})"
        pattern = _strip_pattern(self.pattern, owner)
        if isinstance(self.view, str):
            raise ImproperlyConfigured(
                f"{owner}: the view {self.view!r} is a string; import the view and pass the "
                "callable itself."
            )
        if not callable(self.view):
            raise ImproperlyConfigured(
                f"{owner}: the view must be callable or an include(), got {self.view!r}."
            )
        if self.name is not None:
            _check_label(self.name, "name", owner)
        # Frozen dataclass: normalising in place needs object.__setattr__.
        object.__setattr__(self, "pattern", pattern)
        object.__setattr__(self, "methods", _normalise_methods(self.methods, owner))
        object.__setattr__(self, "kwargs", _frozen(self.kwargs, owner))

    def allows(self, method: str) -> bool:
        """Return whether this route answers ``method`` (case-sensitive, as in HTTP)."""
        return self.methods is None or method in self.methods


@dataclass(frozen=True, slots=True)
class Include:
    """A group of routes mounted together, optionally under a namespace; see :func:`include`.

    Attributes:
        routes: The entries, in matching order.
        namespace: The prefix of their names (``"blog"`` gives ``"blog:detail"``), or ``None``
            to share the enclosing namespace.
    """

    routes: tuple[RouteEntry, ...]
    namespace: str | None = None

    def __post_init__(self) -> None:
        owner = f"include(namespace={self.namespace!r})"
        if self.namespace is not None:
            _check_label(self.namespace, "namespace", owner)
        object.__setattr__(self, "routes", as_entries(self.routes, owner))


@dataclass(frozen=True, slots=True)
class Mount:
    """An :class:`Include` mounted under a pattern prefix; built by ``path(prefix, include())``.

    Attributes:
        pattern: The prefix, without a leading ``/``; it may contain placeholders, whose
            values reach every view inside.
        include: The mounted group.
        kwargs: Extra keyword arguments for every view inside; a route's own win on a clash.
    """

    pattern: str
    include: Include
    kwargs: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        owner = f"path({self.pattern!r}, include(...))"
        object.__setattr__(self, "pattern", _strip_pattern(self.pattern, owner))
        if not isinstance(self.include, Include):
            raise ImproperlyConfigured(f"{owner}: expected an include(), got {self.include!r}.")
        object.__setattr__(self, "kwargs", _frozen(self.kwargs, owner))


RouteEntry: TypeAlias = Route | Mount
"""What a list of routes holds: leaf routes and mounted includes."""


@overload
def path(pattern: str, view: Include, *, kwargs: Mapping[str, Any] | None = None) -> Mount: ...


@overload
def path(
    pattern: str,
    view: Callable[..., Any],
    *,
    name: str | None = None,
    methods: Iterable[str] | None = None,
    kwargs: Mapping[str, Any] | None = None,
) -> Route: ...


def path(
    pattern: str,
    view: Callable[..., Any] | Include,
    *,
    name: str | None = None,
    methods: Iterable[str] | None = None,
    kwargs: Mapping[str, Any] | None = None,
) -> Route | Mount:
    """Declare that URLs matching ``pattern`` are answered by ``view``.

    Patterns are literal text with typed placeholders, ``"articles/<int:year>/<slug:slug>/"``;
    ``<name>`` alone means ``<str:name>``. A leading ``/`` is optional. Patterns are checked
    when the :class:`Router` is built.

    Args:
        pattern: The URL pattern, relative to any enclosing include.
        view: The view callable, or an :func:`include` to mount under ``pattern``.
        name: A name for :meth:`Router.reverse`, unique within its namespace.
        methods: The HTTP methods answered (upper-cased; GET brings HEAD). ``None`` means any.
        kwargs: Extra keyword arguments passed to the view on every match.

    Returns:
        A :class:`Route`, or a :class:`Mount` when ``view`` is an include.

    Raises:
        ImproperlyConfigured: An argument has the wrong type or value; the message says which.
    """
    if isinstance(view, Include):
        if name is not None or methods is not None:
            raise ImproperlyConfigured(
                f"path({pattern!r}, include(...)) takes no name= or methods=; name the routes "
                "inside, and give include() a namespace to prefix their names."
            )
        return Mount(pattern, view, kwargs=_frozen(kwargs, f"path({pattern!r}, include(...))"))
    owner = f"path({pattern!r})"
    methods_set = _normalise_methods(methods, owner)
    return Route(pattern, view, name=name, methods=methods_set, kwargs=_frozen(kwargs, owner))


def include(routes: Sequence[RouteEntry], *, namespace: str | None = None) -> Include:
    """Group ``routes`` so that ``path(prefix, include(routes))`` mounts them under a prefix.

    Includes nest. Route names inside are qualified by the namespaces around them:
    ``"blog:detail"``, or ``"shop:admin:edit"`` for nested namespaces.

    Args:
        routes: Routes and mounts built with :func:`path`, in matching order.
        namespace: The prefix for the names inside; ``None`` keeps the enclosing namespace.

    Returns:
        An :class:`Include` to pass to :func:`path`.

    Raises:
        ImproperlyConfigured: ``routes`` holds something other than routes, or ``namespace``
            is empty or contains ``:``.
    """
    return Include(as_entries(routes, f"include(namespace={namespace!r})"), namespace)
