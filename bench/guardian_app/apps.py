"""The app's config: the ``app`` label gives the permission ``app.change_doc``."""

from __future__ import annotations

from django.apps import AppConfig


class BenchDocsConfig(AppConfig):
    name = "bench.guardian_app"
    label = "app"
    default_auto_field = "django.db.models.BigAutoField"
