"""Settings of a fresh ``startproject``, with DEBUG off and PostgreSQL as deployed.

Only the database endpoints query it: the session and the user are lazy and never touched,
so no other endpoint opens a connection. Connections persist (``CONN_MAX_AGE``), one per
thread, as a deployed Django app keeps them; psycopg 3 is the driver.
"""

from __future__ import annotations

from pathlib import Path

from bench.world import DATABASE, HOST, PORT, USER

HERE = Path(__file__).resolve().parent

# A constant is fine here: this app only ever listens on loopback during a benchmark.
SECRET_KEY = "bench-only-9f2c7e1a4b8d3f6e0a5c9b2d7e4f1a8c3b6d0e9f2a5c8b1d4e7f0a3c6b9d2e5f8"
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "bench.apps.django_app",  # the World and Fortune models
]

# Exactly the list ``django-admin startproject`` writes.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bench.apps.django_app.urls"
WSGI_APPLICATION = "bench.apps.django_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE,
        "USER": USER,
        "HOST": HOST,
        "PORT": str(PORT),
        "CONN_MAX_AGE": 600,
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
