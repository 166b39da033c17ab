"""pytest fixtures for Bastion projects: ``client`` and ``make_settings``.

pytest loads this module through the ``bastion`` ``pytest11`` entry point in every run where
Bastion is installed, including runs of projects that do not use it. So it defines fixtures
and nothing else: no hooks, no options, no side effects, and the fixtures import what they
need only when a test asks for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from bastion.settings import Settings
    from bastion.testing.client import Client

__all__ = ["SettingsFactory", "client", "make_settings"]


class SettingsFactory(Protocol):
    """What the ``make_settings`` fixture returns: ``make_settings(**overrides) -> Settings``."""

    def __call__(self, **overrides: Any) -> Settings: ...


@pytest.fixture
def make_settings() -> SettingsFactory:
    """A factory of production-like settings for tests.

    ``make_settings(**overrides)`` returns ``Settings(DEBUG=False, SECRET_KEY=<random>,
    ALLOWED_HOSTS=["testserver"], **overrides)``. DEBUG is off, as Django's test runner forces
    it, so tests run the code paths production runs (error pages, static files, checks);
    pass ``DEBUG=True`` to test development behaviour. The secret key is random but the same
    for every call within one test, so two applications built in a test can read each
    other's signed data.
    """
    import secrets

    from bastion.settings import Settings

    secret_key = secrets.token_urlsafe(48)

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "DEBUG": False,
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": ["testserver"],
            **overrides,
        }
        return Settings(**values)

    return make


@pytest.fixture
def client(request: pytest.FixtureRequest) -> Client:
    """A :class:`~bastion.testing.Client` for the ``app`` fixture, with an empty cookie jar.

    Define ``app`` in your ``conftest.py``; it returns the application to test.
    """
    from bastion.testing.client import Client

    try:
        app = request.getfixturevalue("app")
    except pytest.FixtureLookupError:
        pytest.fail(
            "The 'client' fixture needs an 'app' fixture returning your application. Add to "
            "conftest.py:\n\n"
            "    @pytest.fixture\n"
            "    def app(make_settings):\n"
            "        return Bastion(make_settings(), routes=routes)\n",
            pytrace=False,
        )
    return Client(app)
