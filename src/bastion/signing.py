"""Signed values for your own features: tokens in links, values in cookies, expiring data.

The public face of :mod:`bastion.security.signing`::

    from bastion.signing import Signer, BadSignature, signer_from_settings

    signer = signer_from_settings(settings, salt="newsletter.unsubscribe")
    token = signer.sign(str(user_id))
    user_id = int(signer.unsign(token, max_age=7 * 24 * 3600))

See ``docs/signing.md``.
"""

from __future__ import annotations

from bastion.security.signing import CLOCK_SKEW as CLOCK_SKEW
from bastion.security.signing import BadSignature as BadSignature
from bastion.security.signing import SignatureExpired as SignatureExpired
from bastion.security.signing import Signer as Signer
from bastion.security.signing import signer_from_settings as signer_from_settings

__all__ = ["CLOCK_SKEW", "BadSignature", "SignatureExpired", "Signer", "signer_from_settings"]
