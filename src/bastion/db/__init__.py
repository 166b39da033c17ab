"""The data layer: databases, transactions and (in :mod:`bastion.db.models`) the ORM."""

from bastion.db.engine import DEFAULT_DB_ALIAS as DEFAULT_DB_ALIAS
from bastion.db.engine import Databases as Databases
from bastion.db.engine import Router as Router
from bastion.db.engine import databases as databases
from bastion.db.exceptions import DatabaseError as DatabaseError
from bastion.db.exceptions import FieldError as FieldError
from bastion.db.exceptions import IntegrityError as IntegrityError
from bastion.db.exceptions import MultipleObjectsReturned as MultipleObjectsReturned
from bastion.db.exceptions import ObjectDoesNotExist as ObjectDoesNotExist
from bastion.db.exceptions import OperationalError as OperationalError
from bastion.db.exceptions import ProtectedError as ProtectedError
from bastion.db.exceptions import RestrictedError as RestrictedError
from bastion.db.exceptions import TransactionManagementError as TransactionManagementError
from bastion.db.transaction import atomic as atomic
from bastion.db.transaction import get_connection as get_connection
from bastion.db.transaction import on_commit as on_commit

__all__ = [
    "DEFAULT_DB_ALIAS",
    "DatabaseError",
    "Databases",
    "FieldError",
    "IntegrityError",
    "MultipleObjectsReturned",
    "ObjectDoesNotExist",
    "OperationalError",
    "ProtectedError",
    "RestrictedError",
    "Router",
    "TransactionManagementError",
    "atomic",
    "databases",
    "get_connection",
    "on_commit",
]
