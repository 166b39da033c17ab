"""A project's own user model: UUID keys, login by username, a display name."""

from __future__ import annotations

import uuid
from typing import ClassVar

from bastion.auth.models import AbstractUser
from bastion.db import models


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    username = models.CharField(max_length=150, unique=True)
    display_name = models.CharField(max_length=100, blank=True, default="")
    groups = models.ManyToManyField("auth.Group", related_name="users")
    user_permissions = models.ManyToManyField("auth.Permission", related_name="users")

    USERNAME_FIELD: ClassVar[str] = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["email"]

    class Meta:
        app_label = "accounts"
