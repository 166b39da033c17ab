"""Swapped user

Revision ID: auth_0004_swapped_user
Revises: auth_0003_passkeys
Create Date: 2026-12-04T22:50:00+00:00

Written by hand. With a project's own user model (AUTH_USER_MODEL), the tables that point at
the user are made here, after the project app's first migration has made its user table;
with the stock user 0001-0003 made them and this migration does nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from bastion.auth.migrations import (
    USER_SETTING,
    create_auditevent,
    create_mfa_tables,
    create_userobjectpermission,
    create_webauthncredential,
    user_target,
)
from bastion.db.migrations import swappable_dependency

revision: str = "auth_0004_swapped_user"
down_revision: str | Sequence[str] | None = "auth_0003_passkeys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = swappable_dependency(USER_SETTING) or None


def upgrade() -> None:
    user = user_target()
    if user.swapped:
        create_auditevent(user)
        create_userobjectpermission(user)
        create_mfa_tables(user)
        create_webauthncredential(user)


def downgrade() -> None:
    if user_target().swapped:
        for table in (
            "auth_webauthncredential",
            "auth_totpdevice",
            "auth_recoverycode",
            "auth_userobjectpermission",
            "auth_auditevent",
        ):
            op.drop_table(table)
