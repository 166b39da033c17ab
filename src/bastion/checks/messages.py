"""What a check reports: a message with a stable ID, a level and a hint."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:
    from bastion.app import Bastion

__all__ = ["LEVELS", "Check", "CheckMessage", "Level", "level_number"]

Level: TypeAlias = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LEVELS: dict[str, int] = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
"""Severity order of the levels (the numbers of the :mod:`logging` module)."""


def level_number(level: str) -> int:
    """The severity of ``level`` (case-insensitive), for comparing with a fail level.

    Raises:
        ValueError: ``level`` is not one of :data:`LEVELS`.
    """
    number = LEVELS.get(level.upper())
    if number is None:
        raise ValueError(f"Unknown check level {level!r}; use one of {', '.join(LEVELS)}.")
    return number


@dataclass(frozen=True, slots=True)
class CheckMessage:
    """One finding of a check.

    Attributes:
        id: stable identifier, ``bastion.E001`` (E: error, W: warning); never reused.
        level: how serious it is; ``bastion check`` fails at ERROR and above by default.
        message: what is wrong, in one sentence.
        hint: how to fix it.
    """

    id: str
    level: Level
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.id} [{self.level}] {self.message}"
        return f"{text}\n    HINT: {self.hint}" if self.hint else text

    def is_serious(self, fail_level: str = "ERROR") -> bool:
        """Whether this message is at or above ``fail_level``."""
        return LEVELS[self.level] >= level_number(fail_level)


Check: TypeAlias = Callable[["Bastion", bool], Iterable[CheckMessage]]
"""A check: ``check(app, deploy)`` yields the messages that apply to ``app``."""
