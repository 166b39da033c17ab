"""The root of Bastion's exception hierarchy.

The hierarchy is shallow on purpose (see STYLE.md): configuration mistakes, suspicious input
and HTTP errors are three families, and every one of them is turned into a response in a single
place (:mod:`bastion.handlers.errors`).
"""

from __future__ import annotations

__all__ = [
    "BadHeaderError",
    "BastionError",
    "DisallowedHost",
    "DisallowedRedirect",
    "ImproperlyConfigured",
    "SuspiciousOperation",
]


class BastionError(Exception):
    """Base class of every exception Bastion raises on purpose."""


class ImproperlyConfigured(BastionError):
    """The project is configured in a way Bastion refuses to run with.

    The message always says what to change.
    """


class SuspiciousOperation(BastionError):
    """The client sent something that looks like an attack or a misuse.

    Answered with 400 and logged to ``bastion.security.<ClassName>`` so that operators can
    alert on it without the details reaching the client.
    """

    status_code = 400

    @property
    def logger_name(self) -> str:
        """The security logger this event is reported to."""
        return f"bastion.security.{type(self).__name__}"


class DisallowedHost(SuspiciousOperation):
    """The request's Host (or trusted X-Forwarded-Host) is not in ``ALLOWED_HOSTS``."""


class DisallowedRedirect(SuspiciousOperation):
    """A redirect pointed to a host or scheme that is not allowed."""


class BadHeaderError(SuspiciousOperation, ValueError):
    """A header name or value would let an attacker split the response (CR, LF or NUL).

    A SuspiciousOperation (400) because such values nearly always come from the request,
    e.g. a ``?next=`` parameter copied into a ``Location`` header.
    """
