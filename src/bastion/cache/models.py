"""The table of the ``db://`` cache backend: one row per entry.

Importing this module registers the model (app label ``cache``, table ``cache_entry``); the
backend imports it when ``CACHE_URL`` names it, so other projects never get the table.
"""

from __future__ import annotations

from bastion.cache.backends.base import MAX_KEY_BYTES
from bastion.db import models

__all__ = ["CacheEntry"]


class CacheEntry(models.Model):
    """One cache entry: the final key, the JSON text of the value, and when it expires.

    ``cache_key`` is the final key (prefix and version included), at most 250 UTF-8 bytes,
    so 250 characters always hold it. ``expires`` is NULL for an entry without expiry; it
    is indexed so that expired rows can be removed in one statement.
    """

    # Byte-for-byte keys: MariaDB's default collation would make "Key" and "key" one entry.
    cache_key = models.CharField(
        max_length=MAX_KEY_BYTES, primary_key=True, db_collation=models.BINARY_COLLATION
    )
    value = models.TextField()
    expires = models.DateTimeField(null=True, db_index=True)

    class Meta:
        app_label = "cache"
        db_table = "cache_entry"

    def __str__(self) -> str:
        return self.cache_key
