"""The second-factor tables: ``TOTPDevice`` (an authenticator app) and ``RecoveryCode``.

Rows are written by :mod:`bastion.auth.mfa`, never directly: the secret column holds an
encrypted secret (:func:`bastion.auth.mfa.totp.seal_secret`) and the code column a password
hash, so neither a database dump nor a backup is enough to pass the second step.
"""

from __future__ import annotations

from bastion.db import models

__all__ = ["RecoveryCode", "TOTPDevice"]


class TOTPDevice(models.Model):
    """One authenticator app of ``user``.

    ``confirmed`` is False until the user has typed one valid code (enrolment); only a
    confirmed device is asked for at login. ``last_step`` is the RFC 6238 time step of the
    last accepted code: a code of that step or an earlier one is refused, so each code works
    once, even within its validity window.
    """

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=64, default="Authenticator app")
    secret = models.CharField(max_length=255)
    confirmed = models.BooleanField(default=False)
    last_step = models.BigIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "auth"
        db_table = "auth_totpdevice"

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed else "pending"
        return f"{self.name} ({state})"


class RecoveryCode(models.Model):
    """One single-use recovery code of ``user``, stored as a password hash.

    ``used`` is set, in one conditional UPDATE, when the code is spent; two requests racing
    with the same code cannot both succeed.
    """

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=255)
    used = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "auth"
        db_table = "auth_recoverycode"

    def __str__(self) -> str:
        return "recovery code (used)" if self.used else "recovery code"
