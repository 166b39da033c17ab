"""Mfa

Revision ID: auth_0002_mfa
Revises: auth_0001_initial
Create Date: 2026-12-04T21:01:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from bastion.auth.migrations import create_mfa_tables, user_target

revision: str = "auth_0002_mfa"
down_revision: str | Sequence[str] | None = "auth_0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The tables are defined in bastion.auth.migrations; with a project's own user model
    # auth_0004_swapped_user makes them instead.
    user = user_target()
    if not user.swapped:
        create_mfa_tables(user)


def downgrade() -> None:
    if not user_target().swapped:
        op.drop_table("auth_totpdevice")
        op.drop_table("auth_recoverycode")
