"""The table marks endpoints that could not run, and still reads files saved before them."""

from __future__ import annotations

from typing import Any

from bench.report import endpoints_of, render_table, render_unavailable

REASON = "PostgreSQL at 127.0.0.1:5432 not usable: connection refused"


def _results(**extra: Any) -> dict[str, Any]:
    timing = {"median_us": 10.0}
    return {
        "measures": ["inprocess"],
        "apps": {
            "bare": {"inprocess": {"plaintext": timing}},
            "bastion": {"inprocess": {"plaintext": {"median_us": 20.0}}},
        },
        **extra,
    }


def test_unavailable_endpoints_are_rows_that_say_so() -> None:
    results = _results(endpoints=["plaintext", "db"], unavailable={"db": REASON})
    table = render_table(results)
    db_rows = [line for line in table.splitlines() if line.startswith("db ")]
    assert len(db_rows) == 2
    assert all("unavailable" in row for row in db_rows)
    assert render_unavailable(results) == f"/db unavailable: {REASON}"


def test_queries_row_names_its_row_count() -> None:
    results = _results(endpoints=["queries"], unavailable={"queries": REASON})
    assert "queries (20)" in render_table(results)


def test_a_file_saved_before_endpoints_were_recorded_lists_what_it_measured() -> None:
    results = _results()
    assert endpoints_of(results) == ["plaintext"]
    assert render_unavailable(results) == ""
    assert "0.50x" in render_table(results)
