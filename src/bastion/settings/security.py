"""Security-header and HTTPS settings (``SECURITY``), CSP (``CSP``) and CSRF (``CSRF``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bastion.exceptions import ImproperlyConfigured

__all__ = ["CSPConfig", "CSRFConfig", "SecurityConfig"]

_DENY_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)


def _frozen_mapping(
    items: Mapping[str, tuple[str, ...]],
) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({key: tuple(value) for key, value in items.items()})


@dataclass(frozen=True, kw_only=True)
class SecurityConfig:
    """Response security headers and the HTTPS redirect. All on by default."""

    hsts_seconds: int = 365 * 24 * 3600
    """``Strict-Transport-Security`` max-age, sent on HTTPS responses (0 switches it off)."""
    hsts_include_subdomains: bool = True
    """Add ``includeSubDomains`` to HSTS."""
    hsts_preload: bool = False
    """Add ``preload`` to HSTS (only once the domain is submitted to the preload list)."""
    ssl_redirect: bool | None = None
    """Redirect plain-HTTP requests to HTTPS (None: on unless DEBUG)."""
    ssl_redirect_exempt: tuple[str, ...] = ()
    """Path prefixes served over plain HTTP too (health probes on a private port)."""
    content_type_nosniff: bool = True
    """Send ``X-Content-Type-Options: nosniff``."""
    referrer_policy: str = "same-origin"
    """``Referrer-Policy`` value ("" to omit)."""
    cross_origin_opener_policy: str = "same-origin"
    """``Cross-Origin-Opener-Policy`` value ("" to omit)."""
    cross_origin_resource_policy: str = "same-origin"
    """``Cross-Origin-Resource-Policy`` value ("" to omit)."""
    permissions_policy: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: _frozen_mapping(dict.fromkeys(_DENY_FEATURES, ()))
    )
    """``Permissions-Policy`` features and their allow lists; the default denies them all."""
    x_frame_options: str = "DENY"
    """``X-Frame-Options``: ``DENY`` or ``SAMEORIGIN`` (per view: the clickjacking decorators)."""

    def __post_init__(self) -> None:
        if isinstance(self.hsts_seconds, bool) or self.hsts_seconds < 0:
            raise ImproperlyConfigured("SECURITY.hsts_seconds must be a non-negative int.")
        if self.x_frame_options.upper() not in ("DENY", "SAMEORIGIN"):
            raise ImproperlyConfigured("SECURITY.x_frame_options must be DENY or SAMEORIGIN.")
        object.__setattr__(self, "permissions_policy", _frozen_mapping(self.permissions_policy))
        object.__setattr__(self, "ssl_redirect_exempt", tuple(self.ssl_redirect_exempt))


DEFAULT_CSP: Mapping[str, tuple[str, ...]] = _frozen_mapping(
    {
        "default-src": ("'self'",),
        "script-src": ("'self'", "'strict-dynamic'"),
        "style-src": ("'self'",),
        "img-src": ("'self'", "data:"),
        "object-src": ("'none'",),
        "base-uri": ("'none'",),
        "form-action": ("'self'",),
        "frame-ancestors": ("'none'",),
    }
)
"""The default policy. When a response uses a nonce it is added to script-src and style-src."""


@dataclass(frozen=True, kw_only=True)
class CSPConfig:
    """Content Security Policy, with per-response nonces drawn only when a page asks."""

    enabled: bool = True
    """Send the ``Content-Security-Policy`` header."""
    directives: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_CSP)
    """The enforced policy, directive name to sources."""
    report_only_directives: Mapping[str, tuple[str, ...]] | None = None
    """A second policy sent as ``Content-Security-Policy-Report-Only`` (to trial a change)."""
    report_path: str | None = "/csp-report/"
    """Where the framework accepts violation reports (None: no endpoint, no report-uri)."""
    max_report_size: int = 16 * 1024
    """Largest violation report body accepted."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "directives", _frozen_mapping(self.directives))
        if self.report_only_directives is not None:
            object.__setattr__(
                self, "report_only_directives", _frozen_mapping(self.report_only_directives)
            )
        if self.report_path is not None and not self.report_path.startswith("/"):
            raise ImproperlyConfigured("CSP.report_path must start with '/'.")


@dataclass(frozen=True, kw_only=True)
class CSRFConfig:
    """Cross-site request forgery protection: Fetch Metadata, Origin, then a masked token."""

    trusted_origins: tuple[str, ...] = ()
    """Other origins (``https://app.example.com``) allowed to send unsafe requests."""
    allow_same_site: bool = False
    """Accept ``Sec-Fetch-Site: same-site`` (sibling subdomains) as well as same-origin."""
    cookie_name: str = "csrftoken"
    """Name of the token cookie; ``__Host-`` is prefixed automatically over HTTPS."""
    header_name: str = "X-CSRF-Token"
    """Request header that may carry the token (for fetch/XHR)."""
    field_name: str = "csrf_token"
    """Form field that carries the token."""
    use_session: bool = False
    """Keep the token in the session instead of a cookie."""
    cookie_max_age: int = 365 * 24 * 3600
    """Lifetime of the token cookie in seconds."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "trusted_origins", tuple(self.trusted_origins))
        for origin in self.trusted_origins:
            if not origin.startswith(("https://", "http://")) or origin.count("/") != 2:
                raise ImproperlyConfigured(
                    f"CSRF.trusted_origins entries are origins like 'https://app.example.com', "
                    f"got {origin!r}."
                )
