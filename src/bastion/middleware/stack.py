"""The framework's own middleware layers, pinned in order.

Security layers are not a list the project edits by position (the Django ``MIDDLEWARE``
pitfall): the stack is built by :func:`bastion.middleware.default_middleware`, and taking a
layer out is a call that must say why. ``bastion check --deploy`` lists every removal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from bastion.exceptions import ImproperlyConfigured
from bastion.types import Middleware

__all__ = ["MiddlewareStack"]


class MiddlewareStack:
    """An immutable, ordered stack of the framework's layers, with a record of removals."""

    __slots__ = ("_layers", "_removed")

    def __init__(
        self, layers: Sequence[Middleware], removed: Mapping[str, str] | None = None
    ) -> None:
        self._layers = tuple(layers)
        self._removed = dict(removed or {})

    def __iter__(self) -> Iterator[Middleware]:
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)

    def __repr__(self) -> str:
        names = ", ".join(type(layer).__name__ for layer in self._layers)
        return f"MiddlewareStack([{names}], removed={self._removed!r})"

    @property
    def removed(self) -> Mapping[str, str]:
        """Names of the layers taken out, with the reason given for each."""
        return dict(self._removed)

    def _index(self, kind: type) -> int:
        for index, layer in enumerate(self._layers):
            if type(layer) is kind:
                return index
        names = ", ".join(type(layer).__name__ for layer in self._layers)
        raise ImproperlyConfigured(f"{kind.__name__} is not in the stack ({names}).")

    def without(self, kind: type, *, reason: str) -> MiddlewareStack:
        """Return a stack without the layer of class ``kind``.

        Security: this switches a protection off for the whole site; ``reason`` is shown by
        ``bastion check --deploy`` (bastion.W003). Prefer a per-view exemption where there is one.

        Raises:
            ImproperlyConfigured: no reason was given, or the layer is not in the stack.
        """
        if not reason or not reason.strip():
            raise ImproperlyConfigured(
                f"Removing {kind.__name__} needs a reason: without(..., reason='why').",
            )
        index = self._index(kind)
        layers = self._layers[:index] + self._layers[index + 1 :]
        return MiddlewareStack(layers, {**self._removed, kind.__name__: reason.strip()})

    def replace(self, layer: Middleware) -> MiddlewareStack:
        """Return a stack where the layer of the same class is swapped for ``layer``.

        Use it to run a layer with other options while keeping its place in the order.
        """
        index = self._index(type(layer))
        layers = (*self._layers[:index], layer, *self._layers[index + 1 :])
        return MiddlewareStack(layers, self._removed)
