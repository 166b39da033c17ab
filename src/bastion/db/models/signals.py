"""Model signals: ``pre_save``, ``post_save``, ``pre_delete``, ``post_delete``, ``m2m_changed``.

Receivers connect for one sender (a model class) or for all; they are held strongly (a
receiver is a function you defined, not an object that should vanish).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Signal", "m2m_changed", "post_delete", "post_save", "pre_delete", "pre_save"]

Receiver = Callable[..., Any]


class Signal:
    """A hook point: ``connect(receiver, sender=Model)``, then ``send(sender, **kwargs)``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[tuple[Receiver, Any]] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Signal {self.name}>"

    def connect(self, receiver: Receiver | None = None, *, sender: Any = None) -> Any:
        """Connect ``receiver`` (also usable as ``@signal.connect(sender=Model)``)."""
        if receiver is None:
            return lambda func: self.connect(func, sender=sender)
        with self._lock:
            if (receiver, sender) not in self._receivers:
                self._receivers.append((receiver, sender))
        return receiver

    def disconnect(self, receiver: Receiver, *, sender: Any = None) -> bool:
        """Remove a receiver; return whether it was connected."""
        with self._lock:
            try:
                self._receivers.remove((receiver, sender))
            except ValueError:
                return False
        return True

    def has_receivers(self, sender: Any) -> bool:
        return any(s is None or s is sender for _r, s in self._receivers)

    def send(self, sender: Any, **kwargs: Any) -> list[tuple[Receiver, Any]]:
        """Call every receiver for ``sender``; an exception propagates (and rolls back)."""
        results = []
        for receiver, wanted in list(self._receivers):
            if wanted is None or wanted is sender:
                results.append((receiver, receiver(sender=sender, signal=self, **kwargs)))
        return results


pre_save = Signal("pre_save")
post_save = Signal("post_save")
pre_delete = Signal("pre_delete")
post_delete = Signal("post_delete")
m2m_changed = Signal("m2m_changed")
