"""Checks of the data layer and the accounts: undefined relations, missing migrations, and
account mail that would not reach anyone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from bastion.checks.messages import CheckMessage

if TYPE_CHECKING:
    from bastion.app import Bastion

__all__ = ["DATABASE_CHECKS", "check_account_mail", "check_migrations", "check_models"]


def check_models(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.E003: a relation names a model that is never defined."""
    from bastion.db.models.registry import registry

    labels = [app.label for app in app.apps]
    for reference in registry.unresolved(from_apps=labels):
        yield CheckMessage(
            "bastion.E003",
            "ERROR",
            f"A relation points at the model {reference}, which is not defined.",
            "Fix the model name in the ForeignKey/ManyToManyField, or install the app that "
            "defines it.",
        )


def check_migrations(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W015: models of an installed app changed and no migration records it."""
    if not any(app.apps):
        return
    # Imported here: it loads Alembic and replays every migration on in-memory SQLite.
    from bastion.db.migrations import MigrationError, pending_changes

    try:
        changes = pending_changes(list(app.apps))
    except MigrationError as exc:
        yield CheckMessage(
            "bastion.W015",
            "WARNING",
            f"The migrations cannot be replayed: {exc}",
            "Fix the migration files (see docs/migrations.md).",
        )
        return
    for label in sorted({change.app_label for change in changes}):
        listed = "; ".join(str(c) for c in changes if c.app_label == label)
        yield CheckMessage(
            "bastion.W015",
            "WARNING",
            f"The models of app {label!r} changed without a migration: {listed}.",
            f"Run `bastion makemigrations {label}`, then `bastion migrate`.",
        )


def check_account_mail(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W016: the auth app would mail reset links to a console, a file or memory."""
    if not deploy or not any(installed.label == "auth" for installed in app.apps):
        return
    scheme = app.settings.EMAIL_URL.partition(":")[0]
    if scheme in ("console", "file", "memory", "locmem"):
        yield CheckMessage(
            "bastion.W016",
            "WARNING",
            f"EMAIL_URL is {scheme}://: password-reset links would be written to logs or "
            "files instead of reaching users, where anyone who can read them can use them.",
            "Set EMAIL_URL to your SMTP server (smtp+starttls://user:pass@host:587).",
        )


DATABASE_CHECKS = [check_models, check_migrations, check_account_mail]
