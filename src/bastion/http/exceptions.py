"""HTTP errors as exceptions: raise one anywhere below the handler to answer with its status.

Each class carries a status, a short title and a ``detail`` that says in plain words what was
wrong with the request; :mod:`bastion.handlers.errors` renders them (HTML or JSON, by the
client's ``Accept``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bastion.exceptions import BastionError

__all__ = [
    "BadRequest",
    "Forbidden",
    "HTTPException",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "PreconditionFailed",
    "RangeNotSatisfiable",
    "RequestEntityTooLarge",
    "TooManyRequests",
    "URITooLong",
    "UnsupportedMediaType",
]


class HTTPException(BastionError):
    """An error the client should see, with a status code and a readable message."""

    status_code: int = 500
    title: str = "Internal Server Error"
    default_detail: str = "The server could not complete the request."

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.detail = detail if detail is not None else self.default_detail
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(self.detail)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status_code}, {self.detail!r})"


class BadRequest(HTTPException):
    """400: the request is malformed (bad encoding, bad JSON, bad header...)."""

    status_code = 400
    title = "Bad Request"
    default_detail = "The request could not be understood."


class Forbidden(HTTPException):
    """403: the request is understood but refused."""

    status_code = 403
    title = "Forbidden"
    default_detail = "You do not have permission to access this resource."


class NotFound(HTTPException):
    """404: nothing is served at this path."""

    status_code = 404
    title = "Not Found"
    default_detail = "The requested URL was not found on this server."


class MethodNotAllowed(HTTPException):
    """405: the path exists but does not answer this method; ``Allow`` lists those it does."""

    status_code = 405
    title = "Method Not Allowed"

    def __init__(self, allowed: Iterable[str], detail: str | None = None) -> None:
        self.allowed = sorted(set(allowed))
        allow = ", ".join(self.allowed)
        super().__init__(
            detail or f"This URL does not answer this method. Allowed: {allow}.",
            headers={"Allow": allow},
        )


class NotAcceptable(HTTPException):
    """406: no representation matches the client's ``Accept``."""

    status_code = 406
    title = "Not Acceptable"
    default_detail = "No representation of this resource matches the Accept header."


class PreconditionFailed(HTTPException):
    """412: an ``If-Match`` or ``If-Unmodified-Since`` precondition did not hold."""

    status_code = 412
    title = "Precondition Failed"
    default_detail = "The resource changed since the version the request was based on."


class RequestEntityTooLarge(HTTPException):
    """413: the body (or one part of it) is over a configured limit."""

    status_code = 413
    title = "Content Too Large"
    default_detail = "The request body is larger than this server accepts."


class URITooLong(HTTPException):
    """414: the path or query string is longer than the server accepts."""

    status_code = 414
    title = "URI Too Long"
    default_detail = "The requested URL is too long."


class UnsupportedMediaType(HTTPException):
    """415: the body's ``Content-Type`` is not one this endpoint reads."""

    status_code = 415
    title = "Unsupported Media Type"
    default_detail = "The request body's Content-Type is not supported here."


class RangeNotSatisfiable(HTTPException):
    """416: the ``Range`` asked for lies outside the resource."""

    status_code = 416
    title = "Range Not Satisfiable"
    default_detail = "The requested range lies outside the resource."

    def __init__(self, length: int, detail: str | None = None) -> None:
        self.length = length
        super().__init__(detail, headers={"Content-Range": f"bytes */{length}"})


class TooManyRequests(HTTPException):
    """429: the client is over a rate limit; ``Retry-After`` says when to come back."""

    status_code = 429
    title = "Too Many Requests"
    default_detail = "Too many requests. Please wait before trying again."

    def __init__(self, retry_after: int | None = None, detail: str | None = None) -> None:
        self.retry_after = retry_after
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        super().__init__(detail, headers=headers)
