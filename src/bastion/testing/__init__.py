"""Testing tools: an in-process client that drives the application through WSGI.

``from bastion.testing import Client``; the pytest fixtures ``client`` and ``make_settings``
come from :mod:`bastion.testing.pytest_plugin`, which pytest loads by itself.

The names below are imported on first use: pytest imports this package (for the plugin) in
every run where Bastion is installed, and such a run must not pay for the client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion._exports import lazy_exports

if TYPE_CHECKING:
    from bastion.testing._encoding import FileSpec as FileSpec
    from bastion.testing._setcookie import SetCookie as SetCookie
    from bastion.testing.client import Client as Client
    from bastion.testing.client import RedirectError as RedirectError
    from bastion.testing.client import RequestOptions as RequestOptions
    from bastion.testing.cookiejar import Cookie as Cookie
    from bastion.testing.cookiejar import CookieJar as CookieJar
    from bastion.testing.response import ResponseHeaders as ResponseHeaders
    from bastion.testing.response import TestResponse as TestResponse

__all__ = [
    "Client",
    "Cookie",
    "CookieJar",
    "FileSpec",
    "RedirectError",
    "RequestOptions",
    "ResponseHeaders",
    "SetCookie",
    "TestResponse",
]

_HOMES = {
    "Client": "bastion.testing.client",
    "Cookie": "bastion.testing.cookiejar",
    "CookieJar": "bastion.testing.cookiejar",
    "FileSpec": "bastion.testing._encoding",
    "RedirectError": "bastion.testing.client",
    "RequestOptions": "bastion.testing.client",
    "ResponseHeaders": "bastion.testing.response",
    "SetCookie": "bastion.testing._setcookie",
    "TestResponse": "bastion.testing.response",
}


__getattr__, __dir__ = lazy_exports("bastion.testing", _HOMES, globals())
