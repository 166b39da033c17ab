"""``AuditEvent``: one row per security-relevant event (who, what, when, from where).

Rows are written by :func:`bastion.auth.audit.audit`, which strips anything secret from
``detail`` first; nothing here should be written to directly.
"""

from __future__ import annotations

from bastion.db import models

__all__ = ["AuditEvent"]


class AuditEvent(models.Model):
    """An event such as ``login.failed`` or ``permission.granted``.

    ``user`` is kept nullable and set to NULL when the user is deleted, so the trail of an
    account outlives the account; ``detail`` says who it was at the time when that matters.
    """

    kind = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip = models.CharField(max_length=45, null=True, blank=True)  # IPv6 text is at most 45
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    detail = models.JSONField(default=dict)

    class Meta:
        app_label = "auth"
        db_table = "auth_auditevent"
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return f"{self.kind} at {self.created:%Y-%m-%d %H:%M:%S} UTC"
