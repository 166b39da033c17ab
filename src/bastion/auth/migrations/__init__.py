"""The auth app's migrations, and the tables in them that point at the user model.

Five tables have a foreign key to the user (audit events, object permissions, TOTP devices,
recovery codes, passkeys). With the stock ``auth.User`` they are made by 0001-0003 beside
``auth_user``. With a project's own user model (``AUTH_USER_MODEL``) 0001-0003 skip them and
``auth_user``, and ``auth_0004_swapped_user`` makes them once the project's user table exists:
that table's migration needs ``auth_group`` and ``auth_permission`` from 0001 (for the user's
roles), so the tables pointing at the user cannot be in 0001. Each table is defined here once,
so both paths build the same schema. Choose the user model before the first ``migrate``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

from bastion.db.migrations import SwappableTarget, swappable_target

USER_SETTING = "AUTH_USER_MODEL"


def user_target() -> SwappableTarget:
    """Where keys to the user point: ``auth_user.id``, or the project's own user table."""
    return swappable_target(USER_SETTING)


def create_auditevent(user: SwappableTarget) -> None:
    """``auth_auditevent`` (from 0001), keyed to ``user``."""
    op.create_table(
        "auth_auditevent",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=64), autoincrement=False, nullable=False),
        sa.Column("user_id", user.key_type, autoincrement=False, nullable=True),
        sa.Column("ip", sa.String(length=45), autoincrement=False, nullable=True),
        sa.Column(
            "created",
            sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            autoincrement=False,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["user_id"], [user.reference], name="auth_auditevent_user_id_fk"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_auditevent")),
        info={"app_label": "auth"},
    )
    with op.batch_alter_table("auth_auditevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_auditevent_created"), ["created"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_auditevent_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_auditevent_user_id"), ["user_id"], unique=False)


def create_userobjectpermission(user: SwappableTarget) -> None:
    """``auth_userobjectpermission`` (from 0001), keyed to ``user``."""
    op.create_table(
        "auth_userobjectpermission",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", user.key_type, autoincrement=False, nullable=False),
        sa.Column(
            "permission_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("content_type", sa.String(length=100), autoincrement=False, nullable=False),
        sa.Column("object_pk", sa.String(length=255), autoincrement=False, nullable=False),
        sa.Column("object_id", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.ForeignKeyConstraint(
            ["permission_id"],
            ["auth_permission.id"],
            name="auth_userobjectpermission_permission_id_fk",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], [user.reference], name="auth_userobjectpermission_user_id_fk"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_userobjectpermission")),
        sa.UniqueConstraint(
            "user_id",
            "permission_id",
            "object_pk",
            name="auth_userobjectpermission_user_id_permission_id_object_pk_uniq",
        ),
        info={"app_label": "auth"},
    )
    with op.batch_alter_table("auth_userobjectpermission", schema=None) as batch_op:
        batch_op.create_index(
            "auth_userobjectpermission_content_type_object_id_idx",
            ["content_type", "object_id"],
            unique=False,
        )
        batch_op.create_index(
            "auth_userobjectpermission_content_type_object_pk_idx",
            ["content_type", "object_pk"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_auth_userobjectpermission_permission_id"),
            ["permission_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_auth_userobjectpermission_user_id"), ["user_id"], unique=False
        )


def create_mfa_tables(user: SwappableTarget) -> None:
    """``auth_recoverycode`` and ``auth_totpdevice`` (from 0002), keyed to ``user``."""
    op.create_table(
        "auth_recoverycode",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "user_id",
            user.key_type,
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("code_hash", sa.String(length=255), autoincrement=False, nullable=False),
        sa.Column("used", sa.Boolean(), autoincrement=False, nullable=False),
        sa.Column(
            "created",
            sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql"),
            autoincrement=False,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["user_id"], [user.reference], name="auth_recoverycode_user_id_fk"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_recoverycode")),
        info={"app_label": "auth"},
    )
    with op.batch_alter_table("auth_recoverycode", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_recoverycode_user_id"), ["user_id"], unique=False)

    op.create_table(
        "auth_totpdevice",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "user_id",
            user.key_type,
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=64), autoincrement=False, nullable=False),
        sa.Column("secret", sa.String(length=255), autoincrement=False, nullable=False),
        sa.Column("confirmed", sa.Boolean(), autoincrement=False, nullable=False),
        sa.Column("last_step", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column(
            "created",
            sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql"),
            autoincrement=False,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["user_id"], [user.reference], name="auth_totpdevice_user_id_fk"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_totpdevice")),
        info={"app_label": "auth"},
    )
    with op.batch_alter_table("auth_totpdevice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_totpdevice_user_id"), ["user_id"], unique=False)


def create_webauthncredential(user: SwappableTarget) -> None:
    """``auth_webauthncredential`` (from 0003), keyed to ``user``."""
    op.create_table(
        "auth_webauthncredential",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "user_id",
            user.key_type,
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("credential_id", sa.String(length=512), autoincrement=False, nullable=False),
        sa.Column(
            "public_key",
            sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("sign_count", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=64), autoincrement=False, nullable=False),
        sa.Column(
            "created",
            sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column(
            "last_used",
            sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql"),
            autoincrement=False,
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], [user.reference], name="auth_webauthncredential_user_id_fk"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_webauthncredential")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_auth_webauthncredential_credential_id")),
        info={"app_label": "auth"},
    )
    with op.batch_alter_table("auth_webauthncredential", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_webauthncredential_user_id"), ["user_id"], unique=False
        )
