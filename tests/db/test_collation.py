"""``db_collation``: one name everywhere, or names by vendor (binary keys on MariaDB)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.schema import CreateColumn

from bastion.db import models


def ddl(field: models.CharField, dialect: sa.engine.Dialect) -> str:
    column = sa.Column("token", field.sa_type())
    sa.Table("t", sa.MetaData(), column)
    return str(CreateColumn(column).compile(dialect=dialect))


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (mysql.dialect(), "token VARCHAR(40) COLLATE utf8mb4_bin"),
        (postgresql.dialect(), 'token VARCHAR(40) COLLATE "C"'),
        (sqlite.dialect(), "token VARCHAR(40)"),
    ],
)
def test_binary_collation_by_vendor(dialect: sa.engine.Dialect, expected: str) -> None:
    field = models.CharField(max_length=40, db_collation=models.BINARY_COLLATION)
    assert ddl(field, dialect) == expected


def test_one_collation_name_applies_everywhere() -> None:
    field = models.CharField(max_length=10, db_collation="NOCASE")
    assert ddl(field, sqlite.dialect()) == 'token VARCHAR(10) COLLATE "NOCASE"'


def test_no_collation_by_default() -> None:
    assert ddl(models.CharField(max_length=10), mysql.dialect()) == "token VARCHAR(10)"
