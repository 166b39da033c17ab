from __future__ import annotations

import pytest

from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.middleware import HostValidationMiddleware, MiddlewareStack, default_middleware
from bastion.settings import Settings
from bastion.types import Handler


class Tagger:
    def __init__(self, tag: str = "a") -> None:
        self.tag = tag

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        response = call_next(request)
        response.headers.add("X-Tag", self.tag)
        return response


def test_default_middleware_pins_every_layer_in_order() -> None:
    settings = Settings(SECRET_KEY="k" * 20 + "3J9-vQ2xZ8_pL4mN7bR1tY6wE5uI0oA3sD9fG2hJ8kL7zX4")
    stack = default_middleware(settings)
    assert [type(layer).__name__ for layer in stack] == [
        "HostValidationMiddleware",
        "HTTPSRedirectMiddleware",
        "SecurityHeadersMiddleware",
        "CSPMiddleware",
        "ClickjackingMiddleware",
        "SessionMiddleware",
        "CSRFMiddleware",
        "RateLimitMiddleware",
    ]
    assert isinstance(next(iter(stack)), HostValidationMiddleware)
    assert stack.removed == {}


def test_without_needs_a_reason_and_records_it() -> None:
    stack = MiddlewareStack([HostValidationMiddleware(), Tagger()])
    with pytest.raises(ImproperlyConfigured, match="needs a reason"):
        stack.without(Tagger, reason="  ")
    smaller = stack.without(Tagger, reason=" legacy client ")
    assert [type(layer) for layer in smaller] == [HostValidationMiddleware]
    assert smaller.removed == {"Tagger": "legacy client"}
    assert len(stack) == 2  # the original is unchanged
    assert "removed={'Tagger': 'legacy client'}" in repr(smaller)


def test_without_unknown_layer_is_an_error() -> None:
    stack = MiddlewareStack([HostValidationMiddleware()])
    with pytest.raises(ImproperlyConfigured, match="Tagger is not in the stack"):
        stack.without(Tagger, reason="x")


def test_replace_keeps_position() -> None:
    first = Tagger("one")
    stack = MiddlewareStack([first, HostValidationMiddleware()], {"X": "y"})
    replaced = stack.replace(Tagger("two"))
    layers = list(replaced)
    assert isinstance(layers[0], Tagger)
    assert layers[0].tag == "two"
    assert replaced.removed == {"X": "y"}
