"""Password validation: every rule a new password breaks, reported together.

::

    from bastion.auth.passwords import validate_password

    validate_password("password1", user=user)   # ValidationError with every message at once

The defaults are :class:`MinimumLength` (12), :class:`MaximumLength` (128, which also bounds
the cost of hashing), :class:`CommonPassword` (20,000 common passwords, bundled),
:class:`UserAttributeSimilarity`, :class:`NumericPassword` and :class:`ZxcvbnStrength`
(score 3 of 4, with the user's own details as known inputs). A user sees every problem in one
round trip instead of fixing them one submission at a time. See ``docs/passwords.md``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from importlib import resources
from typing import Any, Protocol

from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # zxcvbn ships no type information

from bastion.exceptions import ValidationError

__all__ = [
    "DEFAULT_USER_ATTRIBUTES",
    "CommonPassword",
    "MaximumLength",
    "MinimumLength",
    "NumericPassword",
    "PasswordValidator",
    "UserAttributeSimilarity",
    "ZxcvbnStrength",
    "default_validators",
    "password_help_texts",
    "validate_password",
]

#: The user attributes a password is compared with (missing ones are skipped).
DEFAULT_USER_ATTRIBUTES = ("username", "email", "first_name", "last_name")
# zxcvbn refuses input over 72 characters and its matching grows quickly with length; the
# first 72 characters of a longer password are what it scores.
_ZXCVBN_MAX = 72


class PasswordValidator(Protocol):
    """What :func:`validate_password` calls: ``validate`` raises, ``help_text`` explains."""

    def validate(self, password: str, user: Any = None) -> None:
        """Raise :class:`~bastion.exceptions.ValidationError` when ``password`` fails."""

    def help_text(self) -> str:
        """The rule, in a sentence, for the form that asks for a new password."""


def _user_values(user: Any, attributes: Iterable[str]) -> list[tuple[str, str]]:
    """``(attribute, value)`` for each attribute the user has as non-empty text."""
    values = []
    for attribute in attributes:
        value = getattr(user, attribute, None)
        if isinstance(value, str) and value:
            values.append((attribute, value))
    return values


class MinimumLength:
    """At least ``min_length`` characters (12: NIST SP 800-63B's floor is 8, OWASP's 12 for
    single-factor accounts)."""

    def __init__(self, min_length: int = 12) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                "This password is too short. It must contain at least %(min)d characters.",
                code="password_too_short",
                params={"min": self.min_length},
            )

    def help_text(self) -> str:
        return f"Your password must contain at least {self.min_length} characters."


class MaximumLength:
    """At most ``max_length`` characters, so that hashing a submitted password stays cheap."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                "This password is too long. It must contain at most %(max)d characters.",
                code="password_too_long",
                params={"max": self.max_length},
            )

    def help_text(self) -> str:
        return f"Your password must contain at most {self.max_length} characters."


