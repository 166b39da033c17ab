"""The shared rules of the database endpoints: the table's contents and ``?queries=``."""

from __future__ import annotations

import pytest

from bench.world import MAX_QUERIES, WORLD_ROWS, query_count, random_numbers


@pytest.mark.parametrize(
    ("raw", "count"),
    [
        (None, 1),
        ("", 1),
        ("foo", 1),
        ("1.5", 1),
        ("-3", 1),
        ("0", 1),
        ("1", 1),
        ("20", 20),
        ("500", 500),
        ("501", MAX_QUERIES),
        ("999999", MAX_QUERIES),
    ],
)
def test_query_count_clamps_and_defaults_to_one(raw: str | None, count: int) -> None:
    assert query_count(raw) == count


def test_random_numbers_is_the_same_full_column_every_time() -> None:
    numbers = random_numbers()
    assert len(numbers) == WORLD_ROWS
    assert all(1 <= n <= WORLD_ROWS for n in numbers)
    assert len(set(numbers)) > WORLD_ROWS // 2  # random-looking, not a constant
    random_numbers.cache_clear()
    assert random_numbers() == numbers
