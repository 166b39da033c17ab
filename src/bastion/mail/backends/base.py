"""The interface every mail backend implements, and the one error they raise.

A backend ("mailer") takes finished :class:`~bastion.mail.message.EmailMessage` objects and
delivers them somewhere: an SMTP server, a stream, a directory or a list. Callers only ever
see :class:`MailError` for delivery problems, whatever the transport, so a view can catch one
exception and show one "try again later" message.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from types import TracebackType
from typing import Self

from bastion.exceptions import BastionError
from bastion.mail.message import EmailMessage

__all__ = ["MailError", "Mailer"]


class MailError(BastionError):
    """A message could not be delivered (connection, TLS, authentication, refusal, timeout).

    Attributes:
        sent: how many messages of the failing ``send()`` call were delivered before it.
    """

    def __init__(self, message: str, *, sent: int = 0) -> None:
        super().__init__(message)
        self.sent = sent


class Mailer(ABC):
    """Delivers messages. Usable as a context manager, which calls :meth:`close`."""

    @abstractmethod
    def send(self, messages: Iterable[EmailMessage]) -> int:
        """Deliver ``messages``; return how many were delivered.

        Messages without any recipient are skipped (and not counted).

        Raises:
            MailError: delivery failed; ``sent`` says how many went out before.
        """

    def close(self) -> None:  # noqa: B027 - an optional hook; most backends hold nothing
        """Release any resource held between sends (a no-op unless a backend holds one)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
