"""The ``Settings`` object: every knob of a project, typed, frozen and production-safe.

Defaults are the production values. Running with ``DEBUG=True`` loosens only what development
needs (a throwaway secret key, loopback hosts), and never silently in production.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from bastion.exceptions import ImproperlyConfigured
from bastion.settings.features import (
    HttpConfig,
    LoggingConfig,
    ProxyConfig,
    StaticConfig,
    TemplateConfig,
)
from bastion.settings.security import CSPConfig, CSRFConfig, SecurityConfig
from bastion.settings.state import CacheConfig, RateLimitConfig, SessionConfig

__all__ = ["DEBUG_ALLOWED_HOSTS", "Settings", "is_secret_name", "secret_key_problem"]

DEBUG_ALLOWED_HOSTS = ("localhost", "127.0.0.1", "[::1]", "testserver")
"""Hosts allowed when DEBUG is on and ``ALLOWED_HOSTS`` is empty: loopback only."""

_SECRET_NAME = re.compile(
    r"SECRET|PASS|PWD|TOKEN|KEY|SIGNATURE|CREDENTIAL|PRIVATE|AUTH|COOKIE|SESSION|CSRF",
    re.IGNORECASE,
)
_WEAK_PREFIXES = ("insecure", "django-insecure", "changeme", "change-me", "secret", "dev")
_MIN_SECRET_LENGTH = 50
_MIN_SECRET_UNIQUE = 5
_SEQUENCE_FIELDS = ("SECRET_KEY_FALLBACKS", "ALLOWED_HOSTS", "ALLOWED_REDIRECT_HOSTS")


def is_secret_name(name: str) -> bool:
    """Whether a setting, header or form field name looks like it holds a secret."""
    return bool(_SECRET_NAME.search(name))


def secret_key_problem(key: str) -> str | None:
    """Say what is wrong with ``key`` as a production secret, or return None if nothing is."""
    if not key:
        return "SECRET_KEY is empty."
    if len(key) < _MIN_SECRET_LENGTH:
        return f"SECRET_KEY has {len(key)} characters; use at least {_MIN_SECRET_LENGTH}."
    if len(set(key)) < _MIN_SECRET_UNIQUE:
        return f"SECRET_KEY uses fewer than {_MIN_SECRET_UNIQUE} distinct characters."
    if key.lower().startswith(_WEAK_PREFIXES):
        return "SECRET_KEY starts with a placeholder prefix such as 'insecure' or 'changeme'."
    return None


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a Bastion project can configure.

    Build it in code (``Settings(DEBUG=True)``) or load a settings module plus the environment
    with :func:`bastion.settings.load_settings`. Sequences given as lists are stored as tuples.
    """

    DEBUG: bool = False
    """Development mode: detailed error pages, template reload, static serving.

    Security: never on in production; error pages would show code and redacted settings.
    """
    SECRET_KEY: str = field(default="", repr=False)
    """Key for signing (sessions, tokens). Required, at least 50 random characters."""
    SECRET_KEY_FALLBACKS: Sequence[str] = field(default=(), repr=False)
    """Older keys still accepted when verifying, so keys can rotate without logging users out."""
    ALLOWED_HOSTS: Sequence[str] = ()
    """Host names this site answers to: exact names, ``.example.com`` for a domain and its
    subdomains. Required when DEBUG is off."""
    ALLOWED_REDIRECT_HOSTS: Sequence[str] = ()
    """Other hosts that redirects may point to (besides this site's own)."""
    SITE_URL: str = ""
    """Public base URL (``https://example.com``) for links sent out of band, such as mail."""
    BASE_DIR: str = "."
    """The project's root directory; relative paths in other settings are resolved from it."""
    TIME_ZONE: str = "UTC"
    """Time zone used to display dates; datetimes are stored in UTC."""
    APPEND_SLASH: bool = True
    """Redirect ``/path`` to ``/path/`` (308) when only the latter has a route."""
    DATABASE_URL: str = field(default="sqlite:///db.sqlite3", repr=False)
    """The default database, as a URL (``postgresql://...``, ``mysql://...``, ``sqlite:///...``)."""
    DATABASES: Mapping[str, str] = field(default_factory=dict, repr=False)
    """More databases by alias (``{"replica": "postgresql://..."}``); ``"default"`` is
    ``DATABASE_URL`` unless given here."""
    DATABASE_ROUTERS: Sequence[Any] = ()
    """Router objects choosing the database of each query (reads to a replica...)."""
    CACHE_URL: str = field(default="locmem://", repr=False)
    """The default cache (``redis://...``, ``memcached://...``, ``locmem://``)."""
    EMAIL_URL: str = field(default="console://", repr=False)
    """The mail backend (``smtp+starttls://user:pass@host:587``, ``console://``, ``memory://``)."""
    DEFAULT_FROM_EMAIL: str = ""
    """The sender of the mail Bastion sends itself (password resets); empty:
    ``noreply@<the host of SITE_URL>``."""
    AUTH_USER_MODEL: str = "auth.User"
    """The user model, as ``"app_label.Model"``: ``auth.User`` or a project's own subclass of
    ``bastion.auth.models.AbstractUser``. Set it before the first ``migrate``."""
    LOGIN_URL: str = ""
    """Where anonymous users are sent to log in; empty: the ``auth:login`` route."""
    LOGIN_REDIRECT_URL: str = ""
    """Where a login without a safe ``next=`` lands; empty: the site root."""
    LOGOUT_REDIRECT_URL: str = ""
    """Where logout lands; empty: the site root."""
    AUTH_LOCKOUT: Any = None
    """A :class:`bastion.auth.lockout.LockoutPolicy` (None: the default policy)."""
    PASSWORD_RESET_TIMEOUT: int = 3600
    """Seconds a password-reset link stays valid."""
    MFA_REQUIRED: Literal["none", "staff", "all"] = "none"
    """Who must use a second factor: nobody (``none``), ``staff`` users, or ``all`` users."""
    HTTP: HttpConfig = field(default_factory=HttpConfig)
    """Request size and count limits."""
    PROXY: ProxyConfig = field(default_factory=ProxyConfig)
    """Which reverse-proxy headers to believe."""
    STATIC: StaticConfig = field(default_factory=StaticConfig)
    """Static files."""
    TEMPLATES: TemplateConfig = field(default_factory=TemplateConfig)
    """Templates."""
    LOGGING: LoggingConfig = field(default_factory=LoggingConfig)
    """Logging."""
    SECURITY: SecurityConfig = field(default_factory=SecurityConfig)
    """Security headers and the HTTPS redirect."""
    CSP: CSPConfig = field(default_factory=CSPConfig)
    """Content Security Policy."""
    CSRF: CSRFConfig = field(default_factory=CSRFConfig)
    """Cross-site request forgery protection."""
    SESSIONS: SessionConfig = field(default_factory=SessionConfig)
    """Sessions."""
    CACHE: CacheConfig = field(default_factory=CacheConfig)
    """Cache options."""
    RATELIMIT: RateLimitConfig = field(default_factory=RateLimitConfig)
    """Rate limiting."""

    def __post_init__(self) -> None:
        for name in _SEQUENCE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(item, str) for item in value):
                raise ImproperlyConfigured(f"{name} must be a list of strings, got {value!r}.")
            object.__setattr__(self, name, tuple(value))
        for url_name in ("SITE_URL",):
            url = getattr(self, url_name)
            if url and urlsplit(url).scheme not in ("http", "https"):
                raise ImproperlyConfigured(f"{url_name} must be an http(s) URL, got {url!r}.")

    @classmethod
    def field_names(cls) -> frozenset[str]:
        """The names a settings module may define."""
        return frozenset(f.name for f in dataclasses.fields(cls))

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some settings changed (the original is frozen)."""
        return dataclasses.replace(self, **changes)

    @cached_property
    def allowed_hosts(self) -> tuple[str, ...]:
        """``ALLOWED_HOSTS``, or the loopback names when DEBUG is on and it is empty."""
        hosts = tuple(self.ALLOWED_HOSTS)
        if not hosts and self.DEBUG:
            return DEBUG_ALLOWED_HOSTS
        return hosts

    @property
    def from_email(self) -> str:
        """``DEFAULT_FROM_EMAIL``, else ``noreply@`` the host of ``SITE_URL``.

        A host without a dot (``localhost`` in development) is not a mail domain the address
        validator accepts, so it becomes ``<host>.localdomain``, the conventional name for it.
        """
        if self.DEFAULT_FROM_EMAIL:
            return self.DEFAULT_FROM_EMAIL
        host = urlsplit(self.SITE_URL).hostname
        if not host:
            raise ImproperlyConfigured(
                "Set DEFAULT_FROM_EMAIL (or SITE_URL) so that Bastion's mail has a sender."
            )
        return f"noreply@{host}" if "." in host else f"noreply@{host}.localdomain"

    @property
    def database_urls(self) -> dict[str, str]:
        """Every database by alias, ``"default"`` from ``DATABASE_URL`` unless overridden."""
        urls = {"default": self.DATABASE_URL, **dict(self.DATABASES)}
        return {alias: self._anchor_sqlite(url) for alias, url in urls.items()}

    def _anchor_sqlite(self, url: str) -> str:
        """A relative SQLite path is relative to ``BASE_DIR``, not to the working directory."""
        prefix = "sqlite:///"
        if not url.startswith(prefix):
            return url
        location = url[len(prefix) :]
        if not location or location.startswith((":memory:", "/", "file:")):
            return url
        return prefix + str(Path(self.BASE_DIR).resolve() / location)

    def for_startup(self) -> Settings:
        """Validate for serving and return the settings to run with.

        With DEBUG off a weak or missing ``SECRET_KEY`` or an empty ``ALLOWED_HOSTS`` refuses
        to start. With DEBUG on an empty ``SECRET_KEY`` is replaced by a random one for this
        process only (with a warning), so a new project runs at once.

        Raises:
            ImproperlyConfigured: with a message that says how to fix the setting.
        """
        if self.DEBUG:
            if not self.SECRET_KEY:
                warnings.warn(
                    "SECRET_KEY is empty; using a random key for this process only "
                    "(signed data will not survive a restart).",
                    RuntimeWarning,
                    stacklevel=2,
                )
                return self.replace(SECRET_KEY=secrets.token_urlsafe(64))
            return self
        problem = secret_key_problem(self.SECRET_KEY)
        if problem:
            raise ImproperlyConfigured(
                f"{problem} With DEBUG off Bastion refuses to start. Set BASTION_SECRET_KEY "
                "to the output of `bastion secretkey` (keep it out of version control)."
            )
        if not self.ALLOWED_HOSTS:
            raise ImproperlyConfigured(
                "ALLOWED_HOSTS is empty. With DEBUG off Bastion refuses to start: list the "
                "host names this site is served under, e.g. "
                "BASTION_ALLOWED_HOSTS=example.com,www.example.com."
            )
        return self

    def redacted(self) -> dict[str, Any]:
        """A dict of the settings fit for an error page: secrets and URL passwords hidden."""
        result: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_URL") and isinstance(value, str):
                result[f.name] = redact_url(value)
            elif is_secret_name(f.name):
                result[f.name] = "********" if value else value
            else:
                result[f.name] = value
        return result


def redact_url(url: str) -> str:
    """Hide the password (and any query string, which may carry tokens) of a URL."""
    parts = urlsplit(url)
    if "@" not in parts.netloc and not parts.query:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:********@{hostport}" if ":" in userinfo else f"{user}@{hostport}"
    query = "********" if parts.query else ""
    return parts._replace(netloc=netloc, query=query).geturl()
