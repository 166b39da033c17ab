"""The core checks: secret key, hosts, DEBUG, removed layers, SITE_URL, static, proxies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bastion.checks.messages import CheckMessage
from bastion.settings.core import secret_key_problem

if TYPE_CHECKING:
    from bastion.app import Bastion

__all__ = [
    "check_allowed_hosts",
    "check_debug",
    "check_proxy",
    "check_removed_middleware",
    "check_secret_key",
    "check_site_url",
    "check_static_manifest",
]


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
