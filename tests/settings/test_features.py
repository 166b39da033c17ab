from __future__ import annotations

import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.settings import LoggingConfig, StaticConfig


@pytest.mark.parametrize("url", ["static/", "/static", ""])
def test_static_config_url_needs_slashes(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"STATIC\.url"):
        StaticConfig(url=url)


def test_static_config_max_age_non_negative() -> None:
    with pytest.raises(ImproperlyConfigured, match="max_age"):
        StaticConfig(max_age=-1)


def test_logging_config_level() -> None:
    assert LoggingConfig(level="debug").level == "debug"
    with pytest.raises(ImproperlyConfigured, match="logging level"):
        LoggingConfig(level="LOUD")
