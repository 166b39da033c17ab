"""Build ``Settings`` from a project's settings module and the environment.

Every name is checked: an unknown or misspelled setting in the module or in a ``BASTION_*``
variable is an error with a suggestion, because a typo such as ``ALLOWED_HOST`` silently
ignored is a security bug.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import importlib
import types
import typing
from collections.abc import Mapping
from typing import Any

from bastion.exceptions import ImproperlyConfigured
from bastion.settings.core import Settings

__all__ = ["ENV_PREFIX", "RESERVED_ENV", "load_settings", "settings_from_env"]

ENV_PREFIX = "BASTION_"
RESERVED_ENV = frozenset({"BASTION_APP", "BASTION_SETTINGS_MODULE", "BASTION_ENV"})
"""``BASTION_*`` variables that are read by the CLI, not settings."""
UNPREFIXED_ENV = ("DATABASE_URL", "CACHE_URL", "EMAIL_URL", "SITE_URL")
"""Twelve-factor names read without the prefix too (the prefixed form wins)."""
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def load_settings(
    module: str | types.ModuleType | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Load settings from a module (by name or object), then apply the environment.

    Module names in UPPER_CASE are settings; lower-case names and names starting with ``_``
    are the module's own helpers and are ignored.

    Raises:
        ImproperlyConfigured: an unknown name, a value of the wrong type, or an environment
            variable that cannot be cast.
    """
    values: dict[str, Any] = {}
    if module is not None:
        mod = importlib.import_module(module) if isinstance(module, str) else module
        for name, value in vars(mod).items():
            if name.isupper() and not name.startswith("_"):
                values[name] = value
    _check_names(values, where="settings module")
    hints = typing.get_type_hints(Settings)
    for name, value in values.items():
        _check_type(name, value, hints[name])
    values.update(settings_from_env(environ, base=values))
    try:
        return Settings(**values)
    except TypeError as exc:  # pragma: no cover - names were checked above
        raise ImproperlyConfigured(str(exc)) from None


def settings_from_env(
    environ: Mapping[str, str] | None, *, base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Read ``BASTION_<NAME>`` (and ``BASTION_<FEATURE>__<FIELD>``) overrides, cast by type."""
    import os

    env = os.environ if environ is None else environ
    hints = typing.get_type_hints(Settings)
    result: dict[str, Any] = {}
    for name in UNPREFIXED_ENV:
        if name in env:
            result[name] = env[name]
    nested: dict[str, dict[str, Any]] = {}
    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX) or key in RESERVED_ENV:
            continue
        name = key[len(ENV_PREFIX) :]
        feature, sep, attr = name.partition("__")
        _check_names({feature: None}, where=f"environment variable {key}")
        if sep:
            config_type = hints[feature]
            field_hints = typing.get_type_hints(config_type)
            if attr.lower() not in field_hints or attr.lower() not in _init_fields(config_type):
                raise ImproperlyConfigured(
                    f"{key}: {feature} has no field {attr.lower()!r}"
                    f"{_suggest(attr.lower(), _init_fields(config_type))}."
                )
            nested.setdefault(feature, {})[attr.lower()] = _cast(
                key, raw, field_hints[attr.lower()]
            )
        else:
            result[name] = _cast(key, raw, hints[name])
    for feature, changes in nested.items():
        current = (base or {}).get(feature) or hints[feature]()
        result[feature] = dataclasses.replace(current, **changes)
    return result


def _init_fields(config_type: type) -> list[str]:
    return [f.name for f in dataclasses.fields(config_type) if f.init]


def _suggest(name: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _check_names(values: Mapping[str, Any], *, where: str) -> None:
    known = Settings.field_names()
    for name in values:
        if name not in known:
            raise ImproperlyConfigured(
                f"Unknown setting {name!r} in {where}{_suggest(name, known)}. "
                "Bastion refuses unknown settings so that a typo cannot go unnoticed."
            )


def _check_type(name: str, value: Any, hint: Any) -> None:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is bool:
        ok = isinstance(value, bool)
    elif hint is str:
        ok = isinstance(value, str)
    elif origin is not None and args and args[0] is str and origin not in (typing.Union,):
        ok = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        ok = isinstance(value, hint)
    else:  # pragma: no cover - every Settings field has one of the shapes above
        ok = True
    if not ok:
        expected = getattr(hint, "__name__", str(hint))
        raise ImproperlyConfigured(
            f"Setting {name} must be {expected}, got {value!r} ({type(value).__name__})."
        )


def _cast(key: str, raw: str, hint: Any) -> Any:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    target = args[0] if typing.get_origin(hint) in (typing.Union, types.UnionType) else hint
    if target is bool:
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{key}={raw!r} is not a boolean; use true or false.")
    if target is int:
        try:
            return int(raw)
        except ValueError:
            raise ImproperlyConfigured(f"{key}={raw!r} is not an integer.") from None
    if target is str:
        return raw
    origin = typing.get_origin(target)
    if origin is typing.Literal:
        if raw not in typing.get_args(target):
            choices = ", ".join(typing.get_args(target))
            raise ImproperlyConfigured(f"{key}={raw!r} is not one of: {choices}.")
        return raw
    if origin in (tuple, collections.abc.Sequence) and typing.get_args(target)[0] is str:
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    raise ImproperlyConfigured(f"{key} cannot be set from the environment.")
