from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bastion.checks import (
    CHECKS,
    LEVELS,
    CheckMessage,
    level_number,
    run_checks,
)
from bastion.middleware import HostValidationMiddleware, MiddlewareStack
from bastion.settings import ProxyConfig, Settings, StaticConfig

GOOD_KEY = "k3Y-" + "a1b2c3d4e5" * 6


def fake_app(
    tmp_path: Path,
    *,
    security: MiddlewareStack | None = None,
    use_manifest: bool = False,
    **settings: Any,
) -> Any:
    """Just enough of a Bastion application for the checks: settings, security, static."""
    settings.setdefault("SECRET_KEY", GOOD_KEY)
    return SimpleNamespace(
        settings=Settings(**settings),
        security=security
        if security is not None
        else MiddlewareStack([HostValidationMiddleware()]),
        static=SimpleNamespace(use_manifest=use_manifest, root=tmp_path / "staticfiles"),
        router=SimpleNamespace(routes=lambda: iter(())),
        ratelimiter=SimpleNamespace(storage_url="memory://"),
        apps=(),
    )


def production(tmp_path: Path, **settings: Any) -> Any:
    settings = {
        "ALLOWED_HOSTS": ["example.com"],
        "SITE_URL": "https://example.com",
        **settings,
    }
    return fake_app(tmp_path, **settings)


def ids(messages: list[CheckMessage]) -> list[str]:
    return [m.id for m in messages]


def test_production_configuration_passes_deploy_checks(tmp_path: Path) -> None:
    assert run_checks(production(tmp_path), deploy=True) == []


def test_development_configuration_passes_plain_checks(tmp_path: Path) -> None:
    app = fake_app(tmp_path, DEBUG=True, SECRET_KEY="insecure-dev")
    assert run_checks(app) == []


@pytest.mark.parametrize(
    "key",
    ["", "short", "insecure-" + "x1y2z3" * 10, "a" * 60],
)
def test_e001_weak_secret_key_with_debug_off(tmp_path: Path, key: str) -> None:
    messages = run_checks(production(tmp_path, SECRET_KEY=key))
    assert ids(messages) == ["bastion.E001"]
    assert messages[0].level == "ERROR"
    assert "bastion secretkey" in messages[0].hint


def test_e001_reported_on_deploy_even_with_debug_on(tmp_path: Path) -> None:
    app = fake_app(tmp_path, DEBUG=True, SECRET_KEY="insecure-dev")
    assert "bastion.E001" in ids(run_checks(app, deploy=True))
    assert "bastion.E001" not in ids(run_checks(app))


def test_e002_empty_allowed_hosts_with_debug_off(tmp_path: Path) -> None:
    messages = run_checks(production(tmp_path, ALLOWED_HOSTS=[]))
    assert ids(messages) == ["bastion.E002"]
    assert "BASTION_ALLOWED_HOSTS" in messages[0].hint


def test_e002_not_reported_in_debug(tmp_path: Path) -> None:
    assert run_checks(fake_app(tmp_path, DEBUG=True)) == []


def test_w001_debug_on_deploy_only(tmp_path: Path) -> None:
    app = production(tmp_path, DEBUG=True)
    assert ids(run_checks(app, deploy=True)) == ["bastion.W001"]
    assert run_checks(app) == []


def test_w002_wildcard_host(tmp_path: Path) -> None:
    messages = run_checks(production(tmp_path, ALLOWED_HOSTS=["*"]))
    assert ids(messages) == ["bastion.W002"]
    assert messages[0].level == "WARNING"


def test_w003_one_message_per_removed_layer_quoting_reason(tmp_path: Path) -> None:
    class Other:
        def __call__(self, request: Any, call_next: Any) -> Any:  # pragma: no cover
            return call_next(request)

    stack = (
        MiddlewareStack([HostValidationMiddleware(), Other()])
        .without(HostValidationMiddleware, reason="nginx validates hosts")
        .without(Other, reason="testing")
    )
    messages = run_checks(production(tmp_path, security=stack))
    assert ids(messages) == ["bastion.W003", "bastion.W003"]
    text = " ".join(m.message for m in messages)
    assert "HostValidationMiddleware" in text
    assert "'nginx validates hosts'" in text
    assert "Other" in text
    assert "'testing'" in text


