"""Outgoing email: one message with text, an optional HTML alternative and attachments.

Everything that ends up in a header is checked here, before any backend sees it, because
mail headers are a line-oriented protocol: a CR or LF smuggled into a subject or a display
name (typically copied from a form) would let an attacker add ``Bcc:`` recipients or a
whole new body. Such values raise :class:`~bastion.exceptions.BadHeaderError`; nothing is
ever "cleaned", since a silently altered address is worse than a refused one.

The stdlib ``email`` package with its modern policy does the encoding: UTF-8 subjects and
names become RFC 2047 encoded-words and long lines are folded.
"""

from __future__ import annotations

import email.message
import email.policy
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from typing import NamedTuple

from bastion.exceptions import BadHeaderError, ValidationError
from bastion.validators import validate_email

__all__ = ["AddressLike", "Attachment", "EmailMessage", "check_header_value", "parse_address"]

#: An address as a caller writes it: ``"a@example.com"``, ``"Ann <a@example.com>"`` or
#: ``Address("Ann", addr_spec="a@example.com")`` (for names with ``<``, quotes or commas).
#: Not a ``(name, addr)`` tuple: ``("a@example.com", "b@example.com")`` would be ambiguous.
AddressLike = str | Address

# C0 controls (TAB excepted), DEL, NEL and the Unicode line/paragraph separators: all of
# them are line breaks to some mail software (str.splitlines() alone knows eight).
_FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
# An RFC 2047 encoded-word written by the caller: a reader would decode it into text we
# never checked (a CR LF, or a fake "<boss@example.com>"). We encode; callers pass Unicode.
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
# RFC 5322 field-name: printable ASCII except the colon.
_FIELD_NAME = re.compile(r"[!-9;-~]+")
_MIME_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
# Headers the message writes itself; an extra header must not replace or duplicate them.
_MANAGED = frozenset(
    {"from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "mime-version"}
)


class Attachment(NamedTuple):
    """A file attached to a message: its name, its bytes and its MIME type."""

    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


def check_header_value(value: str, what: str) -> str:
    """Return ``value`` unchanged, or raise BadHeaderError if it could break a header.

    ``what`` names the field in the message (never the value, which may be hostile).
    """
    if _FORBIDDEN.search(value):
        raise BadHeaderError(f"The {what} contains a line break or control character.")
    if _ENCODED_WORD.search(value):
        raise BadHeaderError(f"The {what} contains an RFC 2047 encoded-word; pass plain text.")
    return value


def parse_address(value: AddressLike, what: str = "address") -> Address:
    """Turn ``"Name <addr>"``, ``"addr"`` or an ``Address`` into a checked ``Address``.

    The parsing is deliberately simple (no comments, groups or quoted local parts); anything
    else is refused rather than guessed at, and the address itself must pass
    :func:`bastion.validators.validate_email`.
    """
    if isinstance(value, Address):
        name, addr = value.display_name, value.addr_spec
    elif isinstance(value, str):
        check_header_value(value, what)
        text = value.strip()
        if text.endswith(">") and "<" in text:
            name, _, addr = text[:-1].rpartition("<")
            name = name.strip()
            if len(name) >= 2 and name[0] == name[-1] == '"':
                name = name[1:-1]
            if "<" in name or ">" in name:
                # "Ann <a@x>, Eve <e@y>" is two addresses, not a name; refuse, never guess.
                raise ValidationError(f"The {what} is not a single address.", code="invalid")
        else:
            name, addr = "", text
    else:
        raise TypeError(f"An address must be a str or an Address, not {type(value).__name__}.")
    check_header_value(name, f"{what} display name")
    check_header_value(addr, what)
    try:
        validate_email(addr)
    except ValidationError as exc:
        raise ValidationError(f"The {what} is not a valid email address.", code="invalid") from exc
    local, _, domain = addr.rpartition("@")
    # A Unicode domain travels as IDNA; the local part is ASCII already (validate_email).
    return Address(display_name=name, username=local, domain=domain.encode("idna").decode())


def _addresses(value: AddressLike | Iterable[AddressLike], what: str) -> tuple[Address, ...]:
    # A bare string is one address, never an iterable of one-letter recipients.
    items: Iterable[AddressLike] = [value] if isinstance(value, str | Address) else value
    return tuple(parse_address(item, what) for item in items)


class EmailMessage:
    """One email, checked when it is built.

    Args:
        subject: a single line of Unicode text; folded and encoded as needed.
        body: the plain-text part (always present: it is what many clients show).
        from_email: the author: ``"Name <addr>"``, ``"addr"`` or an ``Address``.
        to, cc, bcc, reply_to: one address or a sequence of them. Bcc recipients get the
            message but appear in no header.
        headers: extra headers such as ``{"List-Unsubscribe": "<https://...>"}``; the ones
            this class writes (From, To, Subject, Date, Content-* ...) cannot be overridden.
        html: an HTML alternative of ``body``.
        attachments: :class:`Attachment` values or ``(filename, content, mimetype)`` tuples.

    Raises:
        BadHeaderError: a header value contains CR, LF, NUL or another line break.
        ValidationError: an address is malformed.
        ValueError: an extra header name, MIME type or attachment is unusable.
    """

    def __init__(
        self,
        subject: str,
        body: str,
        from_email: AddressLike,
        to: AddressLike | Sequence[AddressLike] = (),
        cc: AddressLike | Sequence[AddressLike] = (),
        bcc: AddressLike | Sequence[AddressLike] = (),
        reply_to: AddressLike | Sequence[AddressLike] = (),
        headers: Mapping[str, str] | None = None,
        html: str | None = None,
        attachments: Iterable[Attachment | tuple[str, bytes, str]] = (),
    ) -> None:
        self.subject = check_header_value(subject, "subject")
        self.body = body
        self.html = html
        self.from_email = parse_address(from_email, "sender address")
        self.to = _addresses(to, "recipient address")
        self.cc = _addresses(cc, "cc address")
        self.bcc = _addresses(bcc, "bcc address")
        self.reply_to = _addresses(reply_to, "reply-to address")
        self.headers = self._check_headers(headers or {})
        self.attachments = tuple(self._check_attachment(Attachment(*a)) for a in attachments)
        self.date = datetime.now(UTC)
        # Random rather than email.utils.make_msgid(): no host name lookup, no pid or clock.
        self.message_id = f"<{secrets.token_hex(16)}@{self.from_email.domain}>"

    @staticmethod
    def _check_headers(headers: Mapping[str, str]) -> dict[str, str]:
        checked: dict[str, str] = {}
        for name, value in headers.items():
            if not _FIELD_NAME.fullmatch(name):
                raise BadHeaderError("An extra header name contains a forbidden character.")
            lowered = name.lower()
            if lowered in _MANAGED or lowered.startswith("content-"):
                raise ValueError(f"The {name} header is set by EmailMessage; use its argument.")
            if lowered in (key.lower() for key in checked):
                raise ValueError(f"The {name} header is given twice.")
            checked[name] = check_header_value(str(value), f"{name} header")
        return checked

    @staticmethod
    def _check_attachment(attachment: Attachment) -> Attachment:
        check_header_value(attachment.filename, "attachment file name")
        if not attachment.filename or not isinstance(attachment.content, bytes):
            raise ValueError("An attachment needs a file name and bytes content.")
        if not _MIME_TYPE.fullmatch(attachment.mimetype):
            raise ValueError("An attachment's MIME type must look like 'type/subtype'.")
        return attachment

    def recipients(self) -> list[str]:
        """Every envelope recipient (to, cc and bcc), each once, in order."""
        seen: dict[str, None] = {}
        for address in (*self.to, *self.cc, *self.bcc):
            seen.setdefault(address.addr_spec, None)
        return list(seen)

    def message(self) -> email.message.EmailMessage:
        """Build the stdlib message (modern policy) that backends serialise or send."""
        msg = email.message.EmailMessage(policy=email.policy.default)
        msg["Subject"] = self.subject
        msg["From"] = self.from_email
        if self.to:
            msg["To"] = self.to
        if self.cc:
            msg["Cc"] = self.cc
        if self.reply_to:
            msg["Reply-To"] = self.reply_to
        msg["Date"] = self.date
        msg["Message-ID"] = self.message_id
        for name, value in self.headers.items():
            msg[name] = value
        msg.set_content(self.body)
        if self.html is not None:
            msg.add_alternative(self.html, subtype="html")
        for item in self.attachments:
            maintype, _, subtype = item.mimetype.partition("/")
            msg.add_attachment(
                item.content, maintype=maintype, subtype=subtype, filename=item.filename
            )
        return msg

    def as_bytes(self, linesep: str = "\r\n") -> bytes:
        """The message as it goes on the wire (CRLF line ends by default)."""
        return self.message().as_bytes(policy=email.policy.default.clone(linesep=linesep))

    def __repr__(self) -> str:
        return f"<EmailMessage {self.subject!r} to {len(self.recipients())} recipient(s)>"
