"""file:///dir writes one .eml per message, atomically and privately."""

from __future__ import annotations

import email
import email.policy
import stat
from pathlib import Path

import pytest

from bastion.mail import EmailMessage, FileMailer, MailError


def msg(subject: str = "Hello") -> EmailMessage:
    return EmailMessage(subject, "Body.", "app@example.com", ["ann@example.com"])


def test_one_eml_file_per_message(tmp_path: Path) -> None:
    directory = tmp_path / "outbox"
    mailer = FileMailer(directory)
    assert mailer.send([msg("One"), msg("Two"), EmailMessage("x", "b", "a@example.com")]) == 2
    files = sorted(directory.iterdir())
    assert len(files) == 2
    assert all(f.suffix == ".eml" and not f.name.startswith(".") for f in files)
    subjects = {
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"]
        for f in files
    }
    assert subjects == {"One", "Two"}
    assert b"\r\n" in files[0].read_bytes()


def test_files_and_directory_are_private(tmp_path: Path) -> None:
    directory = tmp_path / "outbox"
    FileMailer(directory).send([msg()])
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    [path] = directory.iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_unwritable_directory_is_a_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    mailer = FileMailer(blocker / "outbox")
    with pytest.raises(MailError, match="Could not write") as caught:
        mailer.send([msg()])
    assert caught.value.sent == 0
    assert "FileMailer" in repr(mailer)


def test_no_temporary_file_is_left_behind_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bastion.mail.backends.file.os.replace", fail)
    with pytest.raises(MailError, match="No space left"):
        FileMailer(tmp_path).send([msg()])
    assert list(tmp_path.iterdir()) == []