@pytest.mark.parametrize(
    ("site_url", "fragment"),
    [("", "empty"), ("http://example.com", "not https")],
)
def test_w004_site_url_on_deploy(tmp_path: Path, site_url: str, fragment: str) -> None:
    app = production(tmp_path, SITE_URL=site_url)
    messages = run_checks(app, deploy=True)
    assert ids(messages) == ["bastion.W004"]
    assert fragment in messages[0].message
    assert run_checks(app) == []


def test_w005_missing_manifest_on_deploy(tmp_path: Path) -> None:
    app = production(tmp_path, use_manifest=True)
    messages = run_checks(app, deploy=True)
    assert ids(messages) == ["bastion.W005"]
    assert "collectstatic" in messages[0].hint
    assert run_checks(app) == []


def test_w005_quiet_when_manifest_exists_or_is_off(tmp_path: Path) -> None:
    assert run_checks(production(tmp_path, use_manifest=False), deploy=True) == []
    (tmp_path / "staticfiles").mkdir()
    (tmp_path / "staticfiles" / "staticfiles.json").write_text("{}")
    assert run_checks(production(tmp_path, use_manifest=True), deploy=True) == []


@pytest.mark.parametrize("network", ["0.0.0.0/0", "::/0"])
def test_w006_proxy_trusting_everyone(tmp_path: Path, network: str) -> None:
    proxy = ProxyConfig(trusted_hops=1, trusted_addresses=("10.0.0.0/8", network))
    messages = run_checks(production(tmp_path, PROXY=proxy))
    assert ids(messages) == ["bastion.W006"]


def test_w006_quiet_without_hops_or_catch_all(tmp_path: Path) -> None:
    everyone = ProxyConfig(trusted_hops=0, trusted_addresses=("0.0.0.0/0",))
    narrow = ProxyConfig(trusted_hops=2, trusted_addresses=("10.0.0.0/8",))
    assert run_checks(production(tmp_path, PROXY=everyone)) == []
    assert run_checks(production(tmp_path, PROXY=narrow)) == []


def test_messages_sorted_most_serious_first(tmp_path: Path) -> None:
    app = fake_app(tmp_path, SECRET_KEY="", ALLOWED_HOSTS=["*"], STATIC=StaticConfig())
    messages = run_checks(app, deploy=True)
    assert ids(messages) == ["bastion.E001", "bastion.W002", "bastion.W004"]


def test_run_checks_accepts_own_list(tmp_path: Path) -> None:
    def custom(app: Any, deploy: bool) -> list[CheckMessage]:
        return [CheckMessage("myapp.I001", "INFO", f"deploy={deploy}")]

    messages = run_checks(production(tmp_path), deploy=True, checks=[custom])
    assert messages == [CheckMessage("myapp.I001", "INFO", "deploy=True")]


def test_every_default_check_is_documented() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "checks.md").read_text()
    sources = "\n".join((check.__doc__ or "") for check in CHECKS)
    for check_id in set(re.findall(r"bastion\.[EW]\d{3}", sources)):
        assert f"`{check_id}`" in doc, check_id


def test_check_message_str_and_seriousness() -> None:
    message = CheckMessage("bastion.W001", "WARNING", "DEBUG is on.", "Turn it off.")
    assert str(message) == "bastion.W001 [WARNING] DEBUG is on.\n    HINT: Turn it off."
    assert str(CheckMessage("x.I001", "INFO", "fyi")) == "x.I001 [INFO] fyi"
    assert message.is_serious("warning")
    assert not message.is_serious("ERROR")
    assert message.is_serious() is False


def test_level_number() -> None:
    assert [level_number(name) for name in LEVELS] == [10, 20, 30, 40, 50]
    with pytest.raises(ValueError, match="Unknown check level 'LOUD'"):
        level_number("LOUD")
