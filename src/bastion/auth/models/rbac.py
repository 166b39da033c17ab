"""Roles and permissions: ``Group``, ``Permission`` and the object-permission tables.

A permission is named ``"<app_label>.<codename>"`` (``"docs.change_document"``) and belongs
to one model through ``content_type``, the model's lower-case label (``"docs.document"``).
There are no generic foreign keys, so a grant on one object records the object by that label
and its primary key as a string (``object_pk``); integer keys are also kept in ``object_id``
so ``for_user`` can match them against an integer column without a cast (PostgreSQL refuses
to compare ``bigint`` with ``varchar``).
"""

from __future__ import annotations

from bastion.db import models

__all__ = ["Group", "GroupObjectPermission", "Permission", "UserObjectPermission"]


class Permission(models.Model):
    """One thing that may be done to one kind of object: ``add``, ``change``... a model."""

    content_type = models.CharField(max_length=100)
    codename = models.CharField(max_length=100)
    name = models.CharField(max_length=255)

    class Meta:
        app_label = "auth"
        db_table = "auth_permission"
        unique_together = ("content_type", "codename")
        ordering = ("content_type", "codename")

    def __str__(self) -> str:
        return self.perm

    @property
    def app_label(self) -> str:
        return self.content_type.partition(".")[0]

    @property
    def perm(self) -> str:
        """The name ``has_perm`` takes: ``"docs.change_document"``."""
        return f"{self.app_label}.{self.codename}"


class Group(models.Model):
    """A role: users in it have all of its permissions."""

    name = models.CharField(max_length=150, unique=True)
    permissions = models.ManyToManyField(Permission, related_name="groups")

    class Meta:
        app_label = "auth"
        db_table = "auth_group"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class UserObjectPermission(models.Model):
    """``user`` may use ``permission`` on the one object ``content_type``/``object_pk``."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    permission = models.ForeignKey(Permission, on_delete=models.CASCADE, related_name="+")
    content_type = models.CharField(max_length=100)
    object_pk = models.CharField(max_length=255)
    object_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        app_label = "auth"
        db_table = "auth_userobjectpermission"
        unique_together = ("user", "permission", "object_pk")
        indexes = (
            models.Index(fields=["content_type", "object_pk"]),
            models.Index(fields=["content_type", "object_id"]),
        )

    def __str__(self) -> str:
        return f"user grant on {self.content_type}:{self.object_pk}"


class GroupObjectPermission(models.Model):
    """Everyone in ``group`` may use ``permission`` on one object (see the user version)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    permission = models.ForeignKey(Permission, on_delete=models.CASCADE, related_name="+")
    content_type = models.CharField(max_length=100)
    object_pk = models.CharField(max_length=255)
    object_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        app_label = "auth"
        db_table = "auth_groupobjectpermission"
        unique_together = ("group", "permission", "object_pk")
        indexes = (
            models.Index(fields=["content_type", "object_pk"]),
            models.Index(fields=["content_type", "object_id"]),
        )

    def __str__(self) -> str:
        return f"group grant on {self.content_type}:{self.object_pk}"
