from __future__ import annotations

import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.settings import HttpConfig, ProxyConfig, Settings
from bastion.settings.core import (
    DEBUG_ALLOWED_HOSTS,
    is_secret_name,
    redact_url,
    secret_key_problem,
)
from bastion.validators import validate_email

STRONG_KEY = "k3J9-vQ2xZ8_pL4mN7bR1tY6wE5uI0oA3sD9fG2hJ8kL7zX4cV1bN6mQ5wE8rT"


def test_settings_defaults_are_production_safe() -> None:
    settings = Settings()
    assert settings.DEBUG is False
    assert settings.ALLOWED_HOSTS == ()
    assert settings.HTTP.max_body_size == 12 * 1024 * 1024
    assert settings.PROXY.enabled is False


def test_settings_lists_become_tuples() -> None:
    settings = Settings(ALLOWED_HOSTS=["a.com"], SECRET_KEY_FALLBACKS=["old"])
    assert settings.ALLOWED_HOSTS == ("a.com",)
    assert settings.SECRET_KEY_FALLBACKS == ("old",)


@pytest.mark.parametrize("value", ["a.com", ["a.com", 3]])
def test_settings_refuse_non_list_of_strings(value: object) -> None:
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS must be a list"):
        Settings(ALLOWED_HOSTS=value)  # type: ignore[arg-type]


def test_settings_refuse_bad_site_url() -> None:
    with pytest.raises(ImproperlyConfigured, match="SITE_URL"):
        Settings(SITE_URL="javascript:alert(1)")


def test_settings_repr_hides_secrets() -> None:
    text = repr(Settings(SECRET_KEY=STRONG_KEY, DATABASE_URL="postgresql://u:pw@h/db"))
    assert STRONG_KEY not in text
    assert "pw" not in text


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "empty"),
        ("short", "at least 50"),
        ("a" * 60, "distinct"),
        ("insecure-" + STRONG_KEY, "placeholder"),
        ("django-insecure-" + STRONG_KEY, "placeholder"),
        (STRONG_KEY, None),
    ],
)
def test_secret_key_problem(key: str, problem: str | None) -> None:
    result = secret_key_problem(key)
    if problem is None:
        assert result is None
    else:
        assert result is not None
        assert problem in result


def test_for_startup_refuses_weak_key_without_debug() -> None:
    with pytest.raises(ImproperlyConfigured, match="refuses to start"):
        Settings(SECRET_KEY="weak", ALLOWED_HOSTS=["a.com"]).for_startup()


def test_for_startup_refuses_empty_allowed_hosts_without_debug() -> None:
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS is empty"):
        Settings(SECRET_KEY=STRONG_KEY).for_startup()


def test_for_startup_accepts_production_settings() -> None:
    settings = Settings(SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS=["a.com"])
    assert settings.for_startup() is settings


def test_for_startup_debug_generates_ephemeral_key() -> None:
    with pytest.warns(RuntimeWarning, match="random key"):
        settings = Settings(DEBUG=True).for_startup()
    assert secret_key_problem(settings.SECRET_KEY) is None


def test_for_startup_debug_keeps_given_key() -> None:
    settings = Settings(DEBUG=True, SECRET_KEY="dev")
    assert settings.for_startup() is settings


def test_allowed_hosts_debug_falls_back_to_loopback() -> None:
    assert Settings(DEBUG=True).allowed_hosts == DEBUG_ALLOWED_HOSTS
    assert Settings(DEBUG=True, ALLOWED_HOSTS=["x.com"]).allowed_hosts == ("x.com",)
    assert Settings().allowed_hosts == ()


def test_replace_and_field_names() -> None:
    settings = Settings().replace(DEBUG=True)
    assert settings.DEBUG is True
    assert "ALLOWED_HOSTS" in Settings.field_names()


def test_redacted_hides_secrets_and_url_passwords() -> None:
    data = Settings(
        SECRET_KEY=STRONG_KEY,
        SECRET_KEY_FALLBACKS=["old"],
        CACHE_URL="redis://:hunter2@cache:6379/0?token=abc",
    ).redacted()
    assert data["SECRET_KEY"] == "********"
    assert data["SECRET_KEY_FALLBACKS"] == "********"
    assert data["CACHE_URL"] == "redis://:********@cache:6379/0?********"
    assert data["DEBUG"] is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://user:pw@db/x", "postgresql://user:********@db/x"),
        ("postgresql://user@db/x", "postgresql://user@db/x"),
        ("sqlite:///db.sqlite3", "sqlite:///db.sqlite3"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("name", "secret"),
    [("SECRET_KEY", True), ("password", True), ("api_token", True), ("DEBUG", False)],
)
def test_is_secret_name(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(
    "kwargs",
    [{"max_body_size": -1}, {"max_fields": True}, {"spool_threshold": "1"}],
)
def test_http_config_refuses_bad_limits(kwargs: dict[str, object]) -> None:
    with pytest.raises(ImproperlyConfigured, match="non-negative int"):
        HttpConfig(**kwargs)  # type: ignore[arg-type]


def test_proxy_config_parses_networks() -> None:
    proxy = ProxyConfig(trusted_hops=1, trusted_addresses=("10.0.0.0/8",))
    assert proxy.enabled
    assert str(proxy.networks[0]) == "10.0.0.0/8"
    with pytest.raises(ImproperlyConfigured, match="trusted_addresses"):
        ProxyConfig(trusted_addresses=("not-an-ip",))


def test_proxy_config_trusts_peers_and_bounds_its_cache() -> None:
    proxy = ProxyConfig(trusted_hops=1, trusted_addresses=("10.0.0.0/8",))
    assert proxy.trusts("10.1.2.3")
    assert proxy.trusts("10.1.2.3")  # from the cache
    assert not proxy.trusts("192.0.2.1")
    assert not proxy.trusts("not-an-address")
    for i in range(1100):
        proxy.trusts(f"192.0.2.{i % 250}.{i}")  # malformed: never trusted, still cached
    assert len(proxy._peer_cache) <= 1024


def test_from_email_defaults_to_noreply_at_the_site() -> None:
    assert Settings(SITE_URL="https://shop.example.com").from_email == "noreply@shop.example.com"
    assert Settings(DEFAULT_FROM_EMAIL="a@b.example").from_email == "a@b.example"
    # A new project's SITE_URL: the sender must still be an address the mailer accepts.
    local = Settings(SITE_URL="http://localhost:8000").from_email
    assert local == "noreply@localhost.localdomain"
    validate_email(local)
    with pytest.raises(ImproperlyConfigured, match="DEFAULT_FROM_EMAIL"):
        _ = Settings().from_email
