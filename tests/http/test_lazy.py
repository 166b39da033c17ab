from __future__ import annotations

from bastion.http.lazy import lazy_property


class Thing:
    calls = 0

    @lazy_property
    def value(self) -> int:
        """The answer."""
        Thing.calls += 1
        return 42


def test_lazy_property_computes_once_per_instance() -> None:
    thing = Thing()
    assert (thing.value, thing.value) == (42, 42)
    assert Thing.calls == 1
    assert thing.__dict__["value"] == 42


def test_lazy_property_on_class_is_the_descriptor() -> None:
    assert isinstance(Thing.value, lazy_property)
    assert Thing.value.__doc__ == "The answer."
