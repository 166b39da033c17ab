"""The passkey table: ``WebAuthnCredential``, one public-key credential of a user.

Only the *public* key is stored: a database dump lets nobody pass the second step, unlike a
password hash (which can be cracked) or a TOTP secret (which must be sealed). Rows are written
by :mod:`bastion.auth.mfa.passkeys`, after the authenticator's response was verified.
"""

from __future__ import annotations

from bastion.db import models

__all__ = ["WebAuthnCredential"]


class WebAuthnCredential(models.Model):
    """One passkey (security key, phone, platform authenticator) of ``user``.

    ``credential_id`` is the authenticator's id in unpadded base64url text; it is unique, so
    the same authenticator cannot be bound to two accounts. ``sign_count`` is the last
    signature counter seen: a later assertion with a counter that did not grow (when either is
    non-zero) means the key may have been cloned, and is refused.
    """

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    credential_id = models.CharField(max_length=512, unique=True)
    public_key = models.BinaryField()
    sign_count = models.BigIntegerField(default=0)
    name = models.CharField(max_length=64, default="Passkey")
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "auth"
        db_table = "auth_webauthncredential"

    def __str__(self) -> str:
        return self.name
