"""Views written the way Django's documentation writes them."""

from __future__ import annotations

import random

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from bench.apps.django_app.models import Fortune, World
from bench.fortunes import ADDITIONAL, for_request
from bench.world import WORLD_ROWS, query_count


def plaintext(request: HttpRequest) -> HttpResponse:
    """Return the fixed text body."""
    return HttpResponse("Hello, World!", content_type="text/plain")


def json_view(request: HttpRequest) -> JsonResponse:
    """Return the fixed JSON object."""
    return JsonResponse({"message": "Hello, World!"})


def form(request: HttpRequest) -> HttpResponse:
    """Read the session and render a form with ``{% csrf_token %}``."""
    return render(request, "form.html", {"visits": request.session.get("visits", 0)})


def template(request: HttpRequest) -> HttpResponse:
    """Render the fortunes page with the Django template language and its context processors."""
    return render(request, "fortunes.html", {"fortunes": for_request()})


def _world() -> dict[str, int]:
    world = World.objects.get(id=random.randint(1, WORLD_ROWS))
    return {"id": world.id, "randomNumber": world.randomnumber}


def single_query(request: HttpRequest) -> JsonResponse:
    """Return one random row of ``world``."""
    return JsonResponse(_world())


def queries(request: HttpRequest) -> JsonResponse:
    """Return ``?queries=`` random rows, one query each."""
    count = query_count(request.GET.get("queries"))
    return JsonResponse([_world() for _ in range(count)], safe=False)


def fortunes(request: HttpRequest) -> HttpResponse:
    """Render every stored fortune plus one added now, sorted by message."""
    rows = list(Fortune.objects.all())
    rows.append(Fortune(id=ADDITIONAL.id, message=ADDITIONAL.message))
    rows.sort(key=lambda fortune: fortune.message)
    return render(request, "fortunes.html", {"fortunes": rows})
