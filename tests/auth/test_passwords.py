"""Password validators: each rule, every message at once, the bundled list as package data."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from bastion.auth.passwords import (
    CommonPassword,
    MaximumLength,
    MinimumLength,
    NumericPassword,
    UserAttributeSimilarity,
    ZxcvbnStrength,
    default_validators,
    password_help_texts,
    validate_password,
)
from bastion.exceptions import ValidationError

ROOT = Path(__file__).resolve().parents[2]
ANN = SimpleNamespace(username="annsmith", email="ann.smith@example.com", first_name="Ann")


def messages(
    password: str, user: object = None, validators: list[object] | None = None
) -> list[str]:
    try:
        validate_password(password, user, validators)  # type: ignore[arg-type]
    except ValidationError as exc:
        return exc.messages
    return []


def test_a_strong_password_passes_every_default() -> None:
    assert messages("correct horse battery staple x9", ANN) == []


def test_every_failure_is_listed_at_once() -> None:
    found = messages("12345678")
    assert found[0] == "This password is too short. It must contain at least 12 characters."
    assert "This password is too common." in found
    assert "This password is entirely numeric." in found
    assert any(m.startswith("This password is too easy to guess.") for m in found)
    assert len(found) == 4


def test_minimum_and_maximum_length() -> None:
    assert messages("x" * 11, validators=[MinimumLength()]) != []
    assert messages("x" * 12, validators=[MinimumLength()]) == []
    assert messages("x" * 128, validators=[MaximumLength()]) == []
    assert messages("x" * 129, validators=[MaximumLength()]) == [
        "This password is too long. It must contain at most 128 characters."
    ]
    assert messages("abc", validators=[MinimumLength(3)]) == []


def test_common_passwords_bundled_and_custom() -> None:
    common = CommonPassword()
    assert len(common.passwords) > 19_000
    for password in ("password", "Password", " qwerty ", "iloveyou"):
        assert messages(password, validators=[common]) == ["This password is too common."]
    assert messages("zq-unlisted-7t", validators=[common]) == []
    assert messages("Hunter2", validators=[CommonPassword(["HUNTER2"])]) != []


def test_the_bundled_list_ships_as_package_data() -> None:
    """pyproject's package-data globs must match the list, or installed copies lack it."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["bastion"]
    relative = "auth/data/common-passwords.txt"
    assert (ROOT / "src" / "bastion" / relative).is_file()
    assert any(fnmatch.fnmatch(relative, g) for g in globs)


def test_similarity_to_user_attributes() -> None:
    validator = UserAttributeSimilarity()
    assert messages("annsmith", ANN, [validator]) == [
        "The password is too similar to the username."
    ]
    assert messages("ann.smith", ANN, [validator]) != []
    assert messages("example.com", ANN, [validator]) == [
        "The password is too similar to the email."
    ]  # the parts of the email count on their own
    assert messages("correct horse battery", ANN, [validator]) == []
    assert messages("annsmith", None, [validator]) == []  # no user yet: nothing to compare
    assert messages("annsmith", SimpleNamespace(username=None), [validator]) == []
    assert messages("x" * 10_000, SimpleNamespace(username="x" * 10_000), [validator]) != []
    with pytest.raises(ValueError, match=r"0\.1"):
        UserAttributeSimilarity(max_similarity=0.01)


def test_numeric() -> None:
    assert messages("839274619283", validators=[NumericPassword()]) == [
        "This password is entirely numeric."
    ]
    assert messages("839274619283a", validators=[NumericPassword()]) == []


def test_zxcvbn_counts_user_details_as_known() -> None:
    validator = ZxcvbnStrength()
    user = SimpleNamespace(first_name="Zebulon", last_name="Quartermaine")
    assert messages("ZebulonQuartermaine", None, [validator]) == []
    found = messages("ZebulonQuartermaine", user, [validator])
    assert len(found) == 1
    assert found[0].startswith("This password is too easy to guess.")


def test_zxcvbn_scores_and_bounds() -> None:
    assert messages("Summer2024!", validators=[ZxcvbnStrength()]) != []
    assert messages("Summer2024!", validators=[ZxcvbnStrength(min_score=0)]) == []
    assert messages("", validators=[ZxcvbnStrength()]) == []  # the length rule reports it
    assert messages("a" * 1000, validators=[ZxcvbnStrength()]) != []  # scored on 72 chars
    with pytest.raises(ValueError, match="between 0 and 4"):
        ZxcvbnStrength(min_score=5)


def test_codes_and_help_texts() -> None:
    with pytest.raises(ValidationError) as info:
        validate_password("short")
    assert info.value.code == "invalid_password"
    texts = password_help_texts()
    assert len(texts) == len(default_validators()) == 6
    assert texts[0] == "Your password must contain at least 12 characters."
    assert password_help_texts([NumericPassword()]) == ["Your password can't be entirely numeric."]
