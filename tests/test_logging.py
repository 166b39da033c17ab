from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest

from bastion.logging import (
    HANDLER_NAME,
    REDACTED,
    RedactSecretsFilter,
    configure_logging,
    redact,
)
from bastion.settings import LoggingConfig, Settings


@pytest.fixture(autouse=True)
def clean_bastion_logger() -> Iterator[logging.Logger]:
    """Leave the ``bastion`` logger exactly as it was (other tests rely on propagation)."""
    logger = logging.getLogger("bastion")
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.propagate = propagate


def _settings(level: str = "INFO") -> Settings:
    return Settings(LOGGING=LoggingConfig(level=level))


def _ours(logger: logging.Logger) -> list[logging.Handler]:
    return [h for h in logger.handlers if h.get_name() == HANDLER_NAME]


def test_configure_logging_sets_level_from_settings() -> None:
    logger = configure_logging(_settings("warning"))
    assert logger.name == "bastion"
    assert logger.level == logging.WARNING


def test_configure_logging_is_idempotent() -> None:
    logger = configure_logging(_settings("INFO"))
    configure_logging(_settings("DEBUG"))
    assert len(_ours(logger)) == 1
    assert logger.level == logging.DEBUG


def test_configure_logging_leaves_root_logger_alone() -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    logger = configure_logging(_settings())
    assert (list(root.handlers), root.level) == before
    assert logger.propagate is True


def test_configure_logging_writes_time_level_logger_message_to_current_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(_settings())
    logging.getLogger("bastion.request").info('"%s %s" %d %.1fms', "GET", "/x", 200, 1.25)
    err = capsys.readouterr().err
    line = err.strip().splitlines()[-1]
    date, time, level, name, message = line.split(" ", 4)
    assert len(date) == 10
    assert date[4] == "-"
    assert len(time) == 12
    assert time[2] == ":"
    assert (level, name, message) == ("INFO", "bastion.request", '"GET /x" 200 1.2ms')


def test_configure_logging_filters_below_level(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(_settings("WARNING"))
    logging.getLogger("bastion.request").info("quiet")
    logging.getLogger("bastion.security.DisallowedHost").warning("loud")
    err = capsys.readouterr().err
    assert "quiet" not in err
    assert "loud" in err


def test_handler_follows_replaced_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    configure_logging(_settings())
    replacement = io.StringIO()
    monkeypatch.setattr(sys, "stderr", replacement)
    logging.getLogger("bastion.server").error("to the new stream")
    assert "to the new stream" in replacement.getvalue()
    handler = _ours(logging.getLogger("bastion"))[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(io.StringIO())  # ignored: the handler always follows sys.stderr
    assert handler.stream is replacement


def test_configured_handler_redacts_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(_settings())
    logging.getLogger("bastion.request").warning("GET /reset?token=%s&page=2", "abc123")
    err = capsys.readouterr().err
    assert "abc123" not in err
    assert f"token={REDACTED}&page=2" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password=hunter2", f"password={REDACTED}"),
        ("db_password = 's3 cret' next", f"db_password = {REDACTED} next"),
        ('api_token="a b c"', f"api_token={REDACTED}"),
        ("SECRET_KEY=abc,DEBUG=True", f"SECRET_KEY={REDACTED},DEBUG=True"),
        ("/cb?code=1&access_token=xyz;x", f"/cb?code=1&access_token={REDACTED};x"),
        ("sessionid=abc; csrftoken=def", f"sessionid={REDACTED}; csrftoken={REDACTED}"),
        ("name=bob page=2", "name=bob page=2"),
        ("no pairs here", "no pairs here"),
        ("", ""),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def _record(msg: str, *args: object, exc_info: bool = False) -> logging.LogRecord:
    info = sys.exc_info() if exc_info else None
    return logging.LogRecord("bastion.x", logging.ERROR, __file__, 1, msg, args, info)


def test_filter_redacts_formatted_message_and_keeps_record() -> None:
    record = _record("login failed for %s password=%s", "bob", "hunter2")
    assert RedactSecretsFilter().filter(record) is True
    assert record.getMessage() == f"login failed for bob password={REDACTED}"
    assert record.args is None


def test_filter_leaves_clean_record_untouched() -> None:
    record = _record("user %s logged in", "bob")
    RedactSecretsFilter().filter(record)
    assert record.msg == "user %s logged in"
    assert record.args == ("bob",)


def test_filter_redacts_traceback() -> None:
    try:
        raise ValueError("could not connect with password=hunter2")
    except ValueError:
        record = _record("boom", exc_info=True)
    RedactSecretsFilter().filter(record)
    assert record.exc_text is not None
    assert "hunter2" not in record.exc_text
    assert f"password={REDACTED}" in record.exc_text
    assert "hunter2" not in logging.Formatter().format(record)


def test_filter_redacts_precomputed_exc_text() -> None:
    record = _record("boom")
    record.exc_text = "Traceback: token=abc"
    RedactSecretsFilter().filter(record)
    assert record.exc_text == f"Traceback: token={REDACTED}"
