"""CSRF tokens: one secret per client, masked afresh for every form; and the opt-out.

The secret (32 random bytes) lives in a cookie (``__Host-csrftoken`` over HTTPS) or in the
session. A page never carries the secret itself but a *masked token*: a fresh random mask
followed by ``mask XOR secret``. Two renders of the same form therefore carry different
bytes, so a compressed HTTPS response that also reflects attacker-chosen text cannot be used
to guess the token one character at a time (BREACH). Unmasking is one XOR; comparing uses
:func:`hmac.compare_digest`.

Nothing here signs anything: a forged token is useless because an attacker cannot read the
victim's cookie (``HttpOnly``, ``__Host-``) or session, and the per-client secret is what the
token must match. The checks themselves (Fetch Metadata, Origin, then this token) are in
:mod:`bastion.middleware.csrf`.
"""

from __future__ import annotations

import base64
import re
import secrets
import weakref
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any, Final, TypeVar

from bastion.exceptions import ImproperlyConfigured
from bastion.viewoptions import view_option

if TYPE_CHECKING:
    from bastion.http.request import Request

__all__ = [
    "EXEMPT_OPTION",
    "SECRET_BYTES",
    "SESSION_KEY",
    "CSRFSecret",
    "csrf_exempt",
    "decode_secret",
    "encode_secret",
    "mask_secret",
    "new_secret",
    "rotate_csrf_token",
    "unmask_token",
]

SECRET_BYTES: Final = 32
"""Length of the per-client secret and of each mask (256 bits)."""
SESSION_KEY: Final = "_csrf"
"""Session key holding the encoded secret when ``CSRF.use_session`` is True."""
EXEMPT_OPTION: Final = "csrf_exempt"
"""The view option :func:`csrf_exempt` sets (its value is the reason)."""

_VERSION = "v1."  # of the masked-token format, so that the scheme can move on
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 bytes, URL-safe base64 without padding
_TOKEN = re.compile(r"v1\.[A-Za-z0-9_-]{86}")  # prefix + 64 bytes (mask, masked secret)

_V = TypeVar("_V", bound=Callable[..., Any])


def new_secret() -> bytes:
    """A new per-client secret from the operating system's CSPRNG."""
    return secrets.token_bytes(SECRET_BYTES)


def encode_secret(secret: bytes) -> str:
    """The secret as cookie- and JSON-safe text (URL-safe base64, no padding)."""
    return base64.urlsafe_b64encode(secret).rstrip(b"=").decode("ascii")


def decode_secret(value: str) -> bytes | None:
    """The secret encoded in ``value``, or None when it is not one (tampered, truncated)."""
    if not _SECRET.fullmatch(value):
        return None
    return _b64decode(value)


def mask_secret(secret: bytes) -> str:
    """A token for ``secret`` under a new random mask: different bytes on every call."""
    mask = secrets.token_bytes(SECRET_BYTES)
    raw = base64.urlsafe_b64encode(mask + _xor(mask, secret)).rstrip(b"=")
    return _VERSION + raw.decode("ascii")


def unmask_token(token: str) -> bytes | None:
    """The secret a masked token carries, or None when ``token`` is malformed."""
    if not _TOKEN.fullmatch(token):
        return None
    raw = _b64decode(token[len(_VERSION) :])
    if raw is None:
        return None
    return _xor(raw[:SECRET_BYTES], raw[SECRET_BYTES:])


def _b64decode(text: str) -> bytes | None:
    """The bytes of ``text``, or None unless it is their one canonical base64url spelling.

    Only called on text that matched _SECRET or _TOKEN, so decoding itself cannot fail; the
    spare bits of the last character must be zero, so each token has a single valid form.
    """
    decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    canonical = base64.urlsafe_b64encode(decoded).rstrip(b"=").decode("ascii") == text
    return decoded if canonical else None


def _xor(left: bytes, right: bytes) -> bytes:
    # Through integers: one C-level operation instead of a Python loop over 32 bytes.
    value = int.from_bytes(left, "big") ^ int.from_bytes(right, "big")
    return value.to_bytes(SECRET_BYTES, "big")


