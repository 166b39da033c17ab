"""incr() and decr() on every backend: atomic, keeping expiry, integers only."""

from __future__ import annotations

import threading

import pytest

from bastion.cache import Cache


def test_incr_and_decr(cache: Cache) -> None:
    cache.set("n", 10)
    assert cache.incr("n") == 11
    assert cache.incr("n", 5) == 16
    assert cache.decr("n") == 15
    assert cache.decr("n", 10) == 5
    assert cache.incr("n", 0) == 5
    assert cache.incr("n", -2) == 3
    assert cache.decr("n", -4) == 7
    assert cache.get("n") == 7


def test_counter_stays_an_int_for_get(cache: Cache) -> None:
    cache.set("n", 9)
    cache.decr("n")  # memcached may pad the shorter number with a space
    assert cache.get("n") == 8
    assert cache.get_many(["n"]) == {"n": 8}


def test_incr_missing_key_is_value_error(cache: Cache) -> None:
    with pytest.raises(ValueError, match="holds nothing to increment"):
        cache.incr("missing")
    with pytest.raises(ValueError, match="holds nothing to increment"):
        cache.decr("missing")
    assert cache.has_key("missing") is False


@pytest.mark.parametrize("value", ["5", 1.5, True, None, [1], {"n": 1}])
def test_incr_non_integer_is_value_error(cache: Cache, value: object) -> None:
    cache.set("key", value)
    with pytest.raises(ValueError, match="does not hold an integer"):
        cache.incr("key")
    assert cache.get("key") == value


@pytest.mark.parametrize("delta", [1.0, "1", True, None])
def test_delta_must_be_int(cache: Cache, delta: object) -> None:
    cache.set("n", 1)
    with pytest.raises(TypeError, match="int delta"):
        cache.incr("n", delta)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="int delta"):
        cache.decr("n", delta)  # type: ignore[arg-type]


def test_decr_below_zero(cache: Cache, backend: str) -> None:
    cache.set("n", 3)
    if backend == "memcached":
        assert cache.decr("n", 5) == 0  # memcached's counters stop at zero
    else:
        assert cache.decr("n", 5) == -2
        assert cache.incr("n", 1) == -1


def test_negative_stored_value(cache: Cache, backend: str) -> None:
    cache.set("n", -5)
    if backend == "memcached":
        with pytest.raises(ValueError, match="does not hold an integer"):
            cache.incr("n")
    else:
        assert cache.incr("n") == -4


def test_incr_is_atomic_under_threads(cache: Cache) -> None:
    cache.set("n", 0)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                cache.incr("n")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.get("n") == 1600
