"""Conditional requests (RFC 9110 §13) in ``bastion.http.conditional``; ranges: test_ranges.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bastion.handlers.errors import ErrorRenderer
from bastion.http.conditional import (
    check_preconditions,
    condition,
    finalize_response,
    make_etag,
    parse_etags,
)
from bastion.http.exceptions import PreconditionFailed
from bastion.http.headers import RequestHeaders
from bastion.http.request import Request
from bastion.http.response import JSONResponse, Response, StreamingResponse
from bastion.settings.core import Settings

SETTINGS = Settings(DEBUG=True)
ETAG = '"v1"'
MODIFIED = datetime(2024, 5, 17, 12, 30, 15, tzinfo=UTC)
MODIFIED_TEXT = "Fri, 17 May 2024 12:30:15 GMT"
BEFORE = "Fri, 17 May 2024 12:30:14 GMT"
AFTER = "Fri, 17 May 2024 12:30:16 GMT"
BODY = bytes(range(100))


class FakeApp:
    """Just what ``finalize_response`` reads from ``request.app``."""

    def __init__(self) -> None:
        self.errors = ErrorRenderer(SETTINGS)


def make_request(method: str = "GET", app: Any = None, **headers: str) -> Request:
    names = {name.replace("_", "-"): value for name, value in headers.items()}
    return Request(settings=SETTINGS, method=method, headers=RequestHeaders(names), app=app)


def validated(
    etag: str | None = ETAG, modified: str | None = MODIFIED_TEXT, body: bytes = b"hello"
) -> Response:
    response = Response(body)
    if etag is not None:
        response.headers["ETag"] = etag
    if modified is not None:
        response.headers["Last-Modified"] = modified
    return response


class RangedResponse(Response):
    """An in-memory response that opts in to ranges."""

    accepts_ranges = True


def ranged(body: bytes = BODY, **headers: str) -> RangedResponse:
    response = RangedResponse(body, content_type="application/octet-stream")
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


# -- make_etag, parse_etags ----------------------------------------------------------------


def test_make_etag_is_quoted_short_and_stable() -> None:
    tag = make_etag(b"hello")
    assert tag.startswith('"')
    assert tag.endswith('"')
    assert len(tag) == 24
    assert tag == make_etag("hello")
    assert tag != make_etag(b"hello!")


def test_make_etag_weak_has_prefix() -> None:
    assert make_etag(b"x", weak=True) == "W/" + make_etag(b"x")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('"a"', ['"a"']),
        ('"a", W/"b" ,"c"', ['"a"', 'W/"b"', '"c"']),
        ("*", ["*"]),
        ("  *  ", ["*"]),
        ("", []),
        ("garbage", []),
        ('"a", garbage, "b"', ['"a"', '"b"']),
        ('""', ['""']),
    ],
)
def test_parse_etags_reads_lists(header: str, expected: list[str]) -> None:
    assert parse_etags(header) == expected


# -- finalize_response: the fast path --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "response"),
    [
        ("GET", Response("no validators")),
        ("GET", Response("x", status=404)),
        ("POST", validated()),
        ("PUT", validated()),
    ],
)
def test_finalize_response_returns_same_object_when_nothing_applies(
    method: str, response: Response
) -> None:
    request = make_request(method, if_none_match="*", range="bytes=0-0", if_match='"zzz"')
    assert finalize_response(request, response) is response
    assert response.status_code in (200, 404)


def test_finalize_response_without_conditional_headers_keeps_validated_response() -> None:
    response = validated()
    assert finalize_response(make_request(), response) is response


def test_finalize_response_finds_unusually_spelled_validator() -> None:
    response = Response("x")
    response.headers["eTAG"] = ETAG
    assert finalize_response(make_request(if_none_match=ETAG), response).status_code == 304


@pytest.mark.parametrize("spelling", ["ETag", "etag", "ETAG", "Etag"])
def test_finalize_response_finds_usual_spellings(spelling: str) -> None:
    response = Response("x")
    response.headers[spelling] = ETAG
    assert finalize_response(make_request(if_none_match=ETAG), response).status_code == 304


# -- If-None-Match / If-Modified-Since -> 304 -------------------------------------------------


@pytest.mark.parametrize(
    ("etag", "header"),
    [
        ('"v1"', '"v1"'),
        ('"v1"', 'W/"v1"'),
        ('W/"v1"', '"v1"'),
        ('W/"v1"', 'W/"v1"'),
        ('"v1"', '"v0", "v1"'),
        ('"v1"', "*"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_finalize_response_if_none_match_weak_match_is_304(
    etag: str, header: str, method: str
) -> None:
    response = validated(etag=etag)
    result = finalize_response(make_request(method, if_none_match=header), response)
    assert result.status_code == 304
    assert result.body == b""
    assert result.headers["ETag"] == etag


@pytest.mark.parametrize("header", ['"v2"', 'W/"v2"', '"v0", "v2"', "garbage", ""])
def test_finalize_response_if_none_match_mismatch_is_200(header: str) -> None:
    response = validated()
    assert finalize_response(make_request(if_none_match=header), response) is response


def test_finalize_response_if_none_match_without_etag_never_matches() -> None:
    response = validated(etag=None)
    request = make_request(if_none_match='"v1"', if_modified_since=AFTER)
    # If-None-Match present: If-Modified-Since is not consulted (RFC 9110 §13.2.2).
    assert finalize_response(request, response) is response


def test_finalize_response_304_keeps_only_caching_headers_and_cookies() -> None:
    response = validated()
    for name, value in [
        ("Cache-Control", "no-cache"),
        ("Vary", "Cookie"),
        ("Expires", "0"),
        ("Content-Location", "/x"),
        ("Date", MODIFIED_TEXT),
        ("X-Frame-Options", "DENY"),
        ("Content-Language", "en"),
    ]:
        response.headers[name] = value
    response.set_cookie("session", "abc")
    closed: list[bool] = []
    response.call_on_close(lambda: closed.append(True))
    result = finalize_response(make_request(if_none_match=ETAG), response)
    names = {name.lower() for name in result.headers}
    assert names == {
        "etag",
        "last-modified",
        "cache-control",
        "vary",
        "expires",
        "content-location",
        "date",
        "content-length",
    }
    assert result.headers["Content-Length"] == "5"
    assert "session" in result.cookies
    assert closed == [True]


@pytest.mark.parametrize(("since", "status"), [(MODIFIED_TEXT, 304), (AFTER, 304), (BEFORE, 200)])
def test_finalize_response_if_modified_since(since: str, status: int) -> None:
    response = validated(etag=None)
    result = finalize_response(make_request(if_modified_since=since), response)
    assert result.status_code == status


@pytest.mark.parametrize("since", ["not a date", "", "Fri, 32 May 2024 12:30:15 GMT"])
def test_finalize_response_if_modified_since_invalid_is_ignored(since: str) -> None:
    response = validated()
    assert finalize_response(make_request(if_modified_since=since), response) is response


def test_finalize_response_if_modified_since_without_last_modified_is_ignored() -> None:
    response = validated(modified=None)
    assert finalize_response(make_request(if_modified_since=AFTER), response) is response


def test_finalize_response_invalid_last_modified_is_no_validator() -> None:
    response = validated(etag=None, modified="last tuesday")
    assert finalize_response(make_request(if_modified_since=AFTER), response) is response


# -- If-Match / If-Unmodified-Since -> 412 ---------------------------------------------------


@pytest.mark.parametrize(
    ("etag", "header", "status"),
    [
        ('"v1"', '"v1"', 200),
        ('"v1"', '"v0", "v1"', 200),
        ('"v1"', "*", 200),
        ('"v1"', '"v2"', 412),
        ('"v1"', 'W/"v1"', 412),
        ('W/"v1"', 'W/"v1"', 412),
        ('W/"v1"', '"v1"', 412),
        (None, '"v1"', 412),
        (None, "*", 200),
    ],
)
def test_finalize_response_if_match_is_strong(etag: str | None, header: str, status: int) -> None:
    response = validated(etag=etag)
    result = finalize_response(make_request(if_match=header), response)
    assert result.status_code == status


@pytest.mark.parametrize(
    ("since", "status"),
    [(BEFORE, 412), (MODIFIED_TEXT, 200), (AFTER, 200), ("nonsense", 200)],
)
def test_finalize_response_if_unmodified_since(since: str, status: int) -> None:
    response = validated()
    result = finalize_response(make_request(if_unmodified_since=since), response)
    assert result.status_code == status


def test_finalize_response_if_match_overrides_if_unmodified_since() -> None:
    response = validated()
    request = make_request(if_match=ETAG, if_unmodified_since=BEFORE)
    assert finalize_response(request, response) is response


def test_finalize_response_if_unmodified_since_needs_last_modified() -> None:
    response = validated(modified=None)
    assert finalize_response(make_request(if_unmodified_since=BEFORE), response) is response


def test_finalize_response_412_without_app_is_plain_text() -> None:
    response = validated()
    result = finalize_response(make_request(if_match='"nope"'), response)
    assert result.status_code == 412
    assert result.headers["Content-Type"].startswith("text/plain")
    assert "Precondition Failed" in result.text


def test_finalize_response_412_uses_the_app_renderer_and_keeps_security_headers() -> None:
    response = validated()
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Language"] = "en"
    response.set_cookie("session", "abc")
    request = make_request(if_match='"nope"', app=FakeApp(), accept="application/json")
    result = finalize_response(request, response)
    assert isinstance(result, JSONResponse)
    assert result.status_code == 412
    assert result.headers["Content-Type"] == "application/json"
    assert result.headers["X-Frame-Options"] == "DENY"
    for dropped in ("ETag", "Last-Modified", "Cache-Control", "Content-Language"):
        assert dropped not in result.headers
    assert "session" in result.cookies


# -- check_preconditions directly ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "headers", "exists", "expected"),
    [
        ("PUT", {"if_match": '"v0"'}, True, 412),
        ("PUT", {"if_match": ETAG}, True, None),
        ("PUT", {"if_match": "*"}, False, 412),
        ("PUT", {"if_none_match": "*"}, True, 412),
        ("PUT", {"if_none_match": "*"}, False, None),
        ("POST", {"if_none_match": ETAG}, True, 412),
        ("POST", {"if_modified_since": AFTER}, True, None),
        ("DELETE", {"if_unmodified_since": BEFORE}, True, 412),
        ("GET", {"if_none_match": ETAG}, True, 304),
        ("GET", {}, True, None),
    ],
)
def test_check_preconditions_by_method(
    method: str, headers: dict[str, str], exists: bool, expected: int | None
) -> None:
    request = make_request(method, **headers)
    status = check_preconditions(request, etag=ETAG, last_modified=MODIFIED, exists=exists)
    assert status == expected


# -- finalize_response with ranges: preconditions first, If-Range, the 416 page ---------------
# (which bytes a Range selects, and how a response is narrowed: test_ranges.py)


def test_finalize_response_conditions_win_over_range() -> None:
    response = ranged(ETag=ETAG)
    result = finalize_response(make_request(range="bytes=0-9", if_none_match=ETAG), response)
    assert result.status_code == 304
    assert result.headers["Content-Length"] == "100"


@pytest.mark.parametrize(
    ("if_range", "status"),
    [
        (ETAG, 206),
        ('"v2"', 200),
        ('W/"v1"', 200),
        (MODIFIED_TEXT, 206),
        (BEFORE, 200),
        (AFTER, 200),
        ("not a date", 200),
    ],
)
def test_finalize_response_if_range(if_range: str, status: int) -> None:
    response = ranged(ETag=ETAG, Last_Modified=MODIFIED_TEXT)
    result = finalize_response(make_request(range="bytes=0-9", if_range=if_range), response)
    assert result.status_code == status
    assert result.body == (BODY[:10] if status == 206 else BODY)


def test_finalize_response_if_range_weak_etag_never_matches() -> None:
    response = ranged(ETag='W/"v1"')
    result = finalize_response(make_request(range="bytes=0-9", if_range='W/"v1"'), response)
    assert result.status_code == 200


def test_finalize_response_if_range_date_needs_last_modified() -> None:
    response = ranged()
    result = finalize_response(make_request(range="bytes=0-9", if_range=MODIFIED_TEXT), response)
    assert result.status_code == 200


def test_finalize_response_416_uses_the_app_renderer_and_keeps_cookies() -> None:
    response = ranged(X_Frame_Options="DENY", ETag=ETAG)
    response.set_cookie("session", "abc")
    closed: list[bool] = []
    response.call_on_close(lambda: closed.append(True))
    request = make_request(range="bytes=100-", app=FakeApp(), accept="application/json")
    result = finalize_response(request, response)
    assert isinstance(result, JSONResponse)
    assert result.status_code == 416
    assert result.headers["Content-Type"] == "application/json"
    assert result.headers["Content-Range"] == "bytes */100"
    assert result.headers["X-Frame-Options"] == "DENY"
    assert "ETag" not in result.headers
    assert "session" in result.cookies
    assert closed == [True]


def _stream() -> Iterator[bytes]:
    yield BODY


def test_finalize_response_stream_not_modified_has_no_length() -> None:
    response = StreamingResponse(_stream())
    response.headers["ETag"] = ETAG
    result = finalize_response(make_request(if_none_match=ETAG), response)
    assert result.status_code == 304
    assert "Content-Length" not in result.headers


# -- condition() ---------------------------------------------------------------------------------


class Calls:
    def __init__(self) -> None:
        self.count = 0

    def view(self, request: Request, pk: int) -> Response:
        self.count += 1
        return Response(f"item {pk}")


def test_condition_304_skips_the_view() -> None:
    calls = Calls()
    view = condition(etag=lambda request, pk: f"v{pk}")(calls.view)
    response = view(make_request(if_none_match='"v7"'), pk=7)
    assert response.status_code == 304
    assert calls.count == 0
    assert response.headers["ETag"] == '"v7"'
    assert "Content-Type" not in response.headers


def test_condition_sets_validators_on_a_200() -> None:
    calls = Calls()
    view = condition(
        etag=lambda request, pk: make_etag(str(pk)),
        last_modified=lambda request, pk: MODIFIED.replace(tzinfo=None, microsecond=500),
    )(calls.view)
    response = view(make_request(), pk=3)
    assert calls.count == 1
    assert response.text == "item 3"
    assert response.headers["ETag"] == make_etag("3")
    assert response.headers["Last-Modified"] == MODIFIED_TEXT


def test_condition_keeps_validators_the_view_set() -> None:
    def view(request: Request) -> Response:
        response = Response("x")
        response.headers["ETag"] = '"own"'
        return response

    response = condition(etag=lambda request: "computed")(view)(make_request())
    assert response.headers["ETag"] == '"own"'


def test_condition_last_modified_304_uses_whole_seconds() -> None:
    calls = Calls()
    view = condition(last_modified=lambda request, pk: MODIFIED + timedelta(microseconds=900))(
        calls.view
    )
    response = view(make_request(if_modified_since=MODIFIED_TEXT), pk=1)
    assert response.status_code == 304
    assert response.headers["Last-Modified"] == MODIFIED_TEXT
    assert calls.count == 0


@pytest.mark.parametrize(
    ("headers", "etag"),
    [
        ({"if_match": '"v0"'}, "v1"),
        ({"if_none_match": "*"}, "v1"),
        ({"if_match": "*"}, None),
        ({"if_unmodified_since": BEFORE}, "v1"),
    ],
)
def test_condition_unsafe_method_412_before_the_view(
    headers: dict[str, str], etag: str | None
) -> None:
    calls = Calls()
    # A resource that does not exist has neither validator.
    modified = MODIFIED if etag is not None else None
    view = condition(etag=lambda request, pk: etag, last_modified=lambda request, pk: modified)(
        calls.view
    )
    with pytest.raises(PreconditionFailed):
        view(make_request("PUT", **headers), pk=1)
    assert calls.count == 0


def test_condition_put_creating_a_new_resource_runs() -> None:
    calls = Calls()
    view = condition(etag=lambda request, pk: None)(calls.view)
    response = view(make_request("PUT", if_none_match="*"), pk=1)
    assert calls.count == 1
    assert "ETag" not in response.headers


def test_condition_unsafe_response_gets_no_validators() -> None:
    calls = Calls()
    view = condition(etag=lambda request, pk: "v1")(calls.view)
    response = view(make_request("POST", if_match='"v1"'), pk=1)
    assert calls.count == 1
    assert "ETag" not in response.headers


def test_condition_error_response_gets_no_validators() -> None:
    def missing(request: Request) -> Response:
        return Response("gone", status=404)

    response = condition(etag=lambda request: "v1")(missing)(make_request())
    assert "ETag" not in response.headers


@pytest.mark.parametrize("tag", ['"quoted"', 'W/"weak"', "bare-token"])
def test_condition_accepts_quoted_and_bare_etags(tag: str) -> None:
    response = condition(etag=lambda request: tag)(lambda request: Response("x"))(make_request())
    assert response.headers["ETag"] in (tag, f'"{tag}"')


@pytest.mark.parametrize("tag", ['has"quote', "has space", "new\nline"])
def test_condition_refuses_impossible_etag(tag: str) -> None:
    view = condition(etag=lambda request: tag)(lambda request: Response("x"))
    with pytest.raises(ValueError, match="make_etag"):
        view(make_request())


def test_condition_keeps_the_view_name() -> None:
    calls = Calls()
    view = condition(etag=lambda request, pk: "v")(calls.view)
    assert view.__name__ == "view"
    assert view.__wrapped__ == calls.view  # type: ignore[attr-defined]


def test_finalize_response_reads_last_modified_once_for_several_dates() -> None:
    response = ranged(Last_Modified=MODIFIED_TEXT)
    request = make_request(
        if_unmodified_since=AFTER,
        if_modified_since=BEFORE,
        range="bytes=0-9",
        if_range=MODIFIED_TEXT,
    )
    result = finalize_response(request, response)
    assert result.status_code == 206
    assert result.body == BODY[:10]


def test_condition_through_the_wsgi_app(wsgi: Any) -> None:
    from bastion.app import Bastion
    from bastion.routing import path

    @condition(etag=lambda request: "v3")
    def document(request: Request) -> Response:
        return Response("<p>v3</p>")

    settings = Settings(
        SECRET_KEY="x9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ",
        ALLOWED_HOSTS=["testserver"],
    )
    app = Bastion(settings, routes=[path("doc/", document)])
    fresh = wsgi.call(app, wsgi.environ("/doc/"))
    assert fresh.status_code == 200
    assert fresh.header("ETag") == '"v3"'
    cached = wsgi.call(app, wsgi.environ("/doc/", headers={"If-None-Match": '"v3"'}))
    assert cached.status_code == 304
    assert cached.body == b""
    stale = wsgi.call(app, wsgi.environ("/doc/", method="PUT", headers={"If-Match": '"v2"'}))
    assert stale.status_code == 412
    assert "Precondition Failed" in stale.text
