from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import bastion.testing
import bastion.testing.pytest_plugin
from bastion.settings.core import secret_key_problem
from bastion.testing.pytest_plugin import SettingsFactory

pytest_plugins = ["pytester"]


def test_plugin_make_settings_is_production_like(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    assert settings.DEBUG is False
    assert settings.ALLOWED_HOSTS == ("testserver",)
    assert len(settings.SECRET_KEY) == 64
    assert secret_key_problem(settings.SECRET_KEY) is None
    assert settings.for_startup() is settings  # a production start accepts it


def test_plugin_make_settings_overrides_and_shares_the_key(make_settings: SettingsFactory) -> None:
    first, second = make_settings(), make_settings(DEBUG=True, APPEND_SLASH=False)
    assert (second.DEBUG, second.APPEND_SLASH) == (True, False)
    assert first.SECRET_KEY == second.SECRET_KEY


def test_plugin_client_fixture_uses_the_app_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def app():
            def wsgi(environ, start_response):
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [environ["HTTP_HOST"].encode()]
            return wsgi
        """
    )
    pytester.makepyfile(
        """
        def test_home(client):
            assert client.get("/").text == "testserver"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_plugin_client_fixture_explains_a_missing_app(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_home(client):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*The 'client' fixture needs an 'app' fixture*", "*def app(*"])


def test_plugin_import_is_cheap() -> None:
    # pytest imports the plugin in every run where Bastion is installed: beyond what
    # ``import bastion`` costs anyway, it must load nothing but itself.
    code = (
        "import sys, bastion; before = set(sys.modules); "
        "import bastion.testing.pytest_plugin; "
        "print(sorted(m for m in set(sys.modules) - before if m.startswith('bastion')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['bastion.testing', 'bastion.testing.pytest_plugin']"


def test_plugin_modules_reload_cleanly() -> None:
    # pytest imported both before coverage started; reloading runs their module code again.
    plugin = importlib.reload(bastion.testing.pytest_plugin)
    package = importlib.reload(bastion.testing)
    assert callable(plugin.make_settings)
    assert "Client" in dir(package)


def test_testing_package_exports_lazily() -> None:
    assert bastion.testing.Client.__name__ == "Client"
    assert set(bastion.testing.__all__) <= set(dir(bastion.testing))
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        bastion.testing.Nope  # noqa: B018
