"""Bastion as ``bastion startproject`` leaves it: every default middleware on, DEBUG off.

Nothing is switched off to look fast: host validation, security headers, CSP, sessions,
CSRF, auth and rate limiting all run on every request, as they would in production.
"""

from __future__ import annotations

from pathlib import Path

from bastion import (
    Bastion,
    JSONResponse,
    PlainTextResponse,
    Request,
    Settings,
    TemplateResponse,
    render,
)
from bastion.routing import path
from bastion.settings import ProxyConfig, TemplateConfig
from bench.fortunes import for_request

__all__ = ["app"]

HERE = Path(__file__).resolve().parent.parent


def plaintext(request: Request) -> PlainTextResponse:
    """Return the fixed text body."""
    return PlainTextResponse("Hello, World!")


def json_view(request: Request) -> JSONResponse:
    """Return the fixed JSON object."""
    return JSONResponse({"message": "Hello, World!"})


def template(request: Request) -> TemplateResponse:
    """Render the fortunes page with Bastion's Jinja2 environment (autoescape on)."""
    return render(request, "fortunes.html", {"fortunes": for_request()})


def form(request: Request) -> TemplateResponse:
    """Read the session and render a form carrying a fresh masked CSRF token."""
    return render(request, "form.html", {"visits": request.session.get("visits", 0)})


settings = Settings(
    DEBUG=False,
    # A constant is fine here: this app only ever listens on loopback during a benchmark.
    SECRET_KEY="bench-only-4e8a1c7f0b3d6a9e2c5f8b1d4a7e0c3f6b9d2a5e8c1f4b7d0a3e6c9f2b5d8a1",
    ALLOWED_HOSTS=["localhost", "127.0.0.1"],
    TEMPLATES=TemplateConfig(dirs=(str(HERE / "templates"),)),
    # nginx in front terminates TLS and says so in X-Forwarded-Proto, as deployed.
    PROXY=ProxyConfig(trusted_hops=1),
)

app = Bastion(
    settings,
    routes=[
        path("plaintext", plaintext),
        path("json", json_view),
        path("template", template),
        path("form", form),
    ],
)
