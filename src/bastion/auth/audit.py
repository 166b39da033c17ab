"""The audit log: ``audit(kind, user=..., request=..., **detail)`` writes one ``AuditEvent``.

Each event records who (the user, when known), when, and from which client address
(``request.client_ip``, which believes ``X-Forwarded-For`` only from trusted proxies). The
details are for people investigating an incident, so they must never hold what would let
someone else log in: any key that looks like a password, code, token, key or secret has its
value replaced by ``"[redacted]"`` (nested dicts too), whatever the caller passed.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bastion.auth.models import AuditEvent
    from bastion.http.request import Request

__all__ = ["REDACTED", "audit", "is_secret_key", "redact"]

logger = logging.getLogger("bastion.auth.audit")

REDACTED = "[redacted]"
_KIND = re.compile(r"[a-z0-9_]+(?:[.:-][a-z0-9_]+)*")
_MAX_KIND = 64
_MAX_TEXT = 500  # a detail string is evidence, not a payload: longer ones are cut
_MAX_DEPTH = 4
# Anywhere in the key: these name credentials in every spelling we have seen.
_SECRET_PARTS = (
    "pass", "pwd", "secret", "token", "credential", "cookie", "authoriz", "signature",
    "session", "recovery", "otp", "apikey", "private",
)  # fmt: skip
# Whole words only (``code`` but not ``country``... ``key`` but not ``monkey``).
_SECRET_WORDS = frozenset({"code", "codes", "key", "keys", "hash", "salt", "pin", "cvv", "nonce"})
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def is_secret_key(key: str) -> bool:
    """Whether a detail named ``key`` may hold a secret (``new_password``, ``totpCode``...)."""
    lowered = key.lower()
    if any(part in lowered for part in _SECRET_PARTS):
        return True
    return any(word.lower() in _SECRET_WORDS for word in _WORDS.findall(key))


def redact(value: Any, depth: int = 0) -> Any:
    """``value`` made safe to store: secret-looking keys redacted, JSON types only."""
    if depth > _MAX_DEPTH:
        return REDACTED
    if isinstance(value, dict):
        return {
            str(k): REDACTED if is_secret_key(str(k)) else redact(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact(v, depth + 1) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


def _client_ip(request: Request | None) -> str | None:
    if request is None:
        return None
    ip = getattr(request, "client_ip", None) or getattr(request, "client_addr", None)
    return str(ip)[:45] if ip else None


def _user_of(user: Any, request: Request | None) -> Any:
    """The user to record: the one given, else the request's if it is logged in."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False) and getattr(user, "pk", None) is not None:
        return user
    return None


def audit(
    kind: str, *, user: Any = None, request: Request | None = None, **detail: Any
) -> AuditEvent:
    """Record that ``kind`` happened (``"login.failed"``, ``"permission.granted"``...).

    Args:
        kind: a dotted lower-case name; anything else is refused with ``ValueError`` so a
            caller cannot put user input where investigators expect a fixed vocabulary.
        user: who it concerns (default: ``request.user`` when logged in).
        request: where the client address comes from.
        detail: what else helps an investigation; secret-looking keys are redacted.
    """
    from bastion.auth.models import AuditEvent

    if not isinstance(kind, str) or len(kind) > _MAX_KIND or not _KIND.fullmatch(kind):
        raise ValueError(f"An audit kind is a short dotted lower-case name, not {kind!r}.")
    who = _user_of(user, request)
    event: AuditEvent = AuditEvent.objects.create(
        kind=kind, user=who, ip=_client_ip(request), detail=redact(dict(detail))
    )
    logger.info("audit %s user=%s ip=%s", kind, who.pk if who is not None else "-", event.ip or "-")
    return event
