"""Header containers: a read-only case-insensitive view for requests, a checked one for responses.

Response headers refuse CR, LF and NUL in names and values: a header value built from user
input can then never split the response or smuggle a second header (CWE-113).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from bastion.exceptions import BadHeaderError

__all__ = ["Headers", "RequestHeaders", "check_header"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN_IN_VALUE = re.compile(r"[\r\n\x00]")


def check_header(name: str, value: str) -> None:
    """Raise :class:`BadHeaderError` unless ``name: value`` is safe to send.

    Raises:
        BadHeaderError: the name is not an RFC 9110 token, or the value holds CR, LF or NUL,
            or a character that cannot be sent as ISO-8859-1.
    """
    if not _TOKEN.fullmatch(name):
        raise BadHeaderError(f"Invalid header name {name!r}: use letters, digits and '-'.")
    if _FORBIDDEN_IN_VALUE.search(value):
        raise BadHeaderError(
            f"Header {name!r} has a CR, LF or NUL in its value; refusing to send it "
            "(it would let the value inject headers)."
        )
    if not value.isascii():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise BadHeaderError(
                f"Header {name!r} has characters outside ISO-8859-1; encode the value "
                "(for example with RFC 8187 for filenames)."
            ) from None


class RequestHeaders(Mapping[str, str]):
    """The headers a client sent, looked up without regard to case.

    Repeated headers are joined with ``", "`` as RFC 9110 allows (``Cookie`` with ``"; "``).
    """

    __slots__ = ("_data",)

    def __init__(self, items: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        data: dict[str, str] = {}
        pairs = items.items() if isinstance(items, Mapping) else items
        for name, value in pairs:
            key = name.lower()
            if key in data:
                data[key] = f"{data[key]}{'; ' if key == 'cookie' else ', '}{value}"
            else:
                data[key] = value
        self._data = data

    def __getitem__(self, name: str) -> str:
        return self._data[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"RequestHeaders({sorted(self._data)!r})"


class Headers:
    """Response headers: ordered, case-insensitive, checked on every write.

    ``headers[name] = value`` replaces every header of that name; :meth:`add` appends another
    (for headers that may repeat, such as ``Link`` or ``Vary``). ``Set-Cookie`` is not kept
    here: use :meth:`bastion.Response.set_cookie`, which checks cookie attributes too.
    """

    __slots__ = ("_items", "_names")

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] | None = None) -> None:
        self._items: list[tuple[str, str]] = []
        self._names: set[str] = set()  # lower-case names present: a miss costs one set lookup
        if items:
            pairs = items.items() if isinstance(items, Mapping) else items
            for name, value in pairs:
                self.add(name, value)

    @classmethod
    def _trusted(cls, name: str, value: str) -> Headers:
        """Build with one header that the framework itself made (skips re-checking)."""
        headers = cls.__new__(cls)
        headers._items = [(name, value)]
        headers._names = {name.lower()}
        return headers

    def __getitem__(self, name: str) -> str:
        key = name.lower()
        if key not in self._names:
            raise KeyError(name)
        for item_name, value in self._items:
            if item_name.lower() == key:
                return value
        raise KeyError(name)

    def get(self, name: str, default: str | None = None) -> str | None:
        """Return the first value of ``name``, or ``default``."""
        key = name.lower()
        if key not in self._names:
            return default
        for item_name, value in self._items:
            if item_name.lower() == key:
                return value
        return default

    def getlist(self, name: str) -> list[str]:
        """Return every value of ``name`` in order."""
        key = name.lower()
        return [value for item_name, value in self._items if item_name.lower() == key]

    def __setitem__(self, name: str, value: str) -> None:
        check_header(name, value)
        key = name.lower()
        if key in self._names:
            self._items = [item for item in self._items if item[0].lower() != key]
        else:
            self._names.add(key)
        self._items.append((name, value))

    def setdefault(self, name: str, value: str) -> str:
        """Set ``name`` unless already present; return the value now in place."""
        current = self.get(name)
        if current is not None:
            return current
        self[name] = value
        return value

    def add(self, name: str, value: str) -> None:
        """Append a header, keeping any others of the same name."""
        check_header(name, value)
        self._items.append((name, value))
        self._names.add(name.lower())

    def __delitem__(self, name: str) -> None:
        key = name.lower()
        if key not in self._names:
            raise KeyError(name)
        self._items = [item for item in self._items if item[0].lower() != key]
        self._names.discard(key)

    def pop(self, name: str, default: str | None = None) -> str | None:
        """Remove every ``name`` header and return the first value, or ``default``."""
        value = self.get(name)
        if value is None:
            return default
        del self[name]
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._names

    def extend_trusted(
        self, pairs: tuple[tuple[str, str], ...], lower_names: frozenset[str]
    ) -> None:
        """Append headers that were checked when they were built (at start-up).

        For the framework's own layers, which add the same precomputed headers to every
        response: checking them again each time would cost more than the rest of the layer.

        Args:
            pairs: the headers, each already passed through :func:`check_header`.
            lower_names: their names, lower-cased.
        """
        self._items += pairs
        self._names |= lower_names

    def discard(
        self, lower_names: frozenset[str], exact: frozenset[tuple[str, str]] = frozenset()
    ) -> None:
        """Remove every header whose name is in ``lower_names``, and every pair in ``exact``."""
        self._items = [
            item for item in self._items if item[0].lower() not in lower_names and item not in exact
        ]
        self._names = {name.lower() for name, _ in self._items}

    def has_any(self, lower_names: frozenset[str]) -> bool:
        """Whether any of ``lower_names`` (lower-case) is present: one set operation."""
        return not lower_names.isdisjoint(self._names)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, str]]:
        """Return the ``(name, value)`` pairs in order (a copy)."""
        return list(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"
