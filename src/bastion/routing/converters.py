"""Path converters: how a ``<kind:name>`` placeholder matches text and turns into a value.

A converter has three jobs. Its :attr:`~Converter.regex` says which text the placeholder may
match (always anchored: the router joins it into one pattern checked with ``fullmatch``);
:meth:`~Converter.to_python` turns the matched text into the value the view receives; and
:meth:`~Converter.to_url` turns a value back into text for :meth:`Router.reverse`.

There is no global registry to add converters to (STYLE.md: no hidden globals). Built-ins are
listed in :data:`DEFAULT_CONVERTERS`, a read-only mapping; custom converters are handed to the
router that uses them: ``Router(routes, converters={"year": YearConverter()})``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = [
    "DEFAULT_CONVERTERS",
    "Converter",
    "IntConverter",
    "PathConverter",
    "SlugConverter",
    "StrConverter",
    "UUIDConverter",
]


def _as_text(value: Any) -> str:
    """Return ``value`` as URL text if it is a string or a plain (non-bool) integer.

    Refusing other types catches the classic bug of a link to ``/users/None/``.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string or an integer, got {type(value).__name__}")


class Converter:
    """Base class of path converters; subclass it to add your own.

    A subclass sets :attr:`regex` and usually overrides :meth:`to_python` and :meth:`to_url`.
    Instances are shared by every request, so they must not keep per-request state.

    Example::

        class YearConverter(Converter):
            regex = "[0-9]{4}"

            def to_python(self, value: str) -> int:
                return int(value)

    Attributes:
        regex: The text a placeholder may match, as a regular expression without anchors or
            named groups. It should not match ``/`` unless the converter means to span segments.
        quote_safe: Characters :meth:`Router.reverse` leaves unquoted in this converter's
            values. Empty by default, so a ``/`` in a value becomes ``%2F``; only converters
            meant to span segments (like ``path``) set it to ``"/"``.
    """

    regex: str
    quote_safe: str = ""

    def to_python(self, value: str) -> Any:
        """Turn the matched text into the value passed to the view.

        Args:
            value: The text the placeholder matched (already percent-decoded).

        Returns:
            The value for the view; this base implementation returns the text unchanged.

        Raises:
            ValueError: The text is not acceptable after all; the router then treats the route
                as not matching and keeps looking.
        """
        return value

    def to_url(self, value: Any) -> str:
        """Turn a value into URL text for :meth:`Router.reverse` (before percent-quoting).

        The base implementation accepts a string or an integer whose text matches
        :attr:`regex`, so a reversed URL always routes back to the same route.

        Args:
            value: The value given to ``reverse()``.

        Returns:
            The unquoted text to put in the URL.

        Raises:
            ValueError: The value cannot be put in this placeholder; ``reverse()`` then raises
                :class:`~bastion.routing.NoReverseMatch`.
        """
        text = _as_text(value)
        if re.fullmatch(self.regex, text) is None:
            raise ValueError(f"{text!r} does not match {self.regex!r}")
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class StrConverter(Converter):
    """``<name>`` or ``<str:name>``: any non-empty text within one path segment.

    ``to_url`` accepts a string or an integer. A ``/`` in a value is quoted as ``%2F`` by
    ``reverse()``, which keeps the link on this site but does not route back here, because
    servers decode ``%2F`` before routing.
    """

    regex = "[^/]+"

    def to_url(self, value: Any) -> str:
        """Return ``value`` as non-empty text; see :meth:`Converter.to_url`."""
        text = _as_text(value)
        if not text:
            raise ValueError("expected a non-empty string")
        return text


class IntConverter(Converter):
    """``<int:name>``: a run of ASCII digits, passed to the view as a non-negative ``int``."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        """Return the digits as an ``int`` (``ValueError``, hence no match, if absurdly long)."""
        return int(value)

    def to_url(self, value: Any) -> str:
        """Return a non-negative ``int`` as digits; refuse ``bool``, strings and negatives."""
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"expected an int, got {type(value).__name__}")
        if value < 0:
            raise ValueError(f"expected a non-negative int, got {value}")
        return str(value)


class SlugConverter(Converter):
    """``<slug:name>``: ASCII letters, digits, hyphens and underscores, as text."""

    regex = "[-a-zA-Z0-9_]+"
    _compiled = re.compile(regex)

    def to_url(self, value: Any) -> str:
        """Return ``value`` as text if it is a valid slug; refuse anything else."""
        text = _as_text(value)
        if self._compiled.fullmatch(text) is None:
            raise ValueError(f"{text!r} is not a slug (letters, digits, '-' and '_')")
        return text


class UUIDConverter(Converter):
    """``<uuid:name>``: a canonical lowercase hyphenated UUID, passed as :class:`uuid.UUID`.

    Only the canonical spelling matches, so each resource has exactly one URL.
    """

    regex = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    _compiled = re.compile(regex)

    def to_python(self, value: str) -> uuid.UUID:
        """Return the matched text as a :class:`uuid.UUID`."""
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        """Return a :class:`uuid.UUID` (or its canonical lowercase text) as canonical text."""
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, str) and self._compiled.fullmatch(value) is not None:
            return value
        raise ValueError("expected a uuid.UUID or its canonical lowercase text")


class PathConverter(Converter):
    """``<path:name>``: the rest of the path, ``/`` included, as text.

    Security: the value is URL text, not a safe file name. ``..`` segments match like any
    other text, so a view must never join the value to a directory without validating it
    (resolve the result and check it stays inside the directory). ``to_url`` refuses ``.``
    and ``..`` segments, since browsers would collapse them and the link would lead elsewhere.
    """

    regex = ".+"
    quote_safe = "/"
    _compiled = re.compile(regex)

    def to_url(self, value: Any) -> str:
        """Return ``value`` as text if it is non-empty, without newlines or dot segments."""
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {type(value).__name__}")
        if self._compiled.fullmatch(value) is None:
            raise ValueError("expected non-empty text without newlines")
        if any(segment in {".", ".."} for segment in value.split("/")):
            raise ValueError(f"{value!r} contains a '.' or '..' segment")
        return value


DEFAULT_CONVERTERS: Mapping[str, Converter] = MappingProxyType(
    {
        "str": StrConverter(),
        "int": IntConverter(),
        "slug": SlugConverter(),
        "uuid": UUIDConverter(),
        "path": PathConverter(),
    }
)
"""The built-in converters by name, read-only; ``Router(converters=...)`` is merged over it."""
