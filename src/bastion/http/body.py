"""The request body as a bounded byte stream, with no knowledge of WSGI or ASGI.

A protocol adapter hands :class:`BodyReader` a ``read(n) -> bytes`` callable and the declared
``Content-Length``; everything above it (form parsing, JSON, uploads) reads through the reader,
so the size limit is enforced in one place, *while* the bytes arrive, and a body is never held
in memory beyond that limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from python_multipart.multipart import parse_options_header

from bastion.exceptions import BastionError
from bastion.http.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "BodyConsumedError",
    "BodyReader",
    "parse_content_length",
    "parse_content_type",
]

DEFAULT_CHUNK_SIZE = 65536
"""Bytes asked of the underlying stream per read when the caller does not say."""

# 19 digits hold every value below 10**19, which covers any real body while keeping int()
# away from the quadratic cost of converting a header of a million digits.
_MAX_CONTENT_LENGTH_DIGITS = 19
_TRUNCATED = "The request body ended before the Content-Length bytes arrived."


class BodyConsumedError(BastionError, RuntimeError):
    """The body was read as a stream, so it can no longer be had as one ``bytes`` object.

    This is a programming error in the view, not something the client did: streaming exists
    so that a large body need not be kept, and Bastion does not keep it behind your back.
    """


def parse_content_length(value: str | None) -> int | None:
    """Parse a ``Content-Length`` header strictly.

    Only ASCII digits are accepted: ``int()`` would also take ``"+5"``, ``" 5"``, ``"5_0"`` or
    non-ASCII digits, and two servers that disagree on a body's length are the root of request
    smuggling. Surrounding spaces and tabs (optional whitespace around any header value) are
    ignored, and an empty value counts as absent, as PEP 3333 allows for ``CONTENT_LENGTH``.

    Args:
        value: The raw header value, or ``None`` when the header is absent.

    Returns:
        The length in bytes, or ``None`` when the header is absent or empty.

    Raises:
        BadRequest: The value is not 1 to 19 ASCII digits.
    """
    if value is None:
        return None
    value = value.strip(" \t")
    if not value:
        return None
    if len(value) > _MAX_CONTENT_LENGTH_DIGITS or not (value.isascii() and value.isdigit()):
        raise BadRequest("The Content-Length header is not a valid non-negative integer.")
    return int(value)


def parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    """Split a ``Content-Type`` header into its media type and parameters.

    Built on python-multipart's parser, so a quoted ``boundary`` or ``charset`` is read the
    same way here and by the multipart parser. RFC 2231 ``name*=`` parameters are ignored.

    Args:
        value: The header value as a ``str`` (decode raw header bytes as latin-1 first).

    Returns:
        The media type lower-cased (``""`` when the header is empty) and a dict of parameters,
        names lower-cased and values as sent, unquoted.

    Raises:
        BadRequest: The value holds characters that no HTTP header can carry (beyond latin-1).
    """
    try:
        media_type, params = parse_options_header(value)
    except UnicodeEncodeError:
        raise BadRequest("The Content-Type header holds characters outside latin-1.") from None
    return media_type.decode("latin-1"), {
        key.decode("latin-1"): val.decode("latin-1") for key, val in params.items()
    }


class BodyReader:
    """Read a request body once, through a size limit enforced as the bytes stream in.

    Construction does no I/O, so a request whose body is never read costs only this object.
    The reader never asks the underlying stream for more than the declared ``Content-Length``
    (bytes past it belong to the next request on the connection) and, when the length is
    unknown, never for more than ``max_size + 1`` bytes in all.

    The body can be read in one of two ways. :meth:`read_all` keeps the bytes, so it can be
    called again and :meth:`read` / :meth:`iter_chunks` replay them afterwards. Reading with
    :meth:`read` / :meth:`iter_chunks` first streams the body through without keeping it; a
    later :meth:`read_all` then raises :class:`BodyConsumedError`.

    Args:
        read: Returns up to ``n`` bytes of the body, and ``b""`` only at its end.
        content_length: The declared length, or ``None`` when unknown (chunked transfer
            coding). A request with neither ``Content-Length`` nor ``Transfer-Encoding`` has
            an empty body (RFC 9112 section 6.3): pass ``0`` for it, not ``None``.
        max_size: The most bytes accepted, or ``None`` for no limit.

    Raises:
        ValueError: ``content_length`` or ``max_size`` is negative.
    """

    __slots__ = (
        "_cache",
        "_eof",
        "_error",
        "_length",
        "_max_size",
        "_position",
        "_read",
        "_received",
        "_streamed",
    )

    def __init__(
        self,
        read: Callable[[int], bytes],
        *,
        content_length: int | None,
        max_size: int | None,
    ) -> None:
        if content_length is not None and content_length < 0:
            raise ValueError(f"content_length must be None or >= 0, not {content_length}.")
        if max_size is not None and max_size < 0:
            raise ValueError(f"max_size must be None or >= 0, not {max_size}.")
        self._read = read
        self._length = content_length
        self._max_size = max_size
        self._received = 0
        self._eof = content_length == 0
        self._error: HTTPException | None = None
        self._cache: bytes | None = None
        self._position = 0
        self._streamed = False

    @property
    def consumed(self) -> bool:
        """Whether nothing more will come from the client.

        True once the body was read to its end (by any method), when it was declared empty,
        or after a limit or truncation error stopped the reading.
        """
        return self._eof

    def read(self, size: int = -1) -> bytes:
        """Return up to ``size`` bytes of the body (all that is left when ``size < 0``).

        Returns ``b""`` only at the end of the body; fewer than ``size`` bytes may come back
        before that, as from a socket.

        Raises:
            RequestEntityTooLarge: The body is over ``max_size``.
            BadRequest: The body ended before its declared ``Content-Length``.
        """
        if self._cache is not None:
            return self._replay(self._cache, size)
        if size < 0:
            data = b"".join(iter(lambda: self._pull(DEFAULT_CHUNK_SIZE), b""))
        elif size == 0:
            return b""
        else:
            data = self._pull(size)
        if data:
            self._streamed = True
        return data

    def iter_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        """Yield the body in chunks of at most ``chunk_size`` bytes, none of them empty.

        Raises:
            ValueError: ``chunk_size`` is not positive (raised at once, not when iterating).
            RequestEntityTooLarge: While iterating, the body goes over ``max_size``.
            BadRequest: While iterating, the body ends before its declared length.
        """
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be positive, not {chunk_size}.")
        return iter(lambda: self.read(chunk_size), b"")

    def read_all(self) -> bytes:
        """Return the whole body, reading it on the first call and keeping it for later ones.

        Raises:
            BodyConsumedError: Part of the body was already streamed out with :meth:`read`
                or :meth:`iter_chunks` and was not kept.
            RequestEntityTooLarge: The body is over ``max_size``.
            BadRequest: The body ended before its declared ``Content-Length``.
        """
        if self._cache is not None:
            return self._cache
        if self._streamed:
            raise BodyConsumedError(
                "The request body was already read as a stream (read() or iter_chunks(), "
                "perhaps by multipart form parsing), so it is no longer available as bytes. "
                "Read the body as bytes before streaming it, or keep the chunks you stream."
            )
        if self._eof and self._error is None:
            self._cache = b""  # Declared empty: no call to the stream at all.
        else:
            self._cache = b"".join(iter(lambda: self._pull(DEFAULT_CHUNK_SIZE), b""))
        return self._cache

    def _replay(self, cache: bytes, size: int) -> bytes:
        """Serve :meth:`read` from the bytes :meth:`read_all` kept."""
        start = self._position
        end = len(cache) if size < 0 else min(start + size, len(cache))
        self._position = end
        return cache[start:end]

    def _pull(self, size: int) -> bytes:
        """Take up to ``size`` bytes from the stream, enforcing the length and the limit."""
        if self._error is not None:
            raise self._error
        if self._eof:
            return b""
        length, max_size = self._length, self._max_size
        if length is not None:
            if max_size is not None and length > max_size:
                self._fail(
                    RequestEntityTooLarge(
                        f"The request body is {length} bytes; the limit is {max_size} bytes."
                    )
                )
            want = min(size, length - self._received)
        elif max_size is not None:
            # One byte past the limit is enough to know the body is too large.
            want = min(size, max_size - self._received + 1)
        else:
            want = size
        chunk = self._read(want)
        if len(chunk) > want:  # A misbehaving stream must not push us past the length.
            chunk = chunk[:want]
        self._received += len(chunk)
        if not chunk:
            if length is not None:
                self._fail(BadRequest(_TRUNCATED))
            self._eof = True
        elif length is not None:
            self._eof = self._received == length
        elif max_size is not None and self._received > max_size:
            self._fail(
                RequestEntityTooLarge(f"The request body is over the limit of {max_size} bytes.")
            )
        return chunk

    def _fail(self, error: HTTPException) -> None:
        """Stop reading for good: every later read raises the same error."""
        self._error = error
        self._eof = True
        raise error
