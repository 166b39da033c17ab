"""Passkeys

Revision ID: auth_0003_passkeys
Revises: auth_0002_mfa
Create Date: 2026-12-04T21:24:10+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from bastion.auth.migrations import create_webauthncredential, user_target

revision: str = "auth_0003_passkeys"
down_revision: str | Sequence[str] | None = "auth_0002_mfa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The tables are defined in bastion.auth.migrations; with a project's own user model
    # auth_0004_swapped_user makes them instead.
    user = user_target()
    if not user.swapped:
        create_webauthncredential(user)


def downgrade() -> None:
    if not user_target().swapped:
        op.drop_table("auth_webauthncredential")
