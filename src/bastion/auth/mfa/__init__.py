"""Multi-factor authentication: TOTP devices, passkeys, recovery codes and the two-step login.

* :mod:`~bastion.auth.mfa.totp` — authenticator-app codes (RFC 6238), each usable once;
* :mod:`~bastion.auth.mfa.recovery` — ten single-use recovery codes, stored hashed;
* :mod:`~bastion.auth.mfa.flow` — the half-logged-in state between password and code;
* :mod:`~bastion.auth.mfa.policy` — ``MFA_REQUIRED``: who must enrol;
* :mod:`~bastion.auth.mfa.views` — the pages, and ``mfa_routes`` to mount them;
* :mod:`~bastion.auth.mfa.passkeys` — WebAuthn registration and assertion checks;
* :mod:`~bastion.auth.mfa.passkey_views` — the passkey pages, and ``passkey_routes``.

See ``docs/mfa.md``.
"""
