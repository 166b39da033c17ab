"""Mail backends; pick one with :func:`bastion.mail.mailer_from_url`."""

from __future__ import annotations

from bastion.mail.backends.base import Mailer, MailError
from bastion.mail.backends.console import ConsoleMailer
from bastion.mail.backends.file import FileMailer
from bastion.mail.backends.memory import MemoryMailer
from bastion.mail.backends.smtp import SMTPMailer

__all__ = ["ConsoleMailer", "FileMailer", "MailError", "Mailer", "MemoryMailer", "SMTPMailer"]
