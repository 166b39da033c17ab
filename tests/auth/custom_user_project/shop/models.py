"""An app of the project whose model points at the user through the swappable name."""

from __future__ import annotations

from bastion.db import models


class Order(models.Model):
    owner = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="orders")
    item = models.CharField(max_length=100)

    class Meta:
        app_label = "shop"
