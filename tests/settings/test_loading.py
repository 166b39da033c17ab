from __future__ import annotations

import types

import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.settings import HttpConfig, load_settings


def _module(**values: object) -> types.ModuleType:
    module = types.ModuleType("project_settings")
    for name, value in values.items():
        setattr(module, name, value)
    return module


def test_load_settings_from_module_object_and_name() -> None:
    module = _module(DEBUG=True, ALLOWED_HOSTS=["a.com"], helper=1, _private=2)
    settings = load_settings(module, environ={})
    assert settings.DEBUG is True
    assert settings.ALLOWED_HOSTS == ("a.com",)
    assert load_settings("bastion.settings.features", environ={}).DEBUG is False


def test_load_settings_without_module_uses_defaults() -> None:
    assert load_settings(environ={}).ALLOWED_HOSTS == ()


def test_load_settings_refuses_unknown_name_with_suggestion() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"ALLOWED_HOST'.*did you mean ALLOWED_HOSTS"):
        load_settings(_module(ALLOWED_HOST=["a.com"]), environ={})


def test_load_settings_refuses_unknown_name_without_suggestion() -> None:
    with pytest.raises(ImproperlyConfigured, match="Unknown setting 'ZZZZZZ'") as info:
        load_settings(_module(ZZZZZZ=1), environ={})
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "yes"),
        ("SECRET_KEY", 12),
        ("ALLOWED_HOSTS", "a.com"),
        ("ALLOWED_HOSTS", [1]),
        ("HTTP", {"max_body_size": 1}),
    ],
)
def test_load_settings_refuses_wrong_types(name: str, value: object) -> None:
    with pytest.raises(ImproperlyConfigured, match=f"Setting {name} must be"):
        load_settings(_module(**{name: value}), environ={})


def test_env_overrides_module_and_casts() -> None:
    environ = {
        "BASTION_DEBUG": "off",
        "BASTION_ALLOWED_HOSTS": "a.com, b.com,",
        "BASTION_HTTP__MAX_BODY_SIZE": "1024",
        "BASTION_STATIC__ROOT": "/srv/static",
        "DATABASE_URL": "postgresql://db/x",
        "BASTION_APP": "mysite.wsgi:application",
        "UNRELATED": "1",
    }
    settings = load_settings(_module(DEBUG=True, HTTP=HttpConfig(max_fields=5)), environ=environ)
    assert settings.DEBUG is False
    assert settings.ALLOWED_HOSTS == ("a.com", "b.com")
    assert settings.HTTP.max_body_size == 1024
    assert settings.HTTP.max_fields == 5
    assert settings.STATIC.root == "/srv/static"
    assert settings.DATABASE_URL == "postgresql://db/x"


@pytest.mark.parametrize("raw", ["1", "TRUE", "yes", "on"])
def test_env_bool_true(raw: str) -> None:
    assert load_settings(environ={"BASTION_DEBUG": raw}).DEBUG is True


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BASTION_DEBUG": "maybe"}, "not a boolean"),
        ({"BASTION_HTTP__MAX_FIELDS": "ten"}, "not an integer"),
        ({"BASTION_ALOWED_HOSTS": "a"}, "did you mean ALLOWED_HOSTS"),
        ({"BASTION_HTTP__MAX_BODYSIZE": "1"}, "did you mean max_body_size"),
        ({"BASTION_PROXY__NETWORKS": "1"}, "has no field"),
        ({"BASTION_HTTP": "1"}, "cannot be set from the environment"),
    ],
)
def test_env_errors_are_clear(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        load_settings(environ=environ)


def test_env_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_TIME_ZONE", "Europe/Paris")
    assert load_settings().TIME_ZONE == "Europe/Paris"


def test_env_optional_int_field() -> None:
    settings = load_settings(environ={"BASTION_STATIC__SERVE": "true"})
    assert settings.STATIC.serve is True


def test_env_literal_fields_checked() -> None:
    settings = load_settings(environ={"BASTION_SESSIONS__BACKEND": "cache"})
    assert settings.SESSIONS.backend == "cache"
    with pytest.raises(ImproperlyConfigured, match="not one of"):
        load_settings(environ={"BASTION_SESSIONS__BACKEND": "pickle"})


def test_env_mapping_fields_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="cannot be set from the environment"):
        load_settings(environ={"BASTION_CSP__DIRECTIVES": "default-src 'self'"})


def test_env_sequence_in_feature() -> None:
    settings = load_settings(environ={"BASTION_CSRF__TRUSTED_ORIGINS": "https://a.example.com"})
    assert settings.CSRF.trusted_origins == ("https://a.example.com",)
