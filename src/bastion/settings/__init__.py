"""Settings: one frozen, typed object built once and passed in (never a global).

``Settings`` lives in :mod:`bastion.settings.core`; the per-feature configs it is composed of
live beside it in :mod:`bastion.settings.features`; loading from a module and the environment is
:mod:`bastion.settings.loading`.
"""

from __future__ import annotations

from bastion.settings.core import Settings as Settings
from bastion.settings.features import (
    HttpConfig as HttpConfig,
)
from bastion.settings.features import (
    LoggingConfig as LoggingConfig,
)
from bastion.settings.features import (
    ProxyConfig as ProxyConfig,
)
from bastion.settings.features import (
    StaticConfig as StaticConfig,
)
from bastion.settings.features import (
    TemplateConfig as TemplateConfig,
)
from bastion.settings.loading import load_settings as load_settings
from bastion.settings.security import CSPConfig as CSPConfig
from bastion.settings.security import CSRFConfig as CSRFConfig
from bastion.settings.security import SecurityConfig as SecurityConfig
from bastion.settings.state import CacheConfig as CacheConfig
from bastion.settings.state import RateLimitConfig as RateLimitConfig
from bastion.settings.state import SessionConfig as SessionConfig

__all__ = [
    "CSPConfig",
    "CSRFConfig",
    "CacheConfig",
    "HttpConfig",
    "LoggingConfig",
    "ProxyConfig",
    "RateLimitConfig",
    "SecurityConfig",
    "SessionConfig",
    "Settings",
    "StaticConfig",
    "TemplateConfig",
    "load_settings",
]
