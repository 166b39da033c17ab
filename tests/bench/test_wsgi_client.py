"""The in-process request: a target's query string reaches the app as WSGI says."""

from __future__ import annotations

from bench.wsgi_client import environ_factory


def test_environ_splits_the_query_string_off_the_path() -> None:
    environ = environ_factory("/queries?queries=20")()
    assert environ["PATH_INFO"] == "/queries"
    assert environ["QUERY_STRING"] == "queries=20"
    assert environ["RAW_URI"] == "/queries?queries=20"


def test_environ_without_query_string() -> None:
    environ = environ_factory("/db")()
    assert (environ["PATH_INFO"], environ["QUERY_STRING"]) == ("/db", "")
