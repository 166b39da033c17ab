"""Turn route declarations into flat, precompiled leaves; the router's one-time work.

Every pattern is parsed and checked here, when the router is built, so that a mistake stops
the project at start-up with a message naming the pattern, and so that matching a request
does no parsing at all.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bastion.exceptions import ImproperlyConfigured
from bastion.routing.converters import DEFAULT_CONVERTERS, Converter
from bastion.routing.routes import Mount, Route, RouteEntry

__all__ = ["PATH_SAFE", "Leaf", "Param", "compile_routes", "parse", "resolve_converters"]

PATH_SAFE = "/:@!$&'()*+,;="
"""Characters left unquoted in URL paths we build: ``/`` and RFC 3986 ``pchar`` delimiters."""

_PLACEHOLDER = re.compile(r"<([^<>]*)>")


def _check_converter(name: object, converter: object) -> None:
    """Refuse a converter the router could not use, saying how to fix it."""
    where = f"converters[{name!r}]"
    if not isinstance(name, str) or not name.isidentifier():
        raise ImproperlyConfigured(f"{where}: a converter name must be an identifier.")
    if isinstance(converter, type):
        raise ImproperlyConfigured(
            f"{where} is the class {converter.__name__}; pass an instance: {converter.__name__}()."
        )
    if not isinstance(converter, Converter):
        raise ImproperlyConfigured(f"{where} must be a Converter instance, got {converter!r}.")
    regex = getattr(converter, "regex", None)
    if not isinstance(regex, str):
        raise ImproperlyConfigured(f"{where}: {converter!r} must set regex to a str.")
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise ImproperlyConfigured(f"{where}: regex {regex!r} is invalid ({exc}).") from exc
    if compiled.groupindex:
        raise ImproperlyConfigured(
            f"{where}: regex {regex!r} has named groups; use (?:...) groups instead."
        )
    if not set(converter.quote_safe) <= set(PATH_SAFE):
        raise ImproperlyConfigured(
            f"{where}: quote_safe may only hold characters from {PATH_SAFE!r}, since others "
            "('?', '#', '%', ...) would change what the URL means."
        )


def resolve_converters(custom: Mapping[str, Converter] | None) -> dict[str, Converter]:
    """Merge ``custom`` over the built-in converters, checking each custom one.

    Raises:
        ImproperlyConfigured: A name is not an identifier or a converter is unusable.
    """
    if custom is not None and not isinstance(custom, Mapping):
        raise ImproperlyConfigured(
            f"converters must be a mapping of name to Converter, got {custom!r}."
        )
    for name, converter in (custom or {}).items():
        _check_converter(name, converter)
    return {**DEFAULT_CONVERTERS, **(custom or {})}


@dataclass(frozen=True, slots=True)
class Param:
    """A ``<converter:name>`` placeholder, with its converter resolved."""

    name: str
    converter: Converter


Token = str | Param


@dataclass(frozen=True, slots=True, eq=False)
class Leaf:
    """One route with everything the router needs precomputed, in definition order.

    ``regex`` is ``None`` for a static route, whose only path is ``path`` (``url`` once
    quoted). ``conversions`` lists the parameters whose converter changes the matched text
    (str, slug and path do not, so they cost nothing). ``parts`` and ``tail`` are the reverse
    template: each parameter with the quoted literal text before it, then the text after the
    last one. ``bucket`` is the literal first path segment, or ``None`` if a parameter is in
    it.
    """

    route: Route
    view: Callable[..., Any]
    name: str | None
    pattern: str
    path: str | None
    url: str | None
    regex: re.Pattern[str] | None
    conversions: tuple[tuple[str, Callable[[str], Any]], ...]
    kwargs: Mapping[str, Any]
    methods: frozenset[str] | None
    parts: tuple[tuple[str, Param], ...]
    tail: str
    param_names: frozenset[str]
    bucket: str | None


def _fail(pattern: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Invalid URL pattern {pattern!r}: {problem}.")


def _check_literal(pattern: str, start: int, end: int) -> None:
    """Refuse a ``<`` or ``>`` outside a well-formed placeholder."""
    for index in range(start, end):
        if pattern[index] == "<":
            raise _fail(pattern, f"'<' at position {index} is never closed by '>'")
        if pattern[index] == ">":
            raise _fail(pattern, f"'>' at position {index} has no matching '<'")


def _param(pattern: str, body: str, converters: Mapping[str, Converter]) -> Param:
    """Resolve the inside of one ``<...>`` placeholder."""
    kind, colon, name = body.rpartition(":")
    where = f"placeholder <{body}>"
    if colon and not kind:
        raise _fail(pattern, f"{where} has no converter before ':'; write <name> for str")
    kind = kind or "str"
    if ":" in kind:
        raise _fail(pattern, f"{where} has more than one ':'; write <converter:name>")
    if not name:
        raise _fail(pattern, f"{where} has no parameter name")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise _fail(
            pattern,
            f"{where}: {name!r} is not a valid Python argument name, so no view could take it",
        )
    converter = converters.get(kind)
    if converter is None:
        known = ", ".join(sorted(converters))
        raise _fail(
            pattern,
            f"{where} uses the unknown converter {kind!r} (known: {known}); pass custom "
            "converters with Router(routes, converters={...})",
        )
    return Param(name, converter)


def parse(pattern: str, converters: Mapping[str, Converter]) -> list[Token]:
    """Split one pattern into literal text and resolved placeholders.

    Raises:
        ImproperlyConfigured: A placeholder is malformed or names an unknown converter.
    """
    tokens: list[Token] = []
    position = 0
    for found in _PLACEHOLDER.finditer(pattern):
        _check_literal(pattern, position, found.start())
        if found.start() > position:
            tokens.append(pattern[position : found.start()])
        tokens.append(_param(pattern, found.group(1), converters))
        position = found.end()
    _check_literal(pattern, position, len(pattern))
    if position < len(pattern):
        tokens.append(pattern[position:])
    return tokens


def _merge(tokens: Sequence[Token]) -> tuple[Token, ...]:
    """Join adjacent literal pieces (from a prefix and the route below it)."""
    merged: list[Token] = []
    for token in tokens:
        if isinstance(token, str) and merged and isinstance(merged[-1], str):
            merged[-1] += token
        else:
            merged.append(token)
    return tuple(merged)


def _check_params(pattern: str, params: Sequence[Param], kwargs: Mapping[str, Any]) -> None:
    """Refuse duplicate names, ambiguous slash-spanning pairs and kwargs that shadow params."""
    seen: set[str] = set()
    for param in params:
        if param.name in seen:
            raise _fail(pattern, f"the parameter name {param.name!r} is used twice")
        seen.add(param.name)
    spanning = [param.name for param in params if "/" in param.converter.quote_safe]
    if len(spanning) > 1:
        raise _fail(
            pattern,
            f"the parameters {', '.join(spanning)} may all contain '/'; at most one may, since "
            "two are ambiguous and make matching a long path slow",
        )
    clashes = sorted(seen & set(kwargs))
    if clashes:
        raise _fail(pattern, f"kwargs sets {clashes[0]!r}, which is also a URL parameter")


def _regex(pattern: str, tokens: Sequence[Token]) -> re.Pattern[str]:
    source = "".join(
        re.escape(token) if isinstance(token, str) else f"(?P<{token.name}>{token.converter.regex})"
        for token in tokens
    )
    try:
        return re.compile(source)
    except re.error as exc:
        raise _fail(pattern, f"a converter's regex does not compile in it ({exc})") from exc


def _bucket(tokens: Sequence[Token]) -> str | None:
    """Return the first path segment if the pattern spells it out literally, else ``None``."""
    head = tokens[0]
    if isinstance(head, str) and len(tokens) > 1 and "/" in head[1:]:
        return head[1 : head.index("/", 1)]
    return None


def _leaf(
    route: Route,
    pieces: Sequence[tuple[str, list[Token]]],
    qualified: str | None,
    kwargs: Mapping[str, Any],
) -> Leaf:
    pattern = "/" + "".join(text for text, _ in pieces)
    if pattern.startswith("//"):
        raise _fail(
            pattern,
            "it starts with '//', which browsers read as a link to another host; drop the "
            "extra '/'",
        )
    tokens = _merge(["/", *(token for _, parsed in pieces for token in parsed)])
    params = [token for token in tokens if isinstance(token, Param)]
    merged_kwargs = {**kwargs, **route.kwargs}
    _check_params(pattern, params, merged_kwargs)
    parts: list[tuple[str, Param]] = []
    literal = ""
    for token in tokens:
        if isinstance(token, str):
            literal = quote(token, safe=PATH_SAFE)
        else:
            parts.append((literal, token))
            literal = ""
    conversions = tuple(
        (param.name, param.converter.to_python)
        for param in params
        if type(param.converter).to_python is not Converter.to_python
    )
    return Leaf(
        route=route,
        view=route.view,
        name=qualified,
        pattern=pattern,
        path=None if params else pattern,
        url=None if params else quote(pattern, safe=PATH_SAFE),
        regex=_regex(pattern, tokens) if params else None,
        conversions=conversions,
        kwargs=merged_kwargs,
        methods=route.methods,
        parts=tuple(parts),
        tail=literal,
        param_names=frozenset(param.name for param in params),
        bucket=_bucket(tokens),
    )


def compile_routes(
    entries: Sequence[RouteEntry], converters: Mapping[str, Converter]
) -> list[Leaf]:
    """Flatten nested routes into leaves in definition order (first match wins).

    Raises:
        ImproperlyConfigured: A pattern is invalid; the message names it and says why.
    """
    leaves: list[Leaf] = []

    def walk(
        entries: Sequence[RouteEntry],
        pieces: tuple[tuple[str, list[Token]], ...],
        namespaces: tuple[str, ...],
        kwargs: Mapping[str, Any],
    ) -> None:
        for entry in entries:
            here = (*pieces, (entry.pattern, parse(entry.pattern, converters)))
            if isinstance(entry, Mount):
                namespace = entry.include.namespace
                inner = (*namespaces, namespace) if namespace else namespaces
                walk(entry.include.routes, here, inner, {**kwargs, **entry.kwargs})
            else:
                qualified = ":".join((*namespaces, entry.name)) if entry.name else None
                leaves.append(_leaf(entry, here, qualified, kwargs))

    walk(entries, (), (), {})
    return leaves
