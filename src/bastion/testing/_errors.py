"""Server errors handed back to the test: the ``raise_server_exceptions`` machinery.

Bastion turns an exception raised by a view into an error page, as it must in production,
and logs it to ``bastion.request`` with ``exc_info``. Listening on that logger while a request
runs is how the test client gets the exception back without the framework knowing about
tests: no test-only hook, no global flag.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["server_errors"]

_REQUEST_LOGGER = "bastion.request"


class _ErrorCollector(logging.Handler):
    """Collects the exceptions that this thread's requests log with a traceback."""

    def __init__(self, errors: list[BaseException]) -> None:
        super().__init__(logging.ERROR)
        self.errors = errors
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread and record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])


@contextmanager
def server_errors(enabled: bool) -> Iterator[list[BaseException]]:
    """Collect the exceptions the application logs as server errors while the block runs.

    Only records of this thread count, so requests in other threads of the test process
    are not mixed up. With ``enabled`` false nothing is listened to.
    """
    errors: list[BaseException] = []
    if not enabled:
        yield errors
        return
    logger = logging.getLogger(_REQUEST_LOGGER)
    collector = _ErrorCollector(errors)
    logger.addHandler(collector)
    try:
        yield errors
    finally:
        logger.removeHandler(collector)
