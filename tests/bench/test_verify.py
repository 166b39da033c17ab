"""What counts as a right answer for the database endpoints (no database needed)."""

from __future__ import annotations

import json

import pytest

from bench.apps import TARGETS
from bench.verify import BenchError, check_response, verify, verify_targets
from bench.world import random_numbers

JSON = {"content-type": "application/json"}


def _world(row_id: int) -> dict[str, int]:
    return {"id": row_id, "randomNumber": random_numbers()[row_id - 1]}


def _body(data: object) -> bytes:
    return json.dumps(data).encode()


def test_check_db_accepts_a_row_of_the_table() -> None:
    check_response("db", 200, JSON, _body(_world(1)))
    check_response("db", 200, JSON, _body(_world(10_000)))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"id": 7, "randomNumber": random_numbers()[6] % 10_000 + 1}, "the table holds"),
        ({"id": 0, "randomNumber": 1}, "outside"),
        ({"id": 10_001, "randomNumber": 1}, "outside"),
        ({"id": "7", "randomNumber": random_numbers()[6]}, "integers"),
        ({"id": True, "randomNumber": random_numbers()[0]}, "integers"),
        ({"id": 7, "randomnumber": random_numbers()[6]}, "exactly id and randomNumber"),
        ([_world(7)], "exactly id and randomNumber"),
    ],
)
def test_check_db_refuses_a_wrong_row(data: object, reason: str) -> None:
    with pytest.raises(BenchError, match=reason):
        check_response("db", 200, JSON, _body(data))


def test_check_db_refuses_another_media_type_or_status() -> None:
    with pytest.raises(BenchError, match="expected JSON"):
        check_response("db", 200, {"content-type": "text/html"}, _body(_world(1)))
    with pytest.raises(BenchError, match="answered 500"):
        check_response("db", 500, JSON, b"oops")


@pytest.mark.parametrize(
    ("target", "count"),
    [
        (TARGETS["queries"], 20),
        ("/queries?queries=0", 1),
        ("/queries?queries=foo", 1),
        ("/queries", 1),
        ("/queries?queries=501", 500),
    ],
)
def test_check_queries_wants_the_clamped_count(target: str, count: int) -> None:
    rows = [_world(i) for i in range(1, count + 1)]
    check_response("queries", 200, JSON, _body(rows), target=target)
    with pytest.raises(BenchError, match=f"list of {count} rows"):
        check_response("queries", 200, JSON, _body([*rows, _world(42)]), target=target)


def test_check_queries_refuses_one_id_repeated() -> None:
    with pytest.raises(BenchError, match="same id"):
        check_response("queries", 200, JSON, _body([_world(5)] * 20))


def test_check_queries_refuses_a_wrong_row_among_right_ones() -> None:
    rows = [_world(i) for i in range(1, 21)]
    rows[13] = {"id": 14, "randomNumber": -1}
    with pytest.raises(BenchError, match=r"^/queries\?queries=20: .*the table holds"):
        check_response("queries", 200, JSON, _body(rows))


def test_verify_fetches_every_target_timed_one_first() -> None:
    fetched: list[str] = []

    def fetch(target: str) -> tuple[int, dict[str, str], bytes]:
        fetched.append(target)
        count = {"20": 20, "501": 500}.get(target.rpartition("=")[2], 1)
        return 200, JSON, _body([_world(i) for i in range(1, count + 1)])

    verify(["queries"], fetch)
    assert fetched == list(verify_targets("queries"))
    assert fetched[0] == TARGETS["queries"]
    assert {"/queries?queries=0", "/queries?queries=foo", "/queries?queries=501"} <= set(fetched)
