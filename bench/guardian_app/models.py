"""``Doc``: the object django-guardian grants ``change_doc`` on in the benchmark."""

from __future__ import annotations

from django.db import models


class Doc(models.Model):
    """A document with a title, as small as the Bastion ``Doc`` it is compared with."""

    title = models.CharField(max_length=100)
