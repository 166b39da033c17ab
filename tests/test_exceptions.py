"""The exception hierarchy and the forms a ValidationError takes."""

from __future__ import annotations

import pytest

from bastion.exceptions import (
    BadHeaderError,
    BastionError,
    DisallowedHost,
    DisallowedRedirect,
    ImproperlyConfigured,
    SuspiciousOperation,
    ValidationError,
)


def test_hierarchy_and_logger_names() -> None:
    assert issubclass(ImproperlyConfigured, BastionError)
    assert issubclass(BadHeaderError, ValueError)
    assert issubclass(ValidationError, ValueError)
    assert DisallowedHost("x").status_code == 400
    assert DisallowedHost("x").logger_name == "bastion.security.DisallowedHost"
    assert DisallowedRedirect().logger_name == "bastion.security.DisallowedRedirect"
    assert SuspiciousOperation().logger_name == "bastion.security.SuspiciousOperation"
    assert BadHeaderError().logger_name == "bastion.security.BadHeaderError"


def test_single_message_with_params_and_code() -> None:
    err = ValidationError("At most %(n)s.", code="max", params={"n": 3})
    assert err.messages == ["At most 3."]
    assert err.code == "max"
    assert err.params == {"n": 3}
    assert err.error_dict is None
    assert err.message_dict == {"__all__": ["At most 3."]}
    assert err.args == (["At most 3."],)


def test_message_without_params_keeps_percent_signs() -> None:
    assert ValidationError("100% wrong").messages == ["100% wrong"]


def test_list_of_messages_and_errors_flattens() -> None:
    err = ValidationError(
        ["one", ValidationError("two %(x)s", params={"x": "!"}), ["three", "four"]]
    )
    assert err.messages == ["one", "two !", "three", "four"]
    assert err.message_dict == {"__all__": ["one", "two !", "three", "four"]}
    assert err.code is None


def test_dict_of_messages() -> None:
    err = ValidationError(
        {
            "name": "required",
            "age": ["too small", ValidationError("not a number")],
            "__all__": ValidationError(["clash"]),
        }
    )
    assert err.message_dict == {
        "name": ["required"],
        "age": ["too small", "not a number"],
        "__all__": ["clash"],
    }
    assert err.messages == ["required", "too small", "not a number", "clash"]
    assert err.args == (err.error_dict,)
    # message_dict is a copy: mutating it leaves the error alone.
    err.message_dict["name"].append("extra")
    assert err.message_dict["name"] == ["required"]


def test_nested_dict_flattens_inner_messages() -> None:
    inner = ValidationError({"street": "missing", "zip": ["bad"]})
    err = ValidationError({"address": inner})
    assert err.message_dict == {"address": ["missing", "bad"]}


def test_wrapping_an_error_keeps_its_messages_and_code() -> None:
    original = ValidationError({"a": "x"}, code="orig")
    wrapped = ValidationError(original)
    assert wrapped.message_dict == {"a": ["x"]}
    assert wrapped.messages == ["x"]
    assert wrapped.code == "orig"
    assert ValidationError(original, code="new").code == "new"
    single = ValidationError(ValidationError("m", code="c"))
    assert single.messages == ["m"]
    assert single.message_dict == {"__all__": ["m"]}
    assert single.code == "c"


def test_raised_and_caught_as_value_error() -> None:
    with pytest.raises(ValueError, match="bad"):
        raise ValidationError("bad")
