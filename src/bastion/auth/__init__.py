"""Authentication and authorization: password hashing and validation, users, permissions.

The hashing and validation names are importable from here and load on first use (PEP 562),
so importing :mod:`bastion.auth` never imports the ORM models until a model name is used::

    from bastion.auth import make_password, verify_and_upgrade, validate_password
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion._exports import lazy_exports

if TYPE_CHECKING:
    from bastion.auth.apps import auth_app as auth_app
    from bastion.auth.audit import audit as audit
    from bastion.auth.decorators import login_required as login_required
    from bastion.auth.decorators import permission_required as permission_required
    from bastion.auth.decorators import user_passes_test as user_passes_test
    from bastion.auth.hashers import check_password as check_password
    from bastion.auth.hashers import dummy_verify as dummy_verify
    from bastion.auth.hashers import is_password_usable as is_password_usable
    from bastion.auth.hashers import make_password as make_password
    from bastion.auth.hashers import make_unusable_password as make_unusable_password
    from bastion.auth.hashers import needs_rehash as needs_rehash
    from bastion.auth.hashers import verify_and_upgrade as verify_and_upgrade
    from bastion.auth.lockout import LockoutPolicy as LockoutPolicy
    from bastion.auth.lockout import unlock as unlock
    from bastion.auth.login import authenticate as authenticate
    from bastion.auth.login import login as login
    from bastion.auth.login import logout as logout
    from bastion.auth.login import update_session_auth_hash as update_session_auth_hash
    from bastion.auth.middleware import AuthenticationMiddleware as AuthenticationMiddleware
    from bastion.auth.middleware import get_user_model as get_user_model
    from bastion.auth.mixins import ObjectPermissionMixin as ObjectPermissionMixin
    from bastion.auth.models import AbstractUser as AbstractUser
    from bastion.auth.models import AnonymousUser as AnonymousUser
    from bastion.auth.models import Group as Group
    from bastion.auth.models import Permission as Permission
    from bastion.auth.models import User as User
    from bastion.auth.passwords import validate_password as validate_password
    from bastion.auth.permissions import for_user as for_user
    from bastion.auth.permissions import grant as grant
    from bastion.auth.permissions import revoke as revoke
    from bastion.auth.permissions import sync_permissions as sync_permissions

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
    "auth_app": "bastion.auth.apps",
    "audit": "bastion.auth.audit",
    "login_required": "bastion.auth.decorators",
    "permission_required": "bastion.auth.decorators",
    "user_passes_test": "bastion.auth.decorators",
    "LockoutPolicy": "bastion.auth.lockout",
    "unlock": "bastion.auth.lockout",
    "authenticate": "bastion.auth.login",
    "login": "bastion.auth.login",
    "logout": "bastion.auth.login",
    "update_session_auth_hash": "bastion.auth.login",
    "AuthenticationMiddleware": "bastion.auth.middleware",
    "get_user_model": "bastion.auth.middleware",
    "ObjectPermissionMixin": "bastion.auth.mixins",
    "AbstractUser": "bastion.auth.models",
    "AnonymousUser": "bastion.auth.models",
    "Group": "bastion.auth.models",
    "Permission": "bastion.auth.models",
    "User": "bastion.auth.models",
    "for_user": "bastion.auth.permissions",
    "grant": "bastion.auth.permissions",
    "revoke": "bastion.auth.permissions",
    "sync_permissions": "bastion.auth.permissions",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
