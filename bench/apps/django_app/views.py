"""Views written the way Django's documentation writes them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from bench.fortunes import for_request


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
