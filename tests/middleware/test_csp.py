"""CSPMiddleware: building the policy, adding the nonce, decorators, the report endpoint."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, Request, Response, StreamingResponse, path, render
from bastion.exceptions import ImproperlyConfigured
from bastion.middleware import csp as csp_module
from bastion.middleware.csp import ERROR_PAGE_STYLE_SOURCE, CSPMiddleware, policy_sources
from bastion.security.headers import (
    csp_exempt,
    csp_override,
    csp_update,
    xframe_options_exempt,
    xframe_options_sameorigin,
)
from bastion.settings import CSPConfig, HttpConfig, SecurityConfig, Settings, TemplateConfig
from bastion.testing import Client

KEY = "q8Zr2LmV7xKp4TnW9cYb3HdJ6fGs1RaE5uQo0iMl8NvBwXyCtPkSj"
STYLE = f"style-src 'self' {ERROR_PAGE_STYLE_SOURCE}"
DEFAULT = (
    "default-src 'self'; script-src 'self' 'strict-dynamic'; "
    f"{STYLE}; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; report-uri /csp-report/; report-to csp-endpoint"
)


def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


def nonce(request: Request) -> Response:
    factory = request.csp_nonce_factory
    return PlainTextResponse(factory() if factory is not None else "")


def make_app(routes: list[Any] | None = None, **overrides: Any) -> Bastion:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"], **overrides)
    routes = routes if routes is not None else [path("", ok), path("nonce", nonce)]
    return Bastion(settings, routes=routes)


def policy(response: Any, name: str = "Content-Security-Policy") -> dict[str, str]:
    """The header as directive → sources text."""
    directives = [d.strip().split(" ", 1) for d in response.headers[name].split(";")]
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


# -- the policy ----------------------------------------------------------------------------


def test_default_policy_is_one_precomputed_string() -> None:
    response = Client(make_app()).get("/")
    assert response.headers["Content-Security-Policy"] == DEFAULT
    assert response.headers["Reporting-Endpoints"] == 'csp-endpoint="/csp-report/"'
    assert "Content-Security-Policy-Report-Only" not in response.headers


def test_the_nonce_goes_into_script_src_and_style_src() -> None:
    response = Client(make_app()).get("/nonce")
    value = response.text
    assert len(value) == 22
    directives = policy(response)
    assert directives["script-src"] == f"'self' 'strict-dynamic' 'nonce-{value}'"
    assert directives["style-src"] == f"'self' {ERROR_PAGE_STYLE_SOURCE} 'nonce-{value}'"
    assert response.headers["Content-Security-Policy"].count("nonce-") == 2


def test_fetch_directives_missing_start_from_default_src() -> None:
    config = CSPConfig(directives={"default-src": ("'none'",), "img-src": ("'self'",)})
    response = Client(make_app(CSP=config)).get("/nonce")
    directives = policy(response)
    assert directives["script-src"] == f"'nonce-{response.text}'"
    assert directives["style-src"] == f"{ERROR_PAGE_STYLE_SOURCE} 'nonce-{response.text}'"
    plain = policy(Client(make_app(CSP=config)).get("/"))
    assert plain["style-src"] == ERROR_PAGE_STYLE_SOURCE
    assert "script-src" not in plain


def test_a_policy_that_does_not_restrict_scripts_gets_no_nonce() -> None:
    config = CSPConfig(directives={"object-src": ("'none'",)}, report_path=None)
    response = Client(make_app(CSP=config)).get("/nonce")
    assert response.headers["Content-Security-Policy"] == (
        "object-src 'none'; frame-ancestors 'none'"
    )


def test_unsafe_inline_is_not_switched_off_by_a_nonce_or_hash() -> None:
    config = CSPConfig(
        directives={
            "default-src": ("'self'",),
            "script-src": ("'self'", "'unsafe-inline'"),
            "style-src": ("'self'", "'unsafe-inline'"),
            "script-src-elem": ("'self'", "'unsafe-inline'", "'strict-dynamic'"),
            "style-src-elem": ("'self'",),
        }
    )
    response = Client(make_app(CSP=config)).get("/nonce")
    token = f"'nonce-{response.text}'"
    directives = policy(response)
    assert directives["script-src"] == "'self' 'unsafe-inline'"
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["script-src-elem"] == f"'self' 'unsafe-inline' 'strict-dynamic' {token}"
    assert directives["style-src-elem"] == f"'self' {ERROR_PAGE_STYLE_SOURCE} {token}"


@pytest.mark.parametrize(
    ("before", "name", "extra", "inline", "after"),
    [
        ({"default-src": ("'self'",)}, "img-src", ("a.example",), False, ("'self'", "a.example")),
        ({"default-src": ("'none'",)}, "img-src", ("a.example",), False, ("a.example",)),
        ({}, "img-src", ("a.example",), False, None),
        ({}, "form-action", ("a.example",), False, ("a.example",)),
        ({"img-src": ("'none'",)}, "img-src", ("a.example",), False, ("a.example",)),
        ({"img-src": ("a.example",)}, "img-src", ("a.example",), False, ("a.example",)),
        (
            {"child-src": ("c.example",), "script-src": ("s.example",)},
            "worker-src",
            ("w.example",),
            False,
            ("c.example", "w.example"),
        ),
        (
            {"script-src": ("s.example",), "default-src": ("'self'",)},
            "worker-src",
            ("w.example",),
            False,
            ("s.example", "w.example"),
        ),
        ({"style-src": ("'unsafe-inline'",)}, "style-src", ("x",), True, ("'unsafe-inline'",)),
        ({"style-src": ("'unsafe-inline'",)}, "style-src", ("x",), False, ("'unsafe-inline'", "x")),
    ],
)
def test_policy_sources(
    before: dict[str, tuple[str, ...]],
    name: str,
    extra: tuple[str, ...],
    inline: bool,
    after: tuple[str, ...] | None,
) -> None:
    result = dict(before)
    policy_sources(result, name, extra, inline=inline)
    assert result.get(name) == after


def test_report_only_policy_alongside() -> None:
    config = CSPConfig(report_only_directives={"script-src": ("'self'",), "img-src": ("'self'",)})
    response = Client(make_app(CSP=config)).get("/nonce")
    report_only = policy(response, "Content-Security-Policy-Report-Only")
    assert report_only == {
        "script-src": f"'self' 'nonce-{response.text}'",
        "img-src": "'self'",
        "report-uri": "/csp-report/",
        "report-to": "csp-endpoint",
    }
    assert f"'nonce-{response.text}'" in response.headers["Content-Security-Policy"]


def test_report_only_without_enforcing() -> None:
    config = CSPConfig(enabled=False, report_only_directives={"default-src": ("'self'",)})
    response = Client(make_app(CSP=config)).get("/")
    assert "Content-Security-Policy" not in response.headers
    assert policy(response, "Content-Security-Policy-Report-Only")["default-src"] == "'self'"


def test_nothing_to_send_means_no_nonce() -> None:
    app = make_app(CSP=CSPConfig(enabled=False))
    response = Client(app).get("/nonce")
    assert response.text == ""
    assert "Content-Security-Policy" not in response.headers
    assert "Reporting-Endpoints" not in response.headers


def test_without_a_report_path_nothing_reports() -> None:
    response = Client(make_app(CSP=CSPConfig(report_path=None))).get("/")
    assert "report-uri" not in response.headers["Content-Security-Policy"]
    assert "Reporting-Endpoints" not in response.headers
    assert Client(make_app(CSP=CSPConfig(report_path=None))).post("/csp-report/").status_code == 404


@pytest.mark.parametrize(
    ("mount", "uri"), [("/app", "/app/csp-report/"), ("/a;b c", "/a%3Bb%20c/csp-report/")]
)
def test_report_uri_includes_the_mount_point(mount: str, uri: str) -> None:
    client = Client(make_app(), base_url=f"https://testserver{mount}")
    for url in ("/", "/nonce"):
        response = client.get(url)
        assert policy(response)["report-uri"] == uri
        assert response.headers["Reporting-Endpoints"] == f'csp-endpoint="{uri}"'


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csp_module, "_CACHE_LIMIT", 1)
    app = make_app()
    for mount in ("/a", "/b", "/c", "/b"):
        response = Client(app, base_url=f"https://testserver{mount}").get("/")
        assert policy(response)["report-uri"] == f"{mount}/csp-report/"


def sets_its_own(request: Request) -> Response:
    response = PlainTextResponse("own")
    response.headers["content-security-policy"] = "default-src *"
    response.headers["Reporting-Endpoints"] = 'nel="/nel/"'
    return response


def test_a_view_policy_is_kept_after_the_site_policy_with_its_reporting_endpoints() -> None:
    response = Client(make_app([path("", sets_its_own)])).get("/")
    assert response.headers.getlist("Content-Security-Policy") == [DEFAULT, "default-src *"]
    assert response.headers.getlist("Reporting-Endpoints") == [
        'nel="/nel/"',
        'csp-endpoint="/csp-report/"',
    ]


def sets_sandbox(request: Request) -> Response:
    return PlainTextResponse("own", headers={"Content-Security-Policy": "sandbox"})


@csp_override({"default-src": ("'none'",)})
def overridden_sets_sandbox(request: Request) -> Response:
    return sets_sandbox(request)


@csp_exempt(reason="the view sends its own")
def exempt_sets_sandbox(request: Request) -> Response:
    return sets_sandbox(request)


def sets_the_site_policy(request: Request) -> Response:
    return PlainTextResponse("own", headers={"Content-Security-Policy": DEFAULT})


def test_a_view_policy_is_kept_after_an_override() -> None:
    response = Client(make_app([path("", overridden_sets_sandbox)])).get("/")
    override, own = response.headers.getlist("Content-Security-Policy")
    assert override.startswith("default-src 'none'; frame-ancestors 'none'; ")
    assert own == "sandbox"


def test_an_exempt_view_sends_its_own_policy_alone() -> None:
    config = CSPConfig(report_only_directives={"default-src": ("'self'",)})
    response = Client(make_app([path("", exempt_sets_sandbox)], CSP=config)).get("/")
    assert response.headers.getlist("Content-Security-Policy") == ["sandbox"]
    assert "Content-Security-Policy-Report-Only" not in response.headers


def test_a_view_policy_is_kept_when_only_the_trial_policy_is_sent() -> None:
    config = CSPConfig(enabled=False, report_only_directives={"default-src": ("'self'",)})
    response = Client(make_app([path("", sets_sandbox)], CSP=config)).get("/")
    assert response.headers.getlist("Content-Security-Policy") == ["sandbox"]
    assert len(response.headers.getlist("Content-Security-Policy-Report-Only")) == 1


def test_a_view_report_only_policy_is_still_replaced() -> None:
    def trial(request: Request) -> Response:
        return PlainTextResponse("own", headers={"Content-Security-Policy-Report-Only": "x-y"})

    config = CSPConfig(report_only_directives={"default-src": ("'self'",)})
    response = Client(make_app([path("", trial)], CSP=config)).get("/")
    [value] = response.headers.getlist("Content-Security-Policy-Report-Only")
    assert value.startswith("default-src 'self'; ")


def test_a_view_policy_equal_to_the_site_policy_is_sent_once() -> None:
    response = Client(make_app([path("", sets_the_site_policy)])).get("/")
    assert response.headers.getlist("Content-Security-Policy") == [DEFAULT]


def test_a_streamed_page_gets_the_nonce_in_its_header() -> None:
    def stream(request: Request) -> Response:
        def body() -> Iterator[str]:
            factory = request.csp_nonce_factory
            assert factory is not None
            yield f"<script nonce={factory()}></script>"

        return StreamingResponse(body())

    response = Client(make_app([path("", stream)])).get("/")
    value = response.text.removeprefix("<script nonce=").removesuffix("></script>")
    assert f"'nonce-{value}'" in response.headers["Content-Security-Policy"]


def test_a_template_nonce_matches_the_header(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        '<script nonce="{{ csp_nonce() }}"></script><style nonce="{{ csp_nonce() }}"></style>'
    )

    def page(request: Request) -> Response:
        return render(request, "page.html")

    app = make_app(
        [path("", page)], BASE_DIR=str(tmp_path), TEMPLATES=TemplateConfig(dirs=("templates",))
    )
    response = Client(app).get("/")
    value = response.text.split('"')[1]
    assert response.text.count(value) == 2
    assert policy(response)["script-src"].endswith(f"'nonce-{value}'")


# -- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (CSPConfig(directives={"script src": ("'self'",)}), "not a CSP directive name"),
        (CSPConfig(directives={"script-src": ("self",)}), "write the keyword quoted"),
        (CSPConfig(directives={"script-src": ("'nonce-abc'",)}), "fixed nonce"),
        (CSPConfig(directives={"script-src": ("a b",)}), "cannot go in a policy"),
        (CSPConfig(directives={"script-src": ("'self",)}), "cannot go in a policy"),
        (CSPConfig(directives={"script-src": (1,)}), "cannot go in a policy"),  # type: ignore[dict-item]
        (CSPConfig(directives={"report-uri": ("/r/",)}), "CSP.report_path adds them"),
        (
            CSPConfig(report_only_directives={"report-to": ("g",)}),
            "CSP.report_only_directives names report-uri",
        ),
        (CSPConfig(directives={"frame-ancestors": ("'self'",)}), "disagrees"),
        (CSPConfig(max_report_size=0), "positive"),
    ],
)
def test_bad_configuration_refuses_to_start(config: CSPConfig, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        CSPMiddleware(Settings(CSP=config))


def test_sources_given_as_a_string_are_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="tuple of sources"):
        csp_update(img_src="https://cdn.example")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ancestors", "expected"),
    [(None, "'self'"), (("'none'",), "'self'"), (("'self'", "https://partner.example"), None)],
)
def test_sameorigin_site_frame_ancestors(
    ancestors: tuple[str, ...] | None, expected: str | None
) -> None:
    directives = {"default-src": ("'self'",)}
    if ancestors is not None:
        directives["frame-ancestors"] = ancestors
    app = make_app(
        CSP=CSPConfig(directives=directives), SECURITY=SecurityConfig(x_frame_options="SAMEORIGIN")
    )
    found = policy(Client(app).get("/"))["frame-ancestors"]
    assert found == (expected or " ".join(ancestors or ()))


def test_sameorigin_with_other_frame_ancestors_disagrees() -> None:
    settings = Settings(
        CSP=CSPConfig(directives={"frame-ancestors": ("https://partner.example",)}),
        SECURITY=SecurityConfig(x_frame_options="SAMEORIGIN"),
    )
    with pytest.raises(ImproperlyConfigured, match="disagrees"):
        CSPMiddleware(settings)


# -- decorators ------------------------------------------------------------------------------


@csp_override({"default-src": ("'none'",), "img-src": ("https://maps.example",)})
def override(request: Request) -> Response:
    return nonce(request)


@csp_update({"img-src": ("https://cdn.example",)}, connect_src=("https://api.example",))
@csp_update(img_src=("https://img.example",))
def updated(request: Request) -> Response:
    return PlainTextResponse("u")


@csp_update(img_src=("https://cdn.example",))
@csp_override({"default-src": ("'self'",)})
def override_then_update(request: Request) -> Response:
    return PlainTextResponse("ou")


@csp_override({"default-src": ("'self'",)})
@csp_update(img_src=("https://cdn.example",))
def update_then_override(request: Request) -> Response:
    return PlainTextResponse("uo")


@xframe_options_sameorigin
@csp_override({"default-src": ("'self'",)})
def override_framed(request: Request) -> Response:
    return PlainTextResponse("of")


@csp_exempt(reason="legacy page being migrated")
def exempt(request: Request) -> Response:
    return nonce(request)


@xframe_options_exempt(reason="widget")
def embeddable(request: Request) -> Response:
    return PlainTextResponse("e")


DECORATED = [
    path("override", override),
    path("updated", updated),
    path("ou", override_then_update),
    path("uo", update_then_override),
    path("of", override_framed),
    path("exempt", exempt),
    path("embeddable", embeddable),
]


def test_csp_override_replaces_the_enforced_policy_only() -> None:
    config = CSPConfig(report_only_directives={"default-src": ("'self'",)})
    response = Client(make_app(DECORATED, CSP=config)).get("/override")
    token = f"'nonce-{response.text}'"
    assert policy(response) == {
        "default-src": "'none'",
        "img-src": "https://maps.example",
        "frame-ancestors": "'none'",
        "script-src": token,
        "style-src": f"{ERROR_PAGE_STYLE_SOURCE} {token}",
        "report-uri": "/csp-report/",
        "report-to": "csp-endpoint",
    }
    assert policy(response, "Content-Security-Policy-Report-Only")["default-src"] == "'self'"


def test_csp_update_adds_to_both_policies() -> None:
    config = CSPConfig(report_only_directives={"default-src": ("'none'",)})
    response = Client(make_app(DECORATED, CSP=config)).get("/updated")
    enforced = policy(response)
    assert enforced["img-src"] == "'self' data: https://img.example https://cdn.example"
    assert enforced["connect-src"] == "'self' https://api.example"
    report_only = policy(response, "Content-Security-Policy-Report-Only")
    assert report_only["img-src"] == "https://img.example https://cdn.example"


@pytest.mark.parametrize("url", ["/ou", "/uo"])
def test_override_and_update_combine_in_any_order(url: str) -> None:
    directives = policy(Client(make_app(DECORATED)).get(url))
    assert directives["img-src"] == "'self' https://cdn.example"
    assert directives["frame-ancestors"] == "'none'"


def test_an_override_follows_the_frame_decorator() -> None:
    assert policy(Client(make_app(DECORATED)).get("/of"))["frame-ancestors"] == "'self'"


def test_csp_exempt_sends_no_policy_but_keeps_frame_options() -> None:
    config = CSPConfig(report_only_directives={"default-src": ("'self'",)})
    response = Client(make_app(DECORATED, CSP=config)).get("/exempt")
    assert response.text == ""  # no nonce: nothing would carry it
    assert "Content-Security-Policy" not in response.headers
    assert "Content-Security-Policy-Report-Only" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "report_only",
    [{"default-src": ("'self'",), "frame-ancestors": ("'none'",)}, {"default-src": ("'self'",)}],
)
def test_an_exempt_frame_drops_frame_ancestors_from_both_policies(
    report_only: dict[str, tuple[str, ...]],
) -> None:
    config = CSPConfig(report_only_directives=report_only, report_path=None)
    response = Client(make_app(DECORATED, CSP=config)).get("/embeddable")
    assert "frame-ancestors" not in policy(response)
    assert policy(response, "Content-Security-Policy-Report-Only") == {
        "default-src": "'self'",
        "style-src": f"'self' {ERROR_PAGE_STYLE_SOURCE}",
    }


@pytest.mark.parametrize(
    "decorate",
    [
        lambda: csp_override({"frame-ancestors": ("*",)}),
        lambda: csp_update(frame_ancestors=("*",)),
    ],
)
def test_decorators_refuse_frame_ancestors(decorate: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="xframe_options"):
        decorate()


@pytest.mark.parametrize("reason", ["", " "])
def test_csp_exempt_needs_a_reason(reason: str) -> None:
    with pytest.raises(TypeError, match="needs a reason"):
        csp_exempt(reason=reason)


# -- the report endpoint ----------------------------------------------------------------------

CSP_REPORT = {
    "csp-report": {
        "document-uri": "https://testserver/reset?token=SECRET#frag",
        "blocked-uri": "https://evil.example/x.js?q=1",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "disposition": "enforce",
    }
}


def post(app: Bastion, body: bytes, content_type: str, **kwargs: Any) -> Any:
    return Client(app).post("/csp-report/", body=body, content_type=content_type, **kwargs)


def test_a_csp_report_is_logged_and_answered_204(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bastion.security.csp"):
        response = post(make_app(), json.dumps(CSP_REPORT).encode(), "application/csp-report")
    assert response.status_code == 204
    assert response.headers["Content-Security-Policy"] == DEFAULT
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "CSP violation (enforce): script-src-elem blocked https://evil.example/x.js "
        "on https://testserver/reset"
    )


def test_reporting_api_batches(caplog: pytest.LogCaptureFixture) -> None:
    body = [
        {
            "type": "csp-violation",
            "body": {
                "documentURL": "https://testserver/",
                "blockedURL": "inline",
                "effectiveDirective": "style-src-attr",
                "disposition": "report",
            },
        },
        {"type": "deprecation", "body": {"id": "x"}},
        {"type": "csp-violation", "body": "not a dict"},
    ]
    with caplog.at_level(logging.INFO, logger="bastion.security.csp"):
        response = post(make_app(), json.dumps(body).encode(), "application/reports+json")
    assert response.status_code == 204
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == (
        "CSP violation (report): style-src-attr blocked inline on https://testserver/"
    )


def test_a_large_batch_is_counted_not_all_logged(caplog: pytest.LogCaptureFixture) -> None:
    item = {"type": "csp-violation", "body": {"effectiveDirective": "img-src"}}
    with caplog.at_level(logging.INFO, logger="bastion.security.csp"):
        response = post(make_app(), json.dumps([item] * 25).encode(), "application/json")
    assert response.status_code == 204
    assert len(caplog.records) == 21
    assert caplog.records[-1].getMessage() == (
        "5 more CSP violations in one report were not logged."
    )


def test_fields_are_cleaned_for_the_log(caplog: pytest.LogCaptureFixture) -> None:
    report = {
        "csp-report": {
            "document-uri": "https://testserver/\r\nFAKE LOG LINE",
            "blocked-uri": "x" * 500,
            "violated-directive": ["not", "text"],
            "disposition": 7,
        }
    }
    with caplog.at_level(logging.INFO, logger="bastion.security.csp"):
        post(make_app(), json.dumps(report).encode(), "application/csp-report")
    message = caplog.records[0].getMessage()
    assert "\n" not in message
    assert "https://testserver/??FAKE LOG LINE" in message
    assert "x" * 200 in message
    assert "x" * 201 not in message
    assert message.startswith("CSP violation (7): <list> blocked")


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{}", "text/plain", 415),
        (b"{}", "application/x-www-form-urlencoded", 415),
        (b"not json", "application/csp-report", 400),
        (b"\xff\xfe\x00", "application/csp-report", 400),
        (b"[" * 100_000, "application/json", 413),
        (b"[" * 8_000 + b"]" * 8_000, "application/json", 400),
        (b'{"csp-report": 1}', "application/csp-report", 400),
        (b"[1, 2]", "application/reports+json", 400),
        (b"", "application/csp-report", 400),
    ],
)
def test_bad_reports_are_refused(body: bytes, content_type: str, status: int) -> None:
    assert post(make_app(), body, content_type).status_code == status


def test_other_methods_are_refused() -> None:
    response = Client(make_app()).get("/csp-report/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_a_declared_length_over_the_limit_is_refused_unread(wsgi: Any) -> None:
    source = io.BytesIO(b"{}" * 100)
    env = wsgi.environ(
        "/csp-report/",
        method="POST",
        headers={"Content-Type": "application/csp-report"},
        content_length="200",
        **{"wsgi.url_scheme": "https", "wsgi.input": source},
    )
    result = wsgi.call(make_app(CSP=CSPConfig(max_report_size=100)), env)
    assert result.status_code == 413
    assert source.tell() == 0


def test_an_undeclared_length_is_read_no_further_than_the_limit(wsgi: Any) -> None:
    source = io.BytesIO(b" " * 10_000)
    env = wsgi.environ(
        "/csp-report/",
        method="POST",
        headers={"Content-Type": "application/csp-report"},
        **{"wsgi.url_scheme": "https", "wsgi.input": source, "wsgi.input_terminated": True},
    )
    result = wsgi.call(make_app(CSP=CSPConfig(max_report_size=100)), env)
    assert result.status_code == 413
    assert source.tell() == 101


@pytest.mark.parametrize(
    ("headers", "status"),
    [({"Content-Length": "abc"}, 400), ({"Content-Length": "50"}, 413)],
)
def test_body_errors_from_the_reader_become_their_status(
    wsgi: Any, headers: dict[str, str], status: int
) -> None:
    env = wsgi.environ(
        "/csp-report/",
        method="POST",
        body=b"{}",
        headers={"Content-Type": "application/csp-report", **headers},
        **{"wsgi.url_scheme": "https"},
    )
    app = make_app(HTTP=HttpConfig(max_body_size=10), CSP=CSPConfig(max_report_size=100))
    assert wsgi.call(app, env).status_code == status


def test_reports_are_accepted_while_no_policy_is_sent() -> None:
    app = make_app(CSP=CSPConfig(enabled=False))
    response = post(app, json.dumps(CSP_REPORT).encode(), "application/csp-report")
    assert response.status_code == 204
    assert "Content-Security-Policy" not in response.headers


class Explode:
    def __call__(self, request: Request, call_next: Any, /) -> Response:
        raise RuntimeError("the session store is down")


def test_an_error_further_in_still_gets_the_policy() -> None:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"])
    app = Bastion(settings, routes=[path("", ok)], middleware=[Explode()])
    response = Client(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.headers["Content-Security-Policy"] == DEFAULT


def test_a_replayed_response_gets_each_header_once() -> None:
    """A response object sent again (a cache replaying a stored page) is not doubled up."""
    stored = PlainTextResponse("stored")

    def replay(request: Request) -> Response:
        return stored

    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"])
    client = Client(Bastion(settings, routes=[path("", replay)]))
    first = client.get("/").headers
    second = client.get("/").headers
    assert second.raw == first.raw
    assert all(len(second.getlist(name)) == 1 for name in second)


def test_a_streamed_download_draws_no_nonce() -> None:
    def download(request: Request) -> Response:
        return StreamingResponse(iter([b"a,b\n"]), content_type="text/csv")

    response = Client(make_app([path("", download)])).get("/")
    assert response.headers["Content-Security-Policy"] == DEFAULT
