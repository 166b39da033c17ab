"""Lazy re-exports (PEP 562) for packages whose public names live in heavier submodules.

``import bastion`` and ``import bastion.testing`` (loaded by the pytest plugin in every test
run) stay cheap: a name's module is imported the first time the name is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Build a package's ``__getattr__`` and ``__dir__`` from ``{name: module}``.

    Args:
        package: the package's import name, for error messages.
        exports: each public name and the module that defines it.
        namespace: the package's ``globals()``; a loaded name is cached there.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the PEP 562 hook
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the PEP 562 hook
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
