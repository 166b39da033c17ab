"""``bastion createsuperuser``: create a user who is staff and superuser, from a terminal.

The password is asked twice without echo (or, for scripts, read from the environment
variable ``BASTION_SUPERUSER_PASSWORD`` with ``--noinput``: never from a command-line
option, which other local users could read in the process list and shell history). It must
pass the project's password validators: an administrator's account is the last one that
should have a weak password.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from bastion.cli.commands.migrate import project_databases
from bastion.cli.discovery import ProjectContext, pass_project

__all__ = ["PASSWORD_ENV", "create_superuser", "createsuperuser_command", "password_problems"]

# The name of an environment variable, not a password: hence the noqa/nosec.
PASSWORD_ENV = "BASTION_SUPERUSER_PASSWORD"  # noqa: S105  # nosec B105


def password_problems(password: str, user: Any) -> list[str]:
    """What is wrong with ``password`` for ``user``: the validators' messages, or nothing.

    The validators (:func:`bastion.auth.passwords.validate_password`) are used when that
    module is present; an empty password is always refused.
    """
    if not password:
        return ["The password cannot be empty."]
    try:
        from bastion.auth.passwords import validate_password
    except ImportError:  # pragma: no cover - the validators ship with bastion.auth
        return []
    from bastion.exceptions import ValidationError

    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return [str(m) for m in exc.messages]
    return []


def create_superuser(email: str, password: str, **extra: Any) -> Any:
    """Create the superuser (on the active databases) and record it in the audit log."""
    from bastion.auth.audit import audit
    from bastion.auth.middleware import get_user_model

    user = get_user_model().objects.create_superuser(email, password, **extra)
    audit("user.superuser_created", user=user, via="cli")
    return user


def _ask_password(user: Any, problems: Callable[[str, Any], list[str]]) -> str:
    """Prompt (no echo, confirmed) until the password passes the validators."""
    while True:
        password: str = click.prompt(
            "Password",
            hide_input=True,
            confirmation_prompt="Password (again)",
            default="",
            show_default=False,
        )
        found = problems(password, user)
        if not found:
            return password
        for message in found:
            click.echo(f"Error: {message}", err=True)


def _create(email: str, extra: dict[str, Any], noinput: bool) -> Any:
    """Check the email is free, get a valid password, create the user (databases active)."""
    from bastion.auth.middleware import get_user_model
    from bastion.db.exceptions import DatabaseError

    model = get_user_model()
    try:
        taken = model.objects.email_taken(email)
    except DatabaseError as exc:
        raise click.ClickException(
            f"The users table is not there ({exc}); run `bastion migrate` first."
        ) from exc
    if taken:
        raise click.ClickException(f"A user with the email {email} already exists.")
    candidate = model(email=email, **extra)
    if noinput:
        password = os.environ.get(PASSWORD_ENV, "")
        if not password:
            raise click.ClickException(f"Set {PASSWORD_ENV} to the password (--noinput).")
        found = password_problems(password, candidate)
        if found:
            raise click.ClickException(" ".join(found))
    else:
        password = _ask_password(candidate, password_problems)
    return create_superuser(email, password, **extra)


def _required_fields(given: dict[str, Any], noinput: bool) -> dict[str, str]:
    """What the user model needs besides the email and password (``REQUIRED_FIELDS``, and
    ``username`` when people log in with it): prompted for, or with ``--noinput`` read from
    ``BASTION_SUPERUSER_<FIELD>``."""
    from bastion.auth.middleware import get_user_model

    model = get_user_model()
    needed = [*model.REQUIRED_FIELDS]
    if model.USERNAME_FIELD != model.EMAIL_FIELD:
        needed.insert(0, model.USERNAME_FIELD)
    values: dict[str, str] = {}
    for name in dict.fromkeys(needed):
        if name in given or name in ("email", "password"):
            continue
        if noinput:
            variable = f"BASTION_SUPERUSER_{name.upper()}"
            value = os.environ.get(variable, "")
            if not value:
                raise click.ClickException(f"Set {variable} (the user model requires {name}).")
        else:
            value = click.prompt(model._meta.get_field(name).verbose_name.capitalize())
        values[name] = value
    return values


@click.command("createsuperuser")
@click.option("--email", help="The superuser's email address (asked for when missing).")
@click.option("--username", default=None, help="An optional username.")
@click.option(
    "--noinput",
    "--no-input",
    "noinput",
    is_flag=True,
    help=f"Ask nothing: --email is required and the password is read from ${PASSWORD_ENV}.",
)
@pass_project
def createsuperuser_command(
    project: ProjectContext, email: str | None, username: str | None, noinput: bool
) -> None:
    """Create a superuser (staff, every permission) in the project's database.

    The password is prompted for twice without echo and must pass the password validators.
    """
    from bastion.auth.models import normalize_email

    app = project.load_app()
    if noinput and not email:
        raise click.UsageError("--email is required with --noinput.")
    if not email:
        email = click.prompt("Email")
    email = normalize_email(email or "")
    if "@" not in email:
        raise click.BadParameter("Enter a valid email address.", param_hint="--email")
    extra: dict[str, Any] = {"username": username} if username else {}
    extra.update(_required_fields(extra, noinput))
    with project_databases(app) as databases, databases.activate():
        try:
            user = _create(email, extra, noinput)
        finally:
            databases.release()  # the connection goes back before the engine is closed
    click.echo(f"Superuser created: {user.email}")
