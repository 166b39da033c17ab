"""The root of Bastion's exception hierarchy.

The hierarchy is shallow on purpose (see STYLE.md): configuration mistakes, suspicious input
and HTTP errors are three families, and every one of them is turned into a response in a single
place (:mod:`bastion.handlers.errors`).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BadHeaderError",
    "BastionError",
    "DisallowedHost",
    "DisallowedRedirect",
    "ImproperlyConfigured",
    "SuspiciousOperation",
    "ValidationError",
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


class ValidationError(BastionError, ValueError):
    """A value failed validation; carries user-facing messages, per field when known.

    Args:
        message: one message, a list of messages or ``{field: [messages]}``.
        code: a short machine-readable reason (``"max_length"``, ``"unique"``...).
        params: values interpolated into the message with ``%(name)s``.
    """

    def __init__(
        self,
        message: str | list[Any] | dict[str, Any] | ValidationError,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.code = code
        self.params = params
        self.error_dict: dict[str, list[str]] | None = None
        if isinstance(message, ValidationError):
            self.error_dict = message.error_dict
            self.error_list: list[str] = list(message.error_list)
            self.code = code or message.code
        elif isinstance(message, dict):
            self.error_dict = {
                key: ValidationError(value).messages for key, value in message.items()
            }
            self.error_list = [m for msgs in self.error_dict.values() for m in msgs]
        elif isinstance(message, list):
            self.error_list = [m for item in message for m in ValidationError(item).messages]
        else:
            self.error_list = [message % params if params else message]
        super().__init__(self.error_dict if self.error_dict is not None else self.error_list)

    @property
    def messages(self) -> list[str]:
        """Every message, in order."""
        return list(self.error_list)

    @property
    def message_dict(self) -> dict[str, list[str]]:
        """Messages by field name (``"__all__"`` for errors of the whole object)."""
        if self.error_dict is None:
            return {"__all__": self.messages}
        return {key: list(value) for key, value in self.error_dict.items()}
