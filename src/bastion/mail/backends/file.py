"""``file:///dir``: one ``.eml`` file per message, for staging servers and manual checks.

Each file is written under a temporary name and renamed into place, so a reader polling the
directory never sees half a message. Files are created with mode 0600 and the directory (if
this backend creates it) with 0700: messages may carry reset links and other secrets.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from bastion.mail.backends.base import Mailer, MailError
from bastion.mail.message import EmailMessage

__all__ = ["FileMailer"]


class FileMailer(Mailer):
    """Writes ``<UTC timestamp>-<random>.eml`` files (CRLF line ends) into ``directory``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def send(self, messages: Iterable[EmailMessage]) -> int:
        sent = 0
        for message in messages:
            if not message.recipients():
                continue
            try:
                self._write(message)
            except OSError as exc:
                raise MailError(
                    f"Could not write a message to {self.directory}: {exc.strerror}", sent=sent
                ) from exc
            sent += 1
        return sent

    def _write(self, message: EmailMessage) -> Path:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.directory / f"{stamp}-{secrets.token_hex(4)}.eml"
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def __repr__(self) -> str:
        return f"<FileMailer {str(self.directory)!r}>"
