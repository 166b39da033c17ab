from __future__ import annotations

from bastion.http.datastructures import MultiDict


def test_multidict_last_value_wins_and_getlist_keeps_all() -> None:
    data = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
    assert data["a"] == "3"
    assert data.get("a") == "3"
    assert data.getlist("a") == ["1", "3"]
    assert data.getlist("missing") == []
    assert data.get("missing") is None
    assert data.get("missing", "d") == "d"
    assert len(data) == 2
    assert "a" in data
    assert list(data) == ["a", "b"]


def test_multidict_views_and_equality() -> None:
    data = MultiDict({"x": "1"})
    assert list(data.lists()) == [("x", ["1"])]
    assert list(MultiDict([("a", "1"), ("a", "2")]).multi_items()) == [("a", "1"), ("a", "2")]
    assert data.to_dict() == {"x": "1"}
    assert data == MultiDict([("x", "1")])
    assert data != MultiDict([("x", "2")])
    assert (data == {"x": "1"}) is False
    assert hash(data) == hash(MultiDict([("x", "1")]))
    assert repr(data) == "MultiDict([('x', '1')])"


def test_multidict_getlist_returns_a_copy() -> None:
    data = MultiDict([("a", "1")])
    data.getlist("a").append("2")
    assert data.getlist("a") == ["1"]
