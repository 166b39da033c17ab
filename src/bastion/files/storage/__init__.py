"""Storages: where uploaded files live, behind one small interface."""

from bastion.files.storage.base import Storage as Storage
from bastion.files.storage.base import SuspiciousFileName as SuspiciousFileName
from bastion.files.storage.base import check_name as check_name
from bastion.files.storage.filesystem import FileSystemStorage as FileSystemStorage
from bastion.files.storage.memory import InMemoryStorage as InMemoryStorage

__all__ = ["FileSystemStorage", "InMemoryStorage", "Storage", "SuspiciousFileName", "check_name"]
