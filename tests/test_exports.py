from __future__ import annotations

import pytest

import bastion


def test_public_names_load_on_first_use() -> None:
    assert "Bastion" in dir(bastion)
    assert set(bastion.__all__) <= set(dir(bastion))
    assert bastion.Bastion.__module__ == "bastion.app"
    assert "Bastion" in vars(bastion)  # cached after the first use


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'bastion' has no attribute 'Nope'"):
        _ = bastion.Nope
