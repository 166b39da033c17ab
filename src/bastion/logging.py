"""Logging set-up for Bastion's own loggers, and a filter that keeps secrets out of log lines.

Bastion logs under one tree, ``bastion``: ``bastion.request`` (the access log and 500s),
``bastion.security.<Name>`` (refused requests), ``bastion.server`` (the development server).
:func:`configure_logging` gives that tree a level and one stderr handler. It leaves the root
logger alone, so a host that configures logging itself (gunicorn ``--log-config``, a
``dictConfig``, an error tracker) keeps working: Bastion's records still propagate to it.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TYPE_CHECKING, TextIO

from bastion.settings.core import is_secret_name

if TYPE_CHECKING:
    from bastion.settings import Settings

__all__ = ["HANDLER_NAME", "LOG_FORMAT", "RedactSecretsFilter", "configure_logging", "redact"]

LOG_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s"
"""One line per record: time, level, logger, message."""
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
HANDLER_NAME = "bastion.stderr"
"""Name of the handler :func:`configure_logging` installs; finding it keeps set-up idempotent."""
REDACTED = "********"

# ``name=value`` where the value runs to the next space, ``&``, ``,`` or ``;`` (a query string,
# a settings dump, a command line), or is quoted.
_PAIR = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)(?P<sep>\s?=\s?)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s&,;]+)"
)


def redact(text: str) -> str:
    """Replace the value of every secret-looking ``key=value`` pair in ``text``.

    A key looks secret when :func:`bastion.settings.core.is_secret_name` says so
    (``password``, ``token``, ``SECRET_KEY``, ``sessionid`` ...). Over-redacting a harmless
    ``monkey=3`` is the accepted price of never printing a real secret.
    """
    if "=" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        """The pair itself, or the pair with its value blanked when the key looks secret."""
        if not is_secret_name(match["key"]):
            return match[0]
        return f"{match['key']}{match['sep']}{REDACTED}"

    return _PAIR.sub(replace, text)


class RedactSecretsFilter(logging.Filter):
    """Defence in depth: blank secret values in a record's message and traceback.

    Bastion itself never logs request bodies, cookies or settings values; this filter catches
    what a project's own code or an exception message lets slip (``?token=...`` in a URL, a
    ``password=...`` in a database error). It rewrites the record, so handlers further up the
    logger tree see the redacted text too. It never drops a record.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; always keep it."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters reuse a cached exc_text; filling it here redacts the traceback for
            # every handler that formats this record afterwards.
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class _StderrHandler(logging.StreamHandler[TextIO]):
    """A stream handler that writes to whatever ``sys.stderr`` is at the time of each record.

    Binding the stream at creation would keep writing to a replaced stream (a test runner's
    capture, a daemonised process); looking it up per record follows the replacement.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        """The current ``sys.stderr``."""
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """Ignore assignments (``StreamHandler.__init__`` and ``setStream`` make them)."""


def configure_logging(settings: Settings) -> logging.Logger:
    """Give the ``bastion`` logger tree its level and one stderr handler.

    Safe to call more than once (a WSGI module and ``bastion runserver`` both call it): the
    handler is found by name and reconfigured rather than added again. The root logger is not
    touched.

    Args:
        settings: ``settings.LOGGING.level`` becomes the level of the ``bastion`` logger.

    Returns:
        The ``bastion`` logger.
    """
    logger = logging.getLogger("bastion")
    logger.setLevel(settings.LOGGING.level.upper())
    handler = next((h for h in logger.handlers if h.get_name() == HANDLER_NAME), None)
    if handler is None:
        handler = _StderrHandler()
        handler.set_name(HANDLER_NAME)
        handler.addFilter(RedactSecretsFilter())
        logger.addHandler(handler)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))
    return logger
