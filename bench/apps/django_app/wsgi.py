"""The WSGI entry point, as ``startproject`` writes it (``get_wsgi_application`` runs setup)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.apps.django_app.settings")

application = get_wsgi_application()
