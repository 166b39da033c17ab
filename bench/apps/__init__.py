"""The four WSGI apps under test, each named by the ``module:attribute`` gunicorn also uses.

Import strings rather than objects so that nothing is imported until an app is measured:
each app is measured in its own process, so one framework's heap never slows another's
garbage collections.
"""

from __future__ import annotations

__all__ = ["APPS", "DB_ENDPOINTS", "ENDPOINTS", "TARGETS"]

APPS: dict[str, str] = {
    "bare": "bench.apps.bare:app",
    "flask": "bench.apps.flask_app:app",
    "django": "bench.apps.django_app.wsgi:application",
    "bastion": "bench.apps.bastion_app:app",
}

DB_ENDPOINTS: tuple[str, ...] = ("db", "queries", "fortunes")
"""The endpoints that query PostgreSQL (`bench.database` prepares it); without it they are
reported as unavailable and the others still run."""

ENDPOINTS: tuple[str, ...] = ("plaintext", "json", "template", "form", *DB_ENDPOINTS)
"""``form`` renders a form with the framework's CSRF token (none in Flask or bare WSGI) and
reads the session: the page every login or sign-up form is."""

TARGETS: dict[str, str] = {e: "/" + e for e in ENDPOINTS} | {"queries": "/queries?queries=20"}
"""The request target timed for each endpoint: 20 rows is TechEmpower's headline figure for
multiple queries (`bench.verify` also checks the other counts and the clamping)."""
