"""``bastion unlock LOGIN``: end an account's lockout from a terminal (django-axes' reset).

Lockouts live in the shared cache (``CACHE_URL``), so the command reaches the same Redis or
memcached the web workers use and clears the account's lock, its failure count and its
backoff level. The action is audited (``login.unlocked``, by the CLI). ``--client IP`` also
lifts the per-client throttle of one address.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import click

from bastion.cli.commands.migrate import project_databases
from bastion.cli.discovery import ProjectContext, pass_project

__all__ = ["unlock_account", "unlock_command"]


def unlock_account(app: Any, login: str, client: str | None = None) -> None:
    """Clear ``login``'s lockout (and ``client``'s throttle) in ``app``'s cache; audited.

    Needs ``app``'s databases active: the audit event is a row.
    """
    from bastion.auth.lockout import Lockout

    lockout = Lockout(app.cache)
    lockout.unlock(login, by="cli")
    if client is not None:
        lockout.unblock_address(client)


def _address(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an IP address.") from None


@click.command("unlock")
@click.argument("login")
@click.option(
    "--client",
    metavar="IP",
    callback=_address,
    help="Also lift the failed-login throttle of this client address.",
)
@pass_project
def unlock_command(project: ProjectContext, login: str, client: str | None) -> None:
    """Unlock the account LOGIN (its email, or username) locked by failed logins."""
    app = project.load_app()
    with project_databases(app) as databases, databases.activate():
        try:
            unlock_account(app, login, client)
        finally:
            databases.release()
    click.echo(f"Unlocked {login}." + (f" Throttle lifted for {client}." if client else ""))
