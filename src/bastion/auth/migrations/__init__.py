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

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

from bastion.db.migrations import SwappableTarget, swappable_target

USER_SETTING = "AUTH_USER_MODEL"


def user_target() -> SwappableTarget:
    """Where keys to the user point: ``auth_user.id``, or the project's own user table."""
    return swappable_target(USER_SETTING)


_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MOMENT = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql")


def _column(name: str, type_: Any, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, type_, autoincrement=False, nullable=nullable)


def _keyed_to_user(
    table: str,
    user: SwappableTarget,
    *items: sa.Column[Any] | sa.Constraint,
    user_nullable: bool = False,
    indexes: tuple[tuple[str | None, list[str]], ...] = (),
) -> None:
    """Create ``table``: an auto-numbered ``id``, ``user_id`` keyed to ``user`` (indexed),
    then ``items``; ``indexes`` are (name, columns), a None name is the convention's."""
    op.create_table(
        table,
        sa.Column("id", _KEY, autoincrement=True, nullable=False),
        _column("user_id", user.key_type, nullable=user_nullable),
        *items,
        sa.ForeignKeyConstraint(["user_id"], [user.reference], name=f"{table}_user_id_fk"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        info={"app_label": "auth"},
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, columns in (*indexes, (None, ["user_id"])):
            index = name or batch_op.f(f"ix_{table}_{'_'.join(columns)}")
            batch_op.create_index(index, columns, unique=False)


def create_auditevent(user: SwappableTarget) -> None:
    """``auth_auditevent`` (from 0001), keyed to ``user``."""
    _keyed_to_user(
        "auth_auditevent",
        user,
        _column("kind", sa.String(length=64)),
        _column("ip", sa.String(length=45), nullable=True),
        _column("created", _MOMENT),
        _column(
            "detail", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
        ),
        user_nullable=True,
        indexes=((None, ["created"]), (None, ["kind"])),
    )


def create_userobjectpermission(user: SwappableTarget) -> None:
    """``auth_userobjectpermission`` (from 0001), keyed to ``user``."""
    table = "auth_userobjectpermission"
    _keyed_to_user(
        table,
        user,
        _column("permission_id", _KEY),
        _column("content_type", sa.String(length=100)),
        _column("object_pk", sa.String(length=255)),
        _column("object_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["permission_id"], ["auth_permission.id"], name=f"{table}_permission_id_fk"
        ),
        sa.UniqueConstraint(
            "user_id",
            "permission_id",
            "object_pk",
            name=f"{table}_user_id_permission_id_object_pk_uniq",
        ),
        indexes=(
            (f"{table}_content_type_object_id_idx", ["content_type", "object_id"]),
            (f"{table}_content_type_object_pk_idx", ["content_type", "object_pk"]),
            (None, ["permission_id"]),
        ),
    )


def create_mfa_tables(user: SwappableTarget) -> None:
    """``auth_recoverycode`` and ``auth_totpdevice`` (from 0002), keyed to ``user``."""
    _keyed_to_user(
        "auth_recoverycode",
        user,
        _column("code_hash", sa.String(length=255)),
        _column("used", sa.Boolean()),
        _column("created", _MOMENT),
    )
    _keyed_to_user(
        "auth_totpdevice",
        user,
        _column("name", sa.String(length=64)),
        _column("secret", sa.String(length=255)),
        _column("confirmed", sa.Boolean()),
        _column("last_step", sa.BigInteger()),
        _column("created", _MOMENT),
    )


def create_webauthncredential(user: SwappableTarget) -> None:
    """``auth_webauthncredential`` (from 0003), keyed to ``user``."""
    _keyed_to_user(
        "auth_webauthncredential",
        user,
        _column("credential_id", sa.String(length=512)),
        _column("public_key", sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")),
        _column("sign_count", sa.BigInteger()),
        _column("name", sa.String(length=64)),
        _column("created", _MOMENT),
        _column("last_used", _MOMENT, nullable=True),
        sa.UniqueConstraint("credential_id", name=op.f("uq_auth_webauthncredential_credential_id")),
    )