@functools.cache
def _bundled_common_passwords() -> frozenset[str]:
    """The bundled list: Django's 20,000 common passwords (Royce Williams' list, lower-cased)."""
    text = (
        resources.files("bastion.auth")
        .joinpath("data", "common-passwords.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


class CommonPassword:
    """Not on a list of common passwords (compared lower-cased, surrounding spaces ignored).

    Args:
        passwords: a list of your own instead of the bundled one (lower-case entries).
    """

    def __init__(self, passwords: Iterable[str] | None = None) -> None:
        self._passwords = None if passwords is None else frozenset(p.lower() for p in passwords)

    @property
    def passwords(self) -> frozenset[str]:
        return self._passwords if self._passwords is not None else _bundled_common_passwords()

    def validate(self, password: str, user: Any = None) -> None:
        if password.lower().strip() in self.passwords:
            raise ValidationError("This password is too common.", code="password_too_common")

    def help_text(self) -> str:
        return "Your password can't be a commonly used password."


class UserAttributeSimilarity:
    """Not too similar to the user's own details (username, email, names).

    Each attribute is compared whole and in parts split on non-word characters (so the local
    part and domain of an email count separately), as Django does.

    Args:
        attributes: user attributes to compare with.
        max_similarity: the :class:`difflib.SequenceMatcher` ratio at or above which the
            password is refused; at least 0.1.
    """

    def __init__(
        self, attributes: Sequence[str] = DEFAULT_USER_ATTRIBUTES, max_similarity: float = 0.7
    ) -> None:
        if max_similarity < 0.1:
            raise ValueError("max_similarity must be at least 0.1")
        self.attributes = tuple(attributes)
        self.max_similarity = max_similarity

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        candidate = password[:256].lower()  # SequenceMatcher is quadratic; bound its input
        for attribute, value in _user_values(user, self.attributes):
            parts = [value.lower(), *(p.lower() for p in re.split(r"\W+", value) if p)]
            for part in (p[:256] for p in parts):
                # A cheap upper bound first: strings of very different lengths can't match.
                bound = 2 * min(len(part), len(candidate)) / (len(part) + len(candidate))
                if bound < self.max_similarity:
                    continue
                matcher = SequenceMatcher(a=candidate, b=part, autojunk=False)
                if matcher.ratio() >= self.max_similarity:
                    raise ValidationError(
                        "The password is too similar to the %(field)s.",
                        code="password_too_similar",
                        params={"field": attribute.replace("_", " ")},
                    )

    def help_text(self) -> str:
        return "Your password can't be too similar to your other personal information."


class NumericPassword:
    """Not entirely digits: a numeric password has far less entropy than its length suggests."""

    def validate(self, password: str, user: Any = None) -> None:
        if password.isdigit():
            raise ValidationError(
                "This password is entirely numeric.", code="password_entirely_numeric"
            )

    def help_text(self) -> str:
        return "Your password can't be entirely numeric."


class ZxcvbnStrength:
    """A zxcvbn score of at least ``min_score`` (0 to 4), the user's details counted as known.

    zxcvbn estimates guesses from dictionaries, keyboard patterns, dates, repeats and
    sequences, so ``Summer2024!`` scores low even though it passes length and character-class
    rules. Its warning and suggestions are added to the message.

    Args:
        min_score: 3 ("safely unguessable: moderate protection from offline slow-hash
            scenario") by default.
        attributes: user attributes passed to zxcvbn as ``user_inputs``.
    """

    def __init__(
        self, min_score: int = 3, attributes: Sequence[str] = DEFAULT_USER_ATTRIBUTES
    ) -> None:
        if not 0 <= min_score <= 4:
            raise ValueError("min_score must be between 0 and 4")
        self.min_score = min_score
        self.attributes = tuple(attributes)

    def validate(self, password: str, user: Any = None) -> None:
        if not password:
            return  # the length rule reports it
        inputs: list[str] = []
        for _, value in _user_values(user, self.attributes):
            inputs.extend([value, *(p for p in re.split(r"\W+", value) if p)])
        result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=inputs)
        score = int(result["score"])
        if score >= self.min_score:
            return
        feedback = result.get("feedback") or {}
        hints = [str(feedback.get("warning") or ""), *map(str, feedback.get("suggestions") or [])]
        hint = " ".join(h.strip() for h in hints if h.strip())
        message = "This password is too easy to guess."
        raise ValidationError(f"{message} {hint}".strip(), code="password_too_weak")

    def help_text(self) -> str:
        return "Your password must be hard to guess: avoid words, names, dates and patterns."


def default_validators() -> list[PasswordValidator]:
    """A fresh list of the default validators, in the order their messages are listed."""
    return [
        MinimumLength(),
        MaximumLength(),
        CommonPassword(),
        UserAttributeSimilarity(),
        NumericPassword(),
        ZxcvbnStrength(),
    ]


def validate_password(
    password: str, user: Any = None, validators: Sequence[PasswordValidator] | None = None
) -> None:
    """Run every validator and raise one ValidationError listing every failure.

    Args:
        password: the proposed password.
        user: the account it is for (any object with ``username``/``email``/... attributes),
            or None for a sign-up before the user exists — pass an unsaved user if you can,
            so the similarity checks have something to compare with.
        validators: instead of :func:`default_validators`.

    Raises:
        ValidationError: ``.messages`` holds one message per failed rule, in order.
    """
    errors: list[ValidationError] = []
    for validator in default_validators() if validators is None else validators:
        try:
            validator.validate(password, user)
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors, code="invalid_password")


def password_help_texts(validators: Sequence[PasswordValidator] | None = None) -> list[str]:
    """Each validator's rule, for the help text under a new-password field."""
    return [v.help_text() for v in (default_validators() if validators is None else validators)]
