"""Mail header injection: every header-bound value with a line break is refused, nothing sent.

An attacker who gets CR LF into a subject, a display name or an address (say, from a contact
form) can add ``Bcc:`` recipients, replace the body or forge headers. Bastion refuses such
messages when they are built, so no backend ever sees them.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.headerregistry import Address

import pytest

from bastion.exceptions import BadHeaderError, ValidationError
from bastion.mail import EmailMessage, MemoryMailer

BREAKS = ["\r\n", "\n", "\r", "\x00", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"]
INJECTION = "Bcc: victim@evil.example"

OK = {"subject": "Hi", "body": "b", "from_email": "app@example.com", "to": ["ann@example.com"]}


def attempt(**fields: object) -> MemoryMailer:
    """Build and send a message with ``fields`` overriding a valid one; must be refused."""
    mailer = MemoryMailer()
    with pytest.raises((BadHeaderError, ValidationError)):
        mailer.send([EmailMessage(**{**OK, **fields})])  # type: ignore[arg-type]
    assert mailer.outbox == []
    return mailer


@pytest.mark.parametrize("brk", BREAKS)
def test_subject(brk: str) -> None:
    with pytest.raises(BadHeaderError):
        EmailMessage(f"Hello{brk}{INJECTION}", "b", "app@example.com", ["ann@example.com"])
    attempt(subject=f"Hello{brk}{INJECTION}")


FIELDS: dict[str, Callable[[str], dict[str, object]]] = {
    "from name": lambda v: {"from_email": f"Ann{v} <app@example.com>"},
    "from address": lambda v: {"from_email": f"app@example.com{v}"},
    "to name": lambda v: {"to": [f"Ann{v} <ann@example.com>"]},
    "to address": lambda v: {"to": [f"ann@example.com{v}"]},
    "to bare string": lambda v: {"to": f"ann@example.com{v}"},
    "cc name": lambda v: {"cc": [f"Bob{v} <bob@example.com>"]},
    "cc address": lambda v: {"cc": [f"bob@example.com{v}"]},
    "bcc address": lambda v: {"bcc": [f"bob@example.com{v}"]},
    "reply-to name": lambda v: {"reply_to": [f"Help{v} <help@example.com>"]},
    "reply-to address": lambda v: {"reply_to": [f"help@example.com{v}"]},
    "header value": lambda v: {"headers": {"X-Ref": v}},
    "attachment name": lambda v: {"attachments": [(f"a{v}.txt", b"x", "text/plain")]},
}


@pytest.mark.parametrize("brk", BREAKS)
@pytest.mark.parametrize("field", FIELDS)
def test_names_addresses_and_headers(field: str, brk: str) -> None:
    attempt(**FIELDS[field](f"{brk}{INJECTION}"))


@pytest.mark.parametrize("brk", ["\r\n", "\x00", "\u2028"])
def test_address_objects_are_checked_too(brk: str) -> None:
    # The stdlib Address refuses CR and LF itself; the rest must be caught by Bastion.
    try:
        sender = Address(f"Ann{brk}{INJECTION}", addr_spec="app@example.com")
    except ValueError:
        return
    attempt(from_email=sender)


@pytest.mark.parametrize(
    "name", ["X-Evil\r\nBcc", "X Evil", "X-Evil:", "Bcc:x", "", "X-Ünï", "X\x00"]
)
def test_extra_header_names(name: str) -> None:
    with pytest.raises(BadHeaderError):
        EmailMessage(**OK, headers={name: "v"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        "ann@example.com, victim@evil.example",
        "ann@example.com; victim@evil.example",
        "Ann <ann@example.com>, Eve <victim@evil.example>",
        "victim@evil.example <ann@example.com",
        '"ann@example.com"@evil.example',
        "ann@example.com (comment)",
    ],
)
def test_one_address_cannot_become_several(value: str) -> None:
    attempt(to=[value])


ENCODED_WORDS = [
    "=?utf-8?q?Hello=0D=0ABcc:_victim@evil.example?=",
    "=?UTF-8?B?SGVsbG8NCkJjYzogdmljdGltQGV2aWwuZXhhbXBsZQ==?=",
    "Hi =?iso-8859-1?Q?=0A?= there",
]


@pytest.mark.parametrize("word", ENCODED_WORDS)
def test_encoded_words_are_refused_in_subject_names_and_values(word: str) -> None:
    attempt(subject=word)
    attempt(from_email=f"{word} <app@example.com>")
    attempt(to=[Address(word, addr_spec="ann@example.com")])
    attempt(headers={"X-Ref": word})


def test_encoded_word_lookalikes_that_are_not_encoded_words_pass() -> None:
    message = EmailMessage("What is 2+2=? Four?=", "b", "app@example.com", "ann@example.com")
    assert message.subject == "What is 2+2=? Four?="


def header_block(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


@pytest.mark.parametrize(
    "subject",
    [
        "Your order " + "with many words in a long subject line " * 12,
        "Ünïcödé " * 60,
        "x" * 400,
        "Bcc: " + "victim@evil.example " * 30,
    ],
)
def test_long_subjects_are_folded_safely(subject: str) -> None:
    message = EmailMessage(subject, "b", "app@example.com", ["ann@example.com"])
    raw = message.as_bytes()
    lines = header_block(raw)
    assert all(len(line) <= 998 for line in lines)
    # Every line either starts a known header or continues one (leading whitespace).
    starts = [line.split(b":", 1)[0] for line in lines if not line[:1].isspace()]
    assert starts[:5] == [b"Subject", b"From", b"To", b"Date", b"Message-ID"]
    assert set(starts[5:]) <= {b"MIME-Version", b"Content-Type", b"Content-Transfer-Encoding"}
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == subject
    assert parsed.get_all("Bcc") is None
    assert message.recipients() == ["ann@example.com"]


def test_ordinary_folding_stays_under_78_columns() -> None:
    subject = "A perfectly ordinary subject that is rather long " * 4
    lines = header_block(EmailMessage(subject, "b", "app@example.com", "a@example.com").as_bytes())
    assert all(len(line) <= 78 for line in lines)
