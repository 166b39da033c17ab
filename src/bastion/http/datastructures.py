"""Multi-valued mappings for query strings, form fields and uploaded files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar, overload

__all__ = ["MultiDict"]

K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")


class MultiDict(Mapping[K, V], Generic[K, V]):
    """An immutable mapping where a key may carry several values, in arrival order.

    ``d[key]`` and ``d.get(key)`` give the *last* value (as Django's ``QueryDict`` does);
    ``d.getlist(key)`` gives all of them. Request data is read-only: a view that wants to
    change it builds a new dict with :meth:`to_dict` or :meth:`lists`.
    """

    __slots__ = ("_data",)

    def __init__(self, items: Iterable[tuple[K, V]] | Mapping[K, V] = ()) -> None:
        data: dict[K, list[V]] = {}
        # A list of pairs is the common case (parsers); skip the slow ABC check for it.
        pairs = (
            items
            if type(items) is list
            else (items.items() if isinstance(items, Mapping) else items)
        )
        for key, value in pairs:
            bucket = data.get(key)
            if bucket is None:
                data[key] = [value]
            else:
                bucket.append(value)
        self._data = data

    def __getitem__(self, key: K) -> V:
        return self._data[key][-1]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MultiDict):
            return self._data == other._data
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple((k, tuple(v)) for k, v in self._data.items()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.multi_items())!r})"

    @overload
    def get(self, key: K, /) -> V | None: ...
    @overload
    def get(self, key: K, /, default: V | D) -> V | D: ...
    def get(self, key: K, /, default: object = None) -> object:
        """Return the last value for ``key``, or ``default`` when it is absent."""
        bucket = self._data.get(key)
        return bucket[-1] if bucket else default

    def getlist(self, key: K) -> list[V]:
        """Return every value for ``key`` in arrival order (a new list; empty if absent)."""
        return list(self._data.get(key, ()))

    def lists(self) -> Iterator[tuple[K, list[V]]]:
        """Yield ``(key, [values...])`` pairs."""
        for key, values in self._data.items():
            yield key, list(values)

    def multi_items(self) -> Iterator[tuple[K, V]]:
        """Yield every ``(key, value)`` pair, keys repeated as often as they were sent."""
        for key, values in self._data.items():
            for value in values:
                yield key, value

    def to_dict(self) -> dict[K, V]:
        """Return a plain dict holding the last value of each key."""
        return {key: values[-1] for key, values in self._data.items()}
