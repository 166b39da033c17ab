"""``memory://``: messages kept in a list, for tests.

Nothing leaves the process, so a test can assert on exactly what a view "sent"::

    mailer = MemoryMailer()
    ...
    assert mailer.outbox[0].subject == "Reset your password"
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from bastion.mail.backends.base import Mailer
from bastion.mail.message import EmailMessage

__all__ = ["MemoryMailer"]


class MemoryMailer(Mailer):
    """Appends every message with recipients to :attr:`outbox` (one list per mailer)."""

    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []
        self._lock = threading.Lock()

    def send(self, messages: Iterable[EmailMessage]) -> int:
        batch = [message for message in messages if message.recipients()]
        # Building the stdlib message proves it serialises, as a real backend would need.
        for message in batch:
            message.message()
        with self._lock:
            self.outbox.extend(batch)
        return len(batch)

    def clear(self) -> None:
        """Empty the outbox (between tests that share a mailer)."""
        with self._lock:
            self.outbox.clear()

    def __repr__(self) -> str:
        return f"<MemoryMailer with {len(self.outbox)} message(s)>"
