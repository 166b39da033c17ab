"""Per-feature configuration objects, each frozen and documented field by field.

A project sets them in its settings module as ``HTTP = HttpConfig(max_body_size=...)``, or from
the environment as ``BASTION_HTTP__MAX_BODY_SIZE=...``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, fields
from functools import cached_property

from bastion.exceptions import ImproperlyConfigured
from bastion.http.multipart import MultipartLimits

__all__ = ["HttpConfig", "LoggingConfig", "ProxyConfig", "StaticConfig", "TemplateConfig"]

_PEER_CACHE_SIZE = 1024
KiB = 1024
MiB = 1024 * KiB


def _positive(owner: str, **values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ImproperlyConfigured(f"{owner}.{name} must be a non-negative int, got {value!r}.")


@dataclass(frozen=True, kw_only=True)
class HttpConfig:
    """Limits on what a request may carry. Every limit is on by default."""

    max_body_size: int = 12 * MiB
    """Largest request body accepted, counted as it streams (413 beyond it).

    Above ``max_file_size`` so that a file of exactly that size fits with its multipart framing.
    """
    max_url_length: int = 8 * KiB
    """Longest path, and longest query string, accepted (414 beyond it); bounds routing work."""
    max_fields: int = 1000
    """Most form fields or query parameters parsed from one request (400 beyond it)."""
    max_files: int = 100
    """Most uploaded files in one multipart body."""
    max_file_size: int = 10 * MiB
    """Largest single uploaded file."""
    max_field_size: int = 2 * MiB + 512 * KiB
    """Largest non-file multipart field."""
    max_field_name_length: int = 200
    """Longest form field name."""
    spool_threshold: int = 1 * MiB
    """Uploaded files larger than this are spooled to a temporary file on disk."""
    upload_temp_dir: str | None = None
    """Directory for spooled uploads (the system temporary directory when None)."""

    @cached_property
    def multipart_limits(self) -> MultipartLimits:
        """These limits as the multipart parser takes them (built once, not per request)."""
        return MultipartLimits(
            max_fields=self.max_fields,
            max_files=self.max_files,
            max_file_size=self.max_file_size,
            max_field_size=self.max_field_size,
            max_field_name_length=self.max_field_name_length,
            spool_threshold=self.spool_threshold,
            temp_dir=self.upload_temp_dir,
        )

    def __post_init__(self) -> None:
        _positive(
            "HTTP",
            **{f.name: getattr(self, f.name) for f in fields(self) if f.type == "int"},
        )


@dataclass(frozen=True, kw_only=True)
class ProxyConfig:
    """Which reverse-proxy headers to believe. By default none are.

    Security: a forwarded header is only read when the direct peer's address is in
    ``trusted_addresses``; otherwise any client could claim any IP or scheme.
    """

    trusted_hops: int = 0
    """How many proxies stand in front (nginx alone: 1). 0 trusts no forwarded header."""
    trusted_addresses: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    """Networks the proxies connect from; forwarded headers from anyone else are ignored."""
    trust_forwarded_for: bool = True
    """Take the client IP from ``X-Forwarded-For`` (when ``trusted_hops`` > 0)."""
    trust_forwarded_proto: bool = True
    """Take the scheme from ``X-Forwarded-Proto`` (when ``trusted_hops`` > 0)."""
    trust_forwarded_host: bool = False
    """Take the host from ``X-Forwarded-Host`` (when ``trusted_hops`` > 0)."""
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        init=False, repr=False, compare=False
    )
    _peer_cache: dict[str, bool] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        _positive("PROXY", trusted_hops=self.trusted_hops)
        try:
            networks = tuple(
                ipaddress.ip_network(net, strict=False) for net in self.trusted_addresses
            )
        except ValueError as exc:
            raise ImproperlyConfigured(f"PROXY.trusted_addresses: {exc}") from None
        object.__setattr__(self, "networks", networks)

    @property
    def enabled(self) -> bool:
        """Whether any forwarded header may be believed."""
        return self.trusted_hops > 0

    def trusts(self, peer: str) -> bool:
        """Whether a connection from ``peer`` (an IP address string) comes from a proxy.

        Cached: a site sees connections from a handful of proxies, and parsing an address
        costs more than the rest of the proxy logic. The cache is bounded.
        """
        known = self._peer_cache.get(peer)
        if known is not None:
            return known
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            trusted = False
        else:
            trusted = any(address in network for network in self.networks)
        if len(self._peer_cache) >= _PEER_CACHE_SIZE:
            self._peer_cache.clear()
        self._peer_cache[peer] = trusted
        return trusted


@dataclass(frozen=True, kw_only=True)
class StaticConfig:
    """Static files: where they are found, collected and served from."""

    url: str = "/static/"
    """URL prefix of static files; must start and end with '/'."""
    root: str | None = None
    """Where ``bastion collectstatic`` writes (default: ``BASE_DIR/staticfiles``)."""
    dirs: tuple[str, ...] = ()
    """Project-level source directories, searched before the apps' ``static/`` folders."""
    serve: bool | None = None
    """Serve static files from the application (None: only when DEBUG)."""
    manifest: bool | None = None
    """Use content-hashed names from the manifest (None: when DEBUG is off)."""
    max_age: int = 365 * 24 * 3600
    """Cache lifetime, in seconds, of content-hashed files."""

    def __post_init__(self) -> None:
        if not (self.url.startswith("/") and self.url.endswith("/")):
            raise ImproperlyConfigured(f"STATIC.url must start and end with '/', got {self.url!r}.")
        _positive("STATIC", max_age=self.max_age)


@dataclass(frozen=True, kw_only=True)
class TemplateConfig:
    """Jinja2 templates. Autoescaping is always on and cannot be configured off."""

    dirs: tuple[str, ...] = ()
    """Project template directories, searched before the apps' ``templates/`` folders."""
    auto_reload: bool | None = None
    """Re-read changed templates (None: when DEBUG)."""
    extensions: tuple[str, ...] = ()
    """Extra Jinja2 extensions, by import path."""


@dataclass(frozen=True, kw_only=True)
class LoggingConfig:
    """What Bastion's own loggers emit when :func:`bastion.logging.configure_logging` runs."""

    level: str = "INFO"
    """Level of the ``bastion`` logger tree."""
    access_log: bool = True
    """Write one line per request (method, path, status, duration) to ``bastion.request``."""

    def __post_init__(self) -> None:
        if self.level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ImproperlyConfigured(f"LOGGING.level {self.level!r} is not a logging level.")
