"""``bastion secretkey``: print a new random secret key for ``BASTION_SECRET_KEY``."""

from __future__ import annotations

import secrets

import click

from bastion.settings.core import secret_key_problem

__all__ = ["generate_secret_key", "secretkey_command"]

KEY_BYTES = 48
"""Random bytes in a key; URL-safe base64 turns 48 bytes into 64 characters (384 bits)."""


def generate_secret_key() -> str:
    """A new 64-character key that :func:`~bastion.settings.core.secret_key_problem` accepts.

    A random key may, very rarely, begin with a word the weak-key check refuses (``dev``,
    ``secret``...); such a key is drawn again rather than handed out to fail at start-up.
    """
    while True:
        key = secrets.token_urlsafe(KEY_BYTES)
        if secret_key_problem(key) is None:
            return key


@click.command("secretkey")
def secretkey_command() -> None:
    """Print a new random secret key (for BASTION_SECRET_KEY).

    The key goes to standard output only; store it in your secret manager or deployment
    environment, never in version control.
    """
    click.echo(generate_secret_key())
