"""UUIDs, bytes and JSON."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from bastion.db.models.fields.base import Converter, Field
from bastion.exceptions import ValidationError

__all__ = ["BinaryField", "JSONField", "UUIDField"]


class UUIDField(Field[uuid.UUID]):
    """A UUID: native on PostgreSQL, 32 hex characters elsewhere."""

    python_type = uuid.UUID
    empty_strings_allowed = False

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Uuid(as_uuid=True)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, uuid.UUID):
            return value
        try:
            return (
                uuid.UUID(str(value).strip())
                if not isinstance(value, int)
                else uuid.UUID(int=value)
            )
        except ValueError:
            raise ValidationError(
                "“%(value)s” is not a valid UUID.", code="invalid", params={"value": value}
            ) from None

    def db_converter(self, vendor: str) -> Converter | None:
        return None if vendor == "postgresql" else (lambda value: value.hex)

    def result_converter(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            return None
        return lambda value: None if value is None else uuid.UUID(value)


class BinaryField(Field[bytes]):
    """Raw bytes (not editable in forms by default)."""

    python_type = bytes
    empty_values = (None, b"")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")

    def get_default(self) -> Any:
        if self.has_default or self.null:
            return super().get_default()
        return b""

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, bytes):
            return value
        if isinstance(value, (bytearray, memoryview)):
            return bytes(value)
        raise ValidationError("Enter bytes.", code="invalid")

    def result_converter(self, vendor: str) -> Converter | None:
        return lambda value: bytes(value) if isinstance(value, (bytearray, memoryview)) else value


class JSONField(Field[Any]):
    """A JSON document: ``jsonb`` on PostgreSQL, ``json`` on MariaDB, JSON1 text on SQLite.

    Query into it with key paths: ``filter(data__owner__name="x")``. Keys are always bound
    as parameters, never written into the SQL.
    """

    empty_strings_allowed = False
    empty_values = (None, "", [], (), {})

    def __init__(self, *args: Any, encoder: type[json.JSONEncoder] | None = None, **kw: Any):
        self.encoder = encoder
        super().__init__(*args, **kw)

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

    def dumps(self, value: Any) -> str:
        return json.dumps(value, cls=self.encoder, separators=(",", ":"), allow_nan=False)

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        return value

    def validate(self, value: Any, instance: Any) -> None:
        super().validate(value, instance)
        try:
            self.dumps(value)
        except (TypeError, ValueError):
            raise ValidationError("Value must be valid JSON.", code="invalid") from None

    def db_converter(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            from psycopg.types.json import Jsonb

            return lambda value: Jsonb(value, dumps=self.dumps)
        return self.dumps

    def result_converter(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            return None
        return lambda value: json.loads(value) if isinstance(value, (str, bytes)) else value
