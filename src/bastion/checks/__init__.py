"""System checks: configuration mistakes reported with stable IDs, before they reach users.

Each check is a small function ``check(app, deploy) -> Iterable[CheckMessage]``; :data:`CHECKS`
lists them and :func:`run_checks` runs them in order. A feature adds its checks by writing
such a function and appending it to :data:`CHECKS` (or by passing its own list to
:func:`run_checks`). IDs never change meaning once published (docs/checks.md lists them), so
operators can alert on them and projects can refer to them.

Deploy checks (``deploy=True``, ``bastion check --deploy``) describe what is fine on a
developer's machine but wrong in production, such as ``DEBUG`` being on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bastion.checks.core import (
    check_allowed_hosts,
    check_debug,
    check_proxy,
    check_removed_middleware,
    check_secret_key,
    check_site_url,
    check_static_manifest,
)
from bastion.checks.database import DATABASE_CHECKS
from bastion.checks.messages import LEVELS, Check, CheckMessage, Level, level_number
from bastion.checks.security import SECURITY_CHECKS

if TYPE_CHECKING:
    from bastion.app import Bastion

__all__ = [
    "CHECKS",
    "LEVELS",
    "Check",
    "CheckMessage",
    "Level",
    "level_number",
    "run_checks",
]

CHECKS: list[Check] = [
    check_secret_key,
    check_allowed_hosts,
    check_debug,
    check_removed_middleware,
    check_site_url,
    check_static_manifest,
    check_proxy,
    *SECURITY_CHECKS,
    *DATABASE_CHECKS,
]
"""The checks :func:`run_checks` runs by default, in order."""


def run_checks(
    app: Bastion, *, deploy: bool = False, checks: Sequence[Check] | None = None
) -> list[CheckMessage]:
    """Run the checks against ``app`` and return every message, most serious first.

    Args:
        app: the application, as built from the project's settings.
        deploy: also run the production checks (``bastion check --deploy``).
        checks: the checks to run; default :data:`CHECKS`.

    Returns:
        The messages, sorted by level (most serious first), then by ID.
    """
    messages = [
        message
        for check in (CHECKS if checks is None else checks)
        for message in check(app, deploy)
    ]
    return sorted(messages, key=lambda m: (-LEVELS[m.level], m.id))
