"""``FileField``: a model column holding the storage name of an uploaded file.

Assign an upload (or bytes, or a binary file) to the attribute and save: the content is
stored under a new random name inside the save's transaction, and the column receives that
name. If the transaction then rolls back, the stored file is deleted again, so a failed
save leaves no orphan. The client's file name never becomes part of the stored name.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, TypeGuard

from bastion.db.models import signals
from bastion.db.models.fields.scalars import CharField
from bastion.exceptions import ImproperlyConfigured, ValidationError
from bastion.files.storage.base import Storage, SuspiciousFileName, check_name
from bastion.files.validation import Upload, validate_upload
from bastion.http.uploads import UploadedFile

if TYPE_CHECKING:
    from bastion.db.models.base import Model

__all__ = ["FileField"]

# The random part of a name and its extension ("<24 characters>.webp").
_GENERATED_LENGTH = 29


def is_pending(value: object) -> TypeGuard[Upload]:
    """Whether ``value`` is content waiting to be stored rather than a storage name."""
    return isinstance(value, UploadedFile | bytes | bytearray | memoryview | io.IOBase)


class FileField(CharField):
    """The storage name of a file; assign content to store it on ``save()``.

    Reading the attribute gives the name (a ``str``) once saved; open it with
    ``field.storage.open(name)`` or serve it with :func:`bastion.files.serve`. Replacing or
    deleting a row does not delete its old file (other rows or a backup may still name it).

    Only ``save()`` stores content: ``bulk_create()`` and ``update()`` with an upload raise,
    as they send no ``pre_save`` signal.

    Args:
        storage: A :class:`~bastion.files.Storage`, or a callable returning one (called on
            first use, so it may read settings); required before content is saved.
        upload_to: A directory prefix inside the storage, e.g. ``"attachments"``.
        max_length: The column length; it must hold ``upload_to`` plus 30 characters.
        allowed_types: When given, ``full_clean()`` checks pending content with
            :func:`~bastion.files.validate_upload` and the form field accepts these types.
        max_size: The largest content accepted by ``full_clean()`` and the form field.
        allow_dangerous: Accept client file names with a dangerous extension.
        **kwargs: The options of every field (``null``, ``blank``, ``help_text``...).

    Raises:
        ImproperlyConfigured: ``upload_to`` is not a valid name prefix or does not fit.
    """

    description = "File"

    def __init__(
        self,
        verbose_name: str | None = None,
        *,
        storage: Storage | Callable[[], Storage] | None = None,
        upload_to: str = "",
        max_length: int = 255,
        allowed_types: Collection[str] | None = None,
        max_size: int | None = None,
        allow_dangerous: bool = False,
        **kwargs: Any,
    ) -> None:
        upload_to = upload_to.strip("/")
        if upload_to:
            try:
                check_name(upload_to)
            except SuspiciousFileName as exc:
                raise ImproperlyConfigured(f"FileField upload_to={upload_to!r}: {exc}") from None
        if len(upload_to) + 1 + _GENERATED_LENGTH > max_length:
            raise ImproperlyConfigured(
                f"FileField max_length={max_length} cannot hold names under "
                f"upload_to={upload_to!r}; make it at least {len(upload_to) + 30}."
            )
        super().__init__(verbose_name, max_length=max_length, **kwargs)
        self._storage = storage
        self.upload_to = upload_to
        self.allowed_types = None if allowed_types is None else frozenset(allowed_types)
        self.max_size = max_size
        self.allow_dangerous = allow_dangerous

    @property
    def storage(self) -> Storage:
        """The storage, the callable given being called once."""
        storage = self._storage
        if storage is None:
            where = f"{self.model.__name__}.{self.name}" if hasattr(self, "model") else "FileField"
            raise ImproperlyConfigured(
                f"{where} has no storage: pass storage=FileSystemStorage(root) (or a callable "
                "returning a storage) to the field."
            )
        if not isinstance(storage, Storage):
            storage = self._storage = storage()
        return storage

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        super().contribute_to_class(model, name)
        # The pre_save signal is the hook that sees the instance, inside save()'s transaction.
        signals.pre_save.connect(self._store_pending, sender=model)

    def _store_pending(
        self,
        sender: type[Model],
        instance: Model,
        using: str,
        update_fields: Collection[str] | None = None,
        **kwargs: Any,
    ) -> None:
        """Store assigned content and put its name in the attribute; undo on rollback."""
        content = instance.__dict__.get(self.attname)
        if not is_pending(content):
            return
        if update_fields is not None and not {self.name, self.attname} & set(update_fields):
            return
        from bastion.db.transaction import get_connection

        storage = self.storage
        original = content.raw_filename if isinstance(content, UploadedFile) else None
        name = storage.save(content, original, upload_to=self.upload_to)
        instance.__dict__[self.attname] = name

        def undo() -> None:
            storage.delete(name)
            if instance.__dict__.get(self.attname) == name:
                instance.__dict__[self.attname] = content  # a retried save stores it again

        get_connection(using).on_rollback(undo)

    def to_python(self, value: Any) -> Any:
        if is_pending(value):
            return value
        return super().to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        if is_pending(value):
            raise ValueError(
                f"{self!r} holds content that was never stored: only Model.save() stores "
                "files (not bulk_create(), update() or a filter)."
            )
        return super().get_prep_value(value)

    def run_validators(self, value: Any) -> None:
        if is_pending(value):
            if self.allowed_types is not None:
                validate_upload(
                    value,
                    allowed_types=self.allowed_types,
                    max_size=self.max_size,
                    allow_dangerous=self.allow_dangerous,
                )
            return
        super().run_validators(value)
        if value not in self.empty_values:
            try:
                check_name(value)
            except SuspiciousFileName:
                raise ValidationError("This is not a valid file name.", code="invalid") from None

    def formfield(self, **kwargs: Any) -> Any:
        """A :class:`bastion.forms.FileField` (imported lazily) with this field's rules."""
        from bastion.forms.fields import FileField as FormFileField

        options: dict[str, Any] = {
            "required": not self.blank,
            "label": (self.verbose_name or self.name).capitalize(),
            "help_text": self.help_text,
            "max_size": self.max_size,
            "allow_dangerous": self.allow_dangerous,
        }
        if self.allowed_types is not None:
            options["allowed_types"] = self.allowed_types
        options.update(kwargs)
        return FormFileField(**options)
