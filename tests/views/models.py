"""The model the generic view tests run against (app label ``viewtests``)."""

from __future__ import annotations

from bastion.db import models


class Note(models.Model):
    owner = models.CharField(max_length=50)
    title = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    body = models.TextField(blank=True, default="")
    is_staff = models.BooleanField(default=False)

    class Meta:
        app_label = "viewtests"

    def __str__(self) -> str:
        return self.title
