"""The auth app's models (app label ``auth``): users, roles, permissions and the audit log.

Importing this package registers every table, which is what ``bastion makemigrations`` and
``migrate`` need; the classes are re-exported here so ``from bastion.auth.models import
User`` works as in Django.
"""

from bastion.auth.models.audit import AuditEvent
from bastion.auth.models.mfa import RecoveryCode, TOTPDevice
from bastion.auth.models.passkeys import WebAuthnCredential
from bastion.auth.models.rbac import Group, GroupObjectPermission, Permission, UserObjectPermission
from bastion.auth.models.users import (
    AbstractUser,
    AnonymousUser,
    User,
    UserManager,
    normalize_email,
)

__all__ = [
    "AbstractUser",
    "AnonymousUser",
    "AuditEvent",
    "Group",
    "GroupObjectPermission",
    "Permission",
    "RecoveryCode",
    "TOTPDevice",
    "User",
    "UserManager",
    "UserObjectPermission",
    "WebAuthnCredential",
    "normalize_email",
]