class CSRFSecret:
    """One request's CSRF secret, read or made on first use; calling it gives a masked token.

    :class:`~bastion.middleware.csrf.CSRFMiddleware` installs one as
    ``request.csrf_token_factory`` on every request. Building it reads nothing: the cookie or
    session is only looked at when a form is rendered (``csrf_input()``) or an unsafe request
    is checked.

    Args:
        request: the request being served.
        cookie_name: the cookie holding the secret (``__Host-`` is added over HTTPS), or
            None to keep the secret in ``request.session`` instead.
    """

    __slots__ = ("_cookie", "_request", "_secret", "issued", "rendered")

    def __init__(self, request: Request, cookie_name: str | None) -> None:
        # A weak reference: the request holds this object (``csrf_token_factory``), and a
        # strong one back would make every request a cycle for the garbage collector.
        self._request = weakref.ref(request)
        self._cookie = cookie_name
        self._secret: bytes | None = None
        self.issued: str | None = None
        """A new encoded secret the response must set as a cookie, or None."""
        self.rendered = False
        """Whether a token was handed out (the page then depends on the cookie: ``Vary``)."""

    def __call__(self) -> str:
        """A freshly masked token for this client (a new secret is made if it has none)."""
        self.rendered = True
        return mask_secret(self.secret())

    @property
    def cookie_name(self) -> str:
        """The cookie's name for this request: ``__Host-`` prefixed over HTTPS."""
        name = self._cookie or ""
        return f"__Host-{name}" if self._live_request().is_secure else name

    def stored(self) -> bytes | None:
        """The secret the client already holds, or None (never sent, or not valid).

        Raises:
            ImproperlyConfigured: the secret lives in the session, and there is none.
        """
        if self._cookie is None:
            # Read every time: the view may flush or clear the session between two forms.
            value = self._session().get(SESSION_KEY)
            return decode_secret(value) if isinstance(value, str) else None
        if self._secret is None:
            value = self._live_request().cookies.get(self.cookie_name)
            self._secret = decode_secret(value) if isinstance(value, str) else None
        return self._secret

    def secret(self) -> bytes:
        """The client's secret, made (and stored on the response) if it holds none yet."""
        secret = self.stored()
        return secret if secret is not None else self._issue()

    def rotate(self) -> None:
        """Replace the secret: tokens handed out before (on any page) stop being accepted."""
        self._issue()

    def _issue(self) -> bytes:
        secret = new_secret()
        encoded = encode_secret(secret)
        if self._cookie is None:
            self._session()[SESSION_KEY] = encoded
        else:
            self._secret = secret
            self.issued = encoded
        return secret

    def _live_request(self) -> Request:
        request = self._request()
        if request is None:
            raise RuntimeError("The request this CSRF secret belongs to has ended.")
        return request

    def _session(self) -> MutableMapping[str, Any]:
        session: MutableMapping[str, Any] | None = getattr(self._live_request(), "session", None)
        if session is None:
            raise ImproperlyConfigured(
                "CSRF.use_session is True but the request has no session. Keep "
                "SessionMiddleware in the stack before CSRFMiddleware (default_middleware() "
                "does), or set CSRF=CSRFConfig(use_session=False) to keep the secret in a cookie."
            )
        return session


def rotate_csrf_token(request: Request) -> None:
    """Give the client a new CSRF secret with this response; call it when a user logs in.

    Rotating on login means a token an attacker planted or learned before the login (login
    CSRF, a shared computer) is worthless afterwards. Forms rendered later in the same request
    get tokens for the new secret. Does nothing when the CSRF layer is not installed.
    """
    factory = request.csrf_token_factory
    if isinstance(factory, CSRFSecret):
        factory.rotate()


def csrf_exempt(view: None = None, /, *, reason: str = "") -> Callable[[_V], _V]:
    """Switch the CSRF checks off for one view (a function view or a ``View`` class).

    Use it for endpoints that other servers call with no browser involved, such as a
    payment provider's webhook, which must then authenticate the caller another way
    (a signature over the body, a shared secret). ``@csrf_exempt(reason="...")`` keeps every
    opt-out greppable and explained.

    Security: an exempt view accepts unsafe requests from any site. If it acts on the
    browser's cookies (a session, a login), any page on the web can make a signed-in user's
    browser call it. Exempt only views that authenticate by something a browser does not
    send by itself.

    Args:
        view: must be left out: the decorator is always called, with a reason.
        reason: why this view needs no CSRF protection.

    Raises:
        TypeError: used bare (``@csrf_exempt``) or without a non-blank ``reason``.
    """
    if view is not None or not reason or not reason.strip():
        raise TypeError(
            "csrf_exempt needs a reason, so that every opt-out says why: write "
            '@csrf_exempt(reason="signed webhook from the payment provider"), not @csrf_exempt.'
        )
    return view_option(EXEMPT_OPTION, reason.strip())
