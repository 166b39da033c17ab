"""Model field classes (re-exported by :mod:`bastion.db.models`)."""

__all__ = [
    "BINARY_COLLATION",
    "NOT_PROVIDED",
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BinaryField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "DurationField",
    "EmailField",
    "Field",
    "FileField",
    "FloatField",
    "IntegerField",
    "JSONField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "TimeField",
    "URLField",
    "UUIDField",
]

from bastion.db.models.fields.base import NOT_PROVIDED as NOT_PROVIDED
from bastion.db.models.fields.base import Field as Field
from bastion.db.models.fields.files import FileField as FileField
from bastion.db.models.fields.scalars import BINARY_COLLATION as BINARY_COLLATION
from bastion.db.models.fields.scalars import AutoField as AutoField
from bastion.db.models.fields.scalars import BigAutoField as BigAutoField
from bastion.db.models.fields.scalars import BigIntegerField as BigIntegerField
from bastion.db.models.fields.scalars import BooleanField as BooleanField
from bastion.db.models.fields.scalars import CharField as CharField
from bastion.db.models.fields.scalars import DecimalField as DecimalField
from bastion.db.models.fields.scalars import EmailField as EmailField
from bastion.db.models.fields.scalars import FloatField as FloatField
from bastion.db.models.fields.scalars import IntegerField as IntegerField
from bastion.db.models.fields.scalars import PositiveBigIntegerField as PositiveBigIntegerField
from bastion.db.models.fields.scalars import PositiveIntegerField as PositiveIntegerField
from bastion.db.models.fields.scalars import (
    PositiveSmallIntegerField as PositiveSmallIntegerField,
)
from bastion.db.models.fields.scalars import SlugField as SlugField
from bastion.db.models.fields.scalars import SmallIntegerField as SmallIntegerField
from bastion.db.models.fields.scalars import TextField as TextField
from bastion.db.models.fields.scalars import URLField as URLField
from bastion.db.models.fields.structured import BinaryField as BinaryField
from bastion.db.models.fields.structured import JSONField as JSONField
from bastion.db.models.fields.structured import UUIDField as UUIDField
from bastion.db.models.fields.temporal import DateField as DateField
from bastion.db.models.fields.temporal import DateTimeField as DateTimeField
from bastion.db.models.fields.temporal import DurationField as DurationField
from bastion.db.models.fields.temporal import TimeField as TimeField
