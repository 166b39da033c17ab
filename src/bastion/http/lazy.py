"""``lazy_property``: compute an attribute on first access, then keep it.

``functools.cached_property`` on Python 3.11 takes a lock on every first access (about
0.45 µs; 3.12 removed it). A request is used by one thread, and a request's properties are
read once or twice each, so that lock would be most of the cost of a lazy header parse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

__all__ = ["lazy_property"]

T = TypeVar("T")


class lazy_property(Generic[T]):  # noqa: N801 - used like the built-in ``property``
    """A non-data descriptor: the first read calls the function and stores the result in the
    instance's ``__dict__``, where later reads find it without calling anything.

    Not thread-safe by design: use it only on objects owned by one thread at a time.
    """

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> lazy_property[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object, owner: type | None = None) -> T | lazy_property[T]:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value
