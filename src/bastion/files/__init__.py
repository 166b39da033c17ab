"""Uploaded files: validation by content, storage under random names, and safe serving.

``validate_upload`` decides a file's type from its bytes; a :class:`Storage` keeps it under a
name it chooses; ``serve`` sends it back as a sandboxed download. The model field that
stores the name is :class:`bastion.db.models.FileField`.
"""

from bastion.files.serving import UPLOAD_CSP as UPLOAD_CSP
from bastion.files.serving import serve as serve
from bastion.files.storage import FileSystemStorage as FileSystemStorage
from bastion.files.storage import InMemoryStorage as InMemoryStorage
from bastion.files.storage import Storage as Storage
from bastion.files.storage import SuspiciousFileName as SuspiciousFileName
from bastion.files.storage import check_name as check_name
from bastion.files.validation import DANGEROUS_EXTENSIONS as DANGEROUS_EXTENSIONS
from bastion.files.validation import sniff as sniff
from bastion.files.validation import validate_upload as validate_upload

__all__ = [
    "DANGEROUS_EXTENSIONS",
    "UPLOAD_CSP",
    "FileSystemStorage",
    "InMemoryStorage",
    "Storage",
    "SuspiciousFileName",
    "check_name",
    "serve",
    "sniff",
    "validate_upload",
]
