"""URL routing: declare routes with :func:`path` and :func:`include`, serve them with a Router.

>>> from bastion.routing import Router, path
>>> def home(request): ...
>>> router = Router([path("", home, name="home")])
>>> router.match("GET", "/").view is home
True
>>> router.reverse("home")
'/'

See ``docs/routing.md`` for patterns, converters, namespaces and the trailing slash policy.
"""

from __future__ import annotations

from bastion.routing.converters import DEFAULT_CONVERTERS as DEFAULT_CONVERTERS
from bastion.routing.converters import Converter as Converter
from bastion.routing.converters import IntConverter as IntConverter
from bastion.routing.converters import PathConverter as PathConverter
from bastion.routing.converters import SlugConverter as SlugConverter
from bastion.routing.converters import StrConverter as StrConverter
from bastion.routing.converters import UUIDConverter as UUIDConverter
from bastion.routing.router import Match as Match
from bastion.routing.router import NoReverseMatch as NoReverseMatch
from bastion.routing.router import RouteInfo as RouteInfo
from bastion.routing.router import RouteNotFound as RouteNotFound
from bastion.routing.router import Router as Router
from bastion.routing.routes import Include as Include
from bastion.routing.routes import Mount as Mount
from bastion.routing.routes import Route as Route
from bastion.routing.routes import RouteEntry as RouteEntry
from bastion.routing.routes import include as include
from bastion.routing.routes import path as path

__all__ = [
    "DEFAULT_CONVERTERS",
    "Converter",
    "Include",
    "IntConverter",
    "Match",
    "Mount",
    "NoReverseMatch",
    "PathConverter",
    "Route",
    "RouteEntry",
    "RouteInfo",
    "RouteNotFound",
    "Router",
    "SlugConverter",
    "StrConverter",
    "UUIDConverter",
    "include",
    "path",
]
