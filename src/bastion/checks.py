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

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias
from urllib.parse import urlsplit

from bastion.settings.core import secret_key_problem

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

Level: TypeAlias = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LEVELS: dict[str, int] = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
"""Severity order of the levels (the numbers of the :mod:`logging` module)."""


def level_number(level: str) -> int:
    """The severity of ``level`` (case-insensitive), for comparing with a fail level.

    Raises:
        ValueError: ``level`` is not one of :data:`LEVELS`.
    """
    number = LEVELS.get(level.upper())
    if number is None:
        raise ValueError(f"Unknown check level {level!r}; use one of {', '.join(LEVELS)}.")
    return number


@dataclass(frozen=True, slots=True)
class CheckMessage:
    """One finding of a check.

    Attributes:
        id: stable identifier, ``bastion.E001`` (E: error, W: warning); never reused.
        level: how serious it is; ``bastion check`` fails at ERROR and above by default.
        message: what is wrong, in one sentence.
        hint: how to fix it.
    """

    id: str
    level: Level
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.id} [{self.level}] {self.message}"
        return f"{text}\n    HINT: {self.hint}" if self.hint else text

    def is_serious(self, fail_level: str = "ERROR") -> bool:
        """Whether this message is at or above ``fail_level``."""
        return LEVELS[self.level] >= level_number(fail_level)


Check: TypeAlias = Callable[["Bastion", bool], Iterable[CheckMessage]]
"""A check: ``check(app, deploy)`` yields the messages that apply to ``app``."""


def check_secret_key(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.E001: a weak or missing SECRET_KEY, in production or when deploying.

    A development key is expected on a laptop (new projects carry an ``insecure-`` one), so
    this is only reported with DEBUG off or under ``--deploy``.
    """
    settings = app.settings
    if settings.DEBUG and not deploy:
        return
    problem = secret_key_problem(settings.SECRET_KEY)
    if problem:
        yield CheckMessage(
            "bastion.E001",
            "ERROR",
            problem,
            "Set BASTION_SECRET_KEY to the output of `bastion secretkey`, kept out of version "
            "control.",
        )


def check_allowed_hosts(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.E002 (empty ALLOWED_HOSTS with DEBUG off) and bastion.W002 (``*`` allowed)."""
    settings = app.settings
    if not settings.DEBUG and not settings.ALLOWED_HOSTS:
        yield CheckMessage(
            "bastion.E002",
            "ERROR",
            "ALLOWED_HOSTS is empty while DEBUG is off, so every request would be refused.",
            "List the site's host names: BASTION_ALLOWED_HOSTS=example.com,www.example.com.",
        )
    if "*" in settings.ALLOWED_HOSTS:
        yield CheckMessage(
            "bastion.W002",
            "WARNING",
            "ALLOWED_HOSTS contains '*', which accepts any Host header and opens the site to "
            "Host header attacks (poisoned caches and password-reset links).",
            "List the real host names instead; use '.example.com' for a domain and its subdomains.",
        )


def check_debug(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W001: DEBUG is on (deploy only)."""
    if deploy and app.settings.DEBUG:
        yield CheckMessage(
            "bastion.W001",
            "WARNING",
            "DEBUG is on; error pages would show code and configuration to visitors.",
            "Set BASTION_DEBUG=false in production.",
        )


def check_removed_middleware(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W003: one message per framework layer removed with ``without(..., reason=)``."""
    for name, reason in app.security.removed.items():
        yield CheckMessage(
            "bastion.W003",
            "WARNING",
            f"The security layer {name} is removed (reason given: {reason!r}).",
            "Keep the layer and exempt the few views that need it instead, where the feature "
            "offers an exemption.",
        )


def check_site_url(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W004: SITE_URL missing or not https (deploy only)."""
    if not deploy:
        return
    url = app.settings.SITE_URL
    if not url:
        problem = "SITE_URL is empty, so links sent out of band (mail) cannot be built safely."
    elif urlsplit(url).scheme != "https":
        problem = f"SITE_URL {url!r} is not https; links sent to users would travel in clear."
    else:
        return
    yield CheckMessage(
        "bastion.W004",
        "WARNING",
        problem,
        "Set BASTION_SITE_URL=https://example.com (the public address of the site).",
    )


def check_static_manifest(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W005: manifest mode is on but ``collectstatic`` has not written the manifest."""
    from bastion.staticfiles.manifest import MANIFEST_NAME  # staticfiles is heavy to import

    static = app.static
    if not deploy or not static.use_manifest:
        return
    manifest = static.root / MANIFEST_NAME
    if not manifest.is_file():
        yield CheckMessage(
            "bastion.W005",
            "WARNING",
            f"Static files use the manifest, but {manifest} does not exist; pages using "
            "static() would fail.",
            "Run `bastion collectstatic --noinput` as part of the deployment.",
        )


def check_proxy(app: Bastion, deploy: bool) -> Iterator[CheckMessage]:
    """bastion.W006: forwarded headers trusted from any address."""
    proxy = app.settings.PROXY
    if proxy.trusted_hops > 0 and any(net.prefixlen == 0 for net in proxy.networks):
        yield CheckMessage(
            "bastion.W006",
            "WARNING",
            "PROXY.trusted_addresses contains a catch-all network (0.0.0.0/0 or ::/0), so any "
            "client can forge X-Forwarded-For and X-Forwarded-Proto.",
            "List only the addresses your reverse proxies connect from, such as 10.0.0.0/8.",
        )


CHECKS: list[Check] = [
    check_secret_key,
    check_allowed_hosts,
    check_debug,
    check_removed_middleware,
    check_site_url,
    check_static_manifest,
    check_proxy,
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
