"""Building messages: parts, headers, addresses and what is refused."""

from __future__ import annotations

import email
import email.policy
from email.headerregistry import Address
from email.message import EmailMessage as StdMessage

import pytest

from bastion.exceptions import ValidationError
from bastion.mail import Attachment, EmailMessage


def parse(message: EmailMessage) -> StdMessage:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, StdMessage)
    return parsed


def test_text_only_message() -> None:
    message = EmailMessage("Hello", "Body.", "app@example.com", "ann@example.com")
    parsed = parse(message)
    assert parsed.get_content_type() == "text/plain"
    assert parsed["To"] == "ann@example.com"
    assert message.recipients() == ["ann@example.com"]


def test_a_single_string_is_one_recipient_not_letters() -> None:
    message = EmailMessage("s", "b", "app@example.com", to="ann@example.com", cc="bob@example.com")
    assert message.recipients() == ["ann@example.com", "bob@example.com"]


def test_text_html_and_attachment_structure() -> None:
    message = EmailMessage(
        "Report",
        "See attached.",
        "app@example.com",
        ["ann@example.com"],
        html="<p>See <b>attached</b>.</p>",
        attachments=[
            Attachment("données.csv", b"a,b\n1,2\n", "text/csv"),
            ("logo.png", b"\x89PNG\r\n\x1a\n", "image/png"),
        ],
    )
    parsed = parse(message)
    assert parsed.get_content_type() == "multipart/mixed"
    body = parsed.get_body(("html", "plain"))
    assert body is not None
    assert body.get_content_type() == "text/html"
    attachments = list(parsed.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["données.csv", "logo.png"]
    assert attachments[0].get_payload(decode=True) == b"a,b\n1,2\n"
    assert attachments[1].get_content() == b"\x89PNG\r\n\x1a\n"


def test_utf8_subject_and_names_are_encoded_and_round_trip() -> None:
    message = EmailMessage(
        "Привет, 世界 ✉", "b", "Zoë Ünïcode <app@example.com>", ["Åsa <asa@example.com>"]
    )
    raw = message.as_bytes()
    assert raw.isascii()
    parsed = parse(message)
    assert parsed["Subject"] == "Привет, 世界 ✉"
    assert parsed["From"].addresses[0].display_name == "Zoë Ünïcode"
    assert parsed["To"].addresses[0].display_name == "Åsa"


def test_unicode_domains_travel_as_idna() -> None:
    message = EmailMessage("s", "b", "app@example.com", ["ann@bücher.example"])
    assert message.recipients() == ["ann@xn--bcher-kva.example"]


def test_address_objects_carry_awkward_display_names() -> None:
    sender = Address('Doe, "Jane" <boss>', addr_spec="jane@example.com")
    parsed = parse(EmailMessage("s", "b", sender, ["ann@example.com"]))
    [address] = parsed["From"].addresses
    assert address.display_name == 'Doe, "Jane" <boss>'
    assert address.addr_spec == "jane@example.com"


def test_quoted_display_name_in_a_string() -> None:
    message = EmailMessage("s", "b", '"Ann A." <ann@example.com>', ["b@example.com"])
    assert message.from_email.display_name == "Ann A."


def test_date_message_id_and_extra_headers() -> None:
    message = EmailMessage(
        "s",
        "b",
        "app@example.com",
        ["ann@example.com"],
        headers={"List-Unsubscribe": "<https://example.com/u>", "X-Tag": "ok"},
    )
    parsed = parse(message)
    assert parsed["Date"].datetime.tzinfo is not None
    assert parsed["Message-ID"] == message.message_id
    assert message.message_id.endswith("@example.com>")
    assert parsed["List-Unsubscribe"] == "<https://example.com/u>"
    assert parsed["X-Tag"] == "ok"


def test_message_ids_are_unique() -> None:
    ids = {EmailMessage("s", "b", "a@example.com", "b@example.com").message_id for _ in range(50)}
    assert len(ids) == 50


def test_bcc_is_an_envelope_recipient_only() -> None:
    message = EmailMessage(
        "s", "b", "app@example.com", ["ann@example.com"], bcc=["secret@example.com"]
    )
    assert "secret@example.com" in message.recipients()
    assert b"secret@example.com" not in message.as_bytes()


def test_recipients_are_deduplicated() -> None:
    message = EmailMessage(
        "s", "b", "a@example.com", ["x@example.com"], cc=["X <x@example.com>"], bcc="y@example.com"
    )
    assert message.recipients() == ["x@example.com", "y@example.com"]


def test_reply_to_header() -> None:
    parsed = parse(
        EmailMessage("s", "b", "a@example.com", "b@example.com", reply_to="Help <h@example.com>")
    )
    assert parsed["Reply-To"] == "Help <h@example.com>"


@pytest.mark.parametrize(
    "address", ["not-an-address", "a@b", "a@@example.com", "a b@example.com", "<>", ""]
)
def test_malformed_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValidationError):
        EmailMessage("s", "b", "app@example.com", [address])


def test_an_address_must_be_a_string_or_address() -> None:
    with pytest.raises(TypeError):
        EmailMessage("s", "b", "app@example.com", [("Ann", "ann@example.com")])  # type: ignore[list-item]


@pytest.mark.parametrize("name", ["From", "to", "BCC", "Subject", "Content-Type", "MIME-Version"])
def test_managed_headers_cannot_be_overridden(name: str) -> None:
    with pytest.raises(ValueError, match="set by EmailMessage"):
        EmailMessage("s", "b", "a@example.com", "b@example.com", headers={name: "x"})


def test_a_header_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        EmailMessage("s", "b", "a@example.com", "b@example.com", headers={"X-A": "1", "x-a": "2"})


@pytest.mark.parametrize(
    "attachment",
    [("", b"x", "text/plain"), ("a.txt", "text", "text/plain"), ("a.txt", b"x", "text")],
)
def test_unusable_attachments_are_refused(attachment: tuple[str, bytes, str]) -> None:
    with pytest.raises(ValueError, match="attachment"):
        EmailMessage("s", "b", "a@example.com", "b@example.com", attachments=[attachment])


def test_repr_names_the_subject_and_count() -> None:
    message = EmailMessage("Hi", "b", "a@example.com", ["b@example.com", "c@example.com"])
    assert repr(message) == "<EmailMessage 'Hi' to 2 recipient(s)>"
