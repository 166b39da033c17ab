"""Recovery codes: ten single-use codes for when the authenticator app is lost.

Each code carries about 50 random bits (ten characters of a 31-letter unambiguous alphabet,
shown as ``xxxxx-xxxxx``), which at the lockout's few guesses per hour is beyond guessing. Codes
are stored only as password hashes (:func:`bastion.auth.hashers.make_password`), shown once
when generated, and spent with a conditional UPDATE so each works exactly once. Making a new
set deletes the old one.
"""

from __future__ import annotations

import secrets
from typing import Any

from bastion.auth.hashers import check_password, make_password
from bastion.auth.models import RecoveryCode

__all__ = [
    "ALPHABET",
    "CODE_COUNT",
    "CODE_LENGTH",
    "generate_codes",
    "has_codes",
    "looks_like_recovery_code",
    "remaining_codes",
    "use_code",
]

CODE_COUNT = 10
CODE_LENGTH = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper, typed back
_MAX_INPUT = 64


def _normalize(code: object) -> str:
    """``code`` lower-cased, without spaces and dashes; "" when it is not a string."""
    if not isinstance(code, str) or len(code) > _MAX_INPUT:
        return ""
    return "".join(code.split()).replace("-", "").lower()


def looks_like_recovery_code(code: object) -> bool:
    """Whether ``code`` has the shape of a recovery code (so hashes are worth checking)."""
    text = _normalize(code)
    return len(text) == CODE_LENGTH and all(c in ALPHABET for c in text)


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def generate_codes(user: Any) -> list[str]:
    """A new set of :data:`CODE_COUNT` codes for ``user``, replacing any earlier set.

    The returned clear codes are for showing once; only their hashes are stored.
    """
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_code() for _ in range(CODE_COUNT)]
    for code in codes:
        RecoveryCode.objects.create(user=user, code_hash=make_password(_normalize(code)))
    return codes


def has_codes(user: Any) -> bool:
    """Whether ``user`` was ever given a set that is still on record (used codes included).

    False only before the first set, or after the second factor was turned off: the moment
    to make a set without revoking one the user may have written down.
    """
    return bool(RecoveryCode.objects.filter(user=user).exists())


def remaining_codes(user: Any) -> int:
    """How many unused recovery codes ``user`` has left."""
    return int(RecoveryCode.objects.filter(user=user, used=False).count())


def use_code(user: Any, code: object) -> bool:
    """Whether ``code`` is one of ``user``'s unused codes; if so it is spent (once only).

    A code of the wrong shape is refused before any hash is checked, so garbage input
    costs nothing. The UPDATE is conditional on ``used = false``: of two requests racing
    with the same code, one wins.
    """
    if not looks_like_recovery_code(code):
        return False
    text = _normalize(code)
    for stored in RecoveryCode.objects.filter(user=user, used=False).order_by("id"):
        if check_password(text, stored.code_hash):
            spent = RecoveryCode.objects.filter(pk=stored.pk, used=False).update(used=True)
            return bool(spent == 1)
    return False
