"""Authentication and authorization: password hashing and validation, users, permissions.

The hashing and validation names are importable from here and load on first use (PEP 562),
so importing :mod:`bastion.auth` never imports the ORM models::

    from bastion.auth import make_password, verify_and_upgrade, validate_password
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion._exports import lazy_exports

if TYPE_CHECKING:
    from bastion.auth.hashers import check_password as check_password
    from bastion.auth.hashers import dummy_verify as dummy_verify
    from bastion.auth.hashers import is_password_usable as is_password_usable
    from bastion.auth.hashers import make_password as make_password
    from bastion.auth.hashers import make_unusable_password as make_unusable_password
    from bastion.auth.hashers import needs_rehash as needs_rehash
    from bastion.auth.hashers import verify_and_upgrade as verify_and_upgrade
    from bastion.auth.passwords import validate_password as validate_password

_HASHERS = "bastion.auth.hashers"
_VALIDATION = "bastion.auth.passwords"
_EXPORTS = {
    "check_password": _HASHERS,
    "dummy_verify": _HASHERS,
    "is_password_usable": _HASHERS,
    "make_password": _HASHERS,
    "make_unusable_password": _HASHERS,
    "needs_rehash": _HASHERS,
    "verify_and_upgrade": _HASHERS,
    "validate_password": _VALIDATION,
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
