"""URL configuration: the benchmark endpoints, no trailing slash (as TechEmpower asks)."""

from __future__ import annotations

from django.urls import path

from bench.apps.django_app import views

urlpatterns = [
    path("plaintext", views.plaintext),
    path("json", views.json_view),
    path("template", views.template),
    path("form", views.form),
    path("db", views.single_query),
    path("queries", views.queries),
    path("fortunes", views.fortunes),
]
