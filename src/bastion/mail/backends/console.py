"""``console://``: messages written to a stream, stderr by default.

The default ``EMAIL_URL`` so that a fresh project "sends" its password-reset mails somewhere a
developer can see them, and nowhere else. Messages can contain secrets (reset links), so
this backend is for development only; ``bastion check --deploy`` is the place to flag it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import TextIO

from bastion.mail.backends.base import Mailer
from bastion.mail.message import EmailMessage

__all__ = ["ConsoleMailer"]

_SEPARATOR = "-" * 79


class ConsoleMailer(Mailer):
    """Writes each message, as it would be sent, followed by a separator line.

    Args:
        stream: where to write; ``None`` means ``sys.stderr`` looked up at each send (so
            pytest's capture and redirections made later still apply).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._lock = threading.Lock()

    def send(self, messages: Iterable[EmailMessage]) -> int:
        sent = 0
        with self._lock:
            stream = self.stream if self.stream is not None else sys.stderr
            for message in messages:
                if not message.recipients():
                    continue
                text = message.as_bytes(linesep="\n").decode("utf-8", "replace")
                stream.write(f"{text}\n{_SEPARATOR}\n")
                sent += 1
            stream.flush()
        return sent

    def __repr__(self) -> str:
        return "<ConsoleMailer>"
