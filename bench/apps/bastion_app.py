"""Bastion as ``bastion startproject`` leaves it: every default middleware on, DEBUG off.

Nothing is switched off to look fast: host validation, security headers, CSP, sessions,
CSRF, auth and rate limiting all run on every request, as they would in production. The
database endpoints use Bastion's ORM models on the ``DATABASES`` setting.
"""

from __future__ import annotations

import random
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
from bastion.db import models
from bastion.routing import path
from bastion.settings import ProxyConfig, TemplateConfig
from bench.fortunes import ADDITIONAL, for_request
from bench.world import URL, WORLD_ROWS, query_count

__all__ = ["app"]

HERE = Path(__file__).resolve().parent.parent


class World(models.Model):
    """One row of ``world`` (created by `bench.database`, not by migrations)."""

    id = models.IntegerField(primary_key=True)
    randomnumber = models.IntegerField()

    class Meta:
        db_table = "world"
        app_label = "bench"


class Fortune(models.Model):
    """One row of ``fortune``."""

    id = models.IntegerField(primary_key=True)
    message = models.CharField(max_length=2048)

    class Meta:
        db_table = "fortune"
        app_label = "bench"


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


def _world() -> dict[str, int]:
    world = World.objects.get(id=random.randint(1, WORLD_ROWS))
    return {"id": world.id, "randomNumber": world.randomnumber}


def single_query(request: Request) -> JSONResponse:
    """Return one random row of ``world``."""
    return JSONResponse(_world())


def queries(request: Request) -> JSONResponse:
    """Return ``?queries=`` random rows, one query each."""
    count = query_count(request.query.get("queries"))
    return JSONResponse([_world() for _ in range(count)])


def fortunes(request: Request) -> TemplateResponse:
    """Render every stored fortune plus one added now, sorted by message."""
    rows = list(Fortune.objects.all())
    rows.append(Fortune(id=ADDITIONAL.id, message=ADDITIONAL.message))
    rows.sort(key=lambda fortune: fortune.message)
    return render(request, "fortunes.html", {"fortunes": rows})


settings = Settings(
    DEBUG=False,
    # A constant is fine here: this app only ever listens on loopback during a benchmark.
    SECRET_KEY="bench-only-4e8a1c7f0b3d6a9e2c5f8b1d4a7e0c3f6b9d2a5e8c1f4b7d0a3e6c9f2b5d8a1",
    ALLOWED_HOSTS=["localhost", "127.0.0.1"],
    TEMPLATES=TemplateConfig(dirs=(str(HERE / "templates"),)),
    # nginx in front terminates TLS and says so in X-Forwarded-Proto, as deployed.
    PROXY=ProxyConfig(trusted_hops=1),
    DATABASES={"default": URL},
)

app = Bastion(
    settings,
    routes=[
        path("plaintext", plaintext),
        path("json", json_view),
        path("template", template),
        path("form", form),
        path("db", single_query),
        path("queries", queries),
        path("fortunes", fortunes),
    ],
)
