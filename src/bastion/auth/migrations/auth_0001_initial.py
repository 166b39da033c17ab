"""Initial

Revision ID: auth_0001_initial
Revises: (first migration)
Create Date: 2026-12-04T20:39:52+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql

from bastion.auth.migrations import create_auditevent, create_userobjectpermission, user_target


revision: str = 'auth_0001_initial'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('auth',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Generated, then split by hand: see bastion.auth.migrations for the user-model tables.
    user = user_target()
    op.create_table('auth_group',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=150), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_group')),
    sa.UniqueConstraint('name', name=op.f('uq_auth_group_name')),
    info={'app_label': 'auth'}
    )

    op.create_table('auth_permission',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('content_type', sa.String(length=100), autoincrement=False, nullable=False),
    sa.Column('codename', sa.String(length=100), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=255), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_permission')),
    sa.UniqueConstraint('content_type', 'codename', name='auth_permission_content_type_codename_uniq'),
    info={'app_label': 'auth'}
    )

    if not user.swapped:
        op.create_table('auth_user',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('username', sa.String(length=150), autoincrement=False, nullable=True),
        sa.Column('email', sa.String(length=254), autoincrement=False, nullable=False),
        sa.Column('password', sa.String(length=255), autoincrement=False, nullable=False),
        sa.Column('is_active', sa.Boolean(), autoincrement=False, nullable=False),
        sa.Column('is_staff', sa.Boolean(), autoincrement=False, nullable=False),
        sa.Column('is_superuser', sa.Boolean(), autoincrement=False, nullable=False),
        sa.Column('last_login', sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), 'mysql'), autoincrement=False, nullable=True),
        sa.Column('date_joined', sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), 'mysql'), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_user')),
        sa.UniqueConstraint('email', name=op.f('uq_auth_user_email')),
        sa.UniqueConstraint('username', name=op.f('uq_auth_user_username')),
        info={'app_label': 'auth'}
        )
        create_auditevent(user)

    op.create_table('auth_group_permissions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('permission_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['auth_group.id'], name='auth_group_permissions_group_id_fk'),
    sa.ForeignKeyConstraint(['permission_id'], ['auth_permission.id'], name='auth_group_permissions_permission_id_fk'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_group_permissions')),
    sa.UniqueConstraint('group_id', 'permission_id', name='auth_group_permissions_group_id_permission_id_uniq'),
    info={'app_label': 'auth'}
    )
    with op.batch_alter_table('auth_group_permissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_group_permissions_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_group_permissions_permission_id'), ['permission_id'], unique=False)

    op.create_table('auth_groupobjectpermission',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('permission_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('content_type', sa.String(length=100), autoincrement=False, nullable=False),
    sa.Column('object_pk', sa.String(length=255), autoincrement=False, nullable=False),
    sa.Column('object_id', sa.BigInteger(), autoincrement=False, nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['auth_group.id'], name='auth_groupobjectpermission_group_id_fk'),
    sa.ForeignKeyConstraint(['permission_id'], ['auth_permission.id'], name='auth_groupobjectpermission_permission_id_fk'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_groupobjectpermission')),
    sa.UniqueConstraint('group_id', 'permission_id', 'object_pk', name='auth_groupobjectpermission_group_id_permission_id__38f6c901_uni'),
    info={'app_label': 'auth'}
    )
    with op.batch_alter_table('auth_groupobjectpermission', schema=None) as batch_op:
        batch_op.create_index('auth_groupobjectpermission_content_type_object_id_idx', ['content_type', 'object_id'], unique=False)
        batch_op.create_index('auth_groupobjectpermission_content_type_object_pk_idx', ['content_type', 'object_pk'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_groupobjectpermission_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_groupobjectpermission_permission_id'), ['permission_id'], unique=False)

    if not user.swapped:
        op.create_table('auth_user_groups',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
        sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['auth_group.id'], name='auth_user_groups_group_id_fk'),
        sa.ForeignKeyConstraint(['user_id'], ['auth_user.id'], name='auth_user_groups_user_id_fk'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_user_groups')),
        sa.UniqueConstraint('user_id', 'group_id', name='auth_user_groups_user_id_group_id_uniq'),
        info={'app_label': 'auth'}
        )
        with op.batch_alter_table('auth_user_groups', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_auth_user_groups_group_id'), ['group_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_auth_user_groups_user_id'), ['user_id'], unique=False)

        op.create_table('auth_user_user_permissions',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
        sa.Column('permission_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(['permission_id'], ['auth_permission.id'], name='auth_user_user_permissions_permission_id_fk'),
        sa.ForeignKeyConstraint(['user_id'], ['auth_user.id'], name='auth_user_user_permissions_user_id_fk'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_user_user_permissions')),
        sa.UniqueConstraint('user_id', 'permission_id', name='auth_user_user_permissions_user_id_permission_id_uniq'),
        info={'app_label': 'auth'}
        )
        with op.batch_alter_table('auth_user_user_permissions', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_auth_user_user_permissions_permission_id'), ['permission_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_auth_user_user_permissions_user_id'), ['user_id'], unique=False)
        create_userobjectpermission(user)


def downgrade() -> None:
    if not user_target().swapped:
        op.drop_table('auth_userobjectpermission')
        op.drop_table('auth_user_user_permissions')
        op.drop_table('auth_user_groups')
    op.drop_table('auth_groupobjectpermission')
    op.drop_table('auth_group_permissions')
    if not user_target().swapped:
        op.drop_table('auth_auditevent')
        op.drop_table('auth_user')
    op.drop_table('auth_permission')
    op.drop_table('auth_group')
