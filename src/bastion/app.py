"""The ``Bastion`` application: one object, built once from settings, frozen after setup.

It owns the router, the middleware chain, the template engine, static files, the installed
apps and the error renderer, and it is the WSGI callable.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bastion.apps import App
from bastion.cache import Cache, cache_from_url
from bastion.db.engine import Databases
from bastion.db.engine import _active as _active_databases
from bastion.db.models.registry import registry
from bastion.exceptions import ImproperlyConfigured
from bastion.handlers.base import Dispatcher, build_chain, check_redirect, resolve
from bastion.handlers.errors import ErrorPage, ErrorRenderer
from bastion.handlers.wsgi import handle_wsgi
from bastion.http.conditional import finalize_response
from bastion.http.response import RedirectResponse
from bastion.mail import Mailer, mailer_from_url
from bastion.middleware import MiddlewareStack, default_middleware
from bastion.ratelimit import RateLimiter
from bastion.routing import Converter, Router, include, path
from bastion.settings import Settings
from bastion.staticfiles import StaticFiles, StaticFilesMiddleware
from bastion.templating.engine import TemplateEngine

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.types import Middleware, StartResponse, WSGIEnviron

__all__ = ["Bastion"]


class Bastion:
    """A web application.

    Args:
        settings: the project's settings; validated here (a production configuration with a
            weak secret key or no allowed hosts refuses to start).
        routes: the project's own routes (``path(...)`` entries).
        apps: installed :class:`~bastion.apps.App` objects; their routes are mounted under
            their prefix and namespace, their templates and static files are found.
        middleware: the project's middleware, run after (inside) the framework's layers.
        security: the framework's layers; default :func:`~bastion.middleware.default_middleware`.
            Pass ``default_middleware(settings).without(Layer, reason=...)`` to drop one.
        converters: custom path converters by name.
        error_page: optional hook rendering error pages in the project's style.

    Raises:
        ImproperlyConfigured: the settings or the composition are not usable.
    """

    _frozen = False

    def __init__(
        self,
        settings: Settings,
        *,
        routes: Sequence[Any] = (),
        apps: Sequence[App] = (),
        middleware: Sequence[Middleware] = (),
        security: MiddlewareStack | None = None,
        converters: Mapping[str, Converter] | None = None,
        error_page: ErrorPage | None = None,
    ) -> None:
        self.settings = settings = settings.for_startup()
        self.apps = _unique_apps([*apps, *_implied_apps(settings, apps)])
        mounted = [
            path(app.prefix, include(app.routes, namespace=app.label))
            for app in self.apps
            if app.routes
        ]
        self.router = Router(
            [*routes, *mounted], converters=converters, append_slash=settings.APPEND_SLASH
        )
        base_dir = Path(settings.BASE_DIR)
        self.static = StaticFiles(
            settings,
            source_dirs=[
                *(base_dir / d for d in settings.STATIC.dirs),
                *(app.static_dir for app in self.apps if app.static_dir is not None),
            ],
        )
        self.templates = TemplateEngine(
            settings,
            search_dirs=[
                *(base_dir / d for d in settings.TEMPLATES.dirs),
                *(app.templates_dir for app in self.apps if app.templates_dir is not None),
            ],
            url=self.reverse,
            static=self.static.url,
        )
        # Shared services, reached by middleware and views through ``request.app``.
        self.databases = Databases(settings.database_urls, routers=settings.DATABASE_ROUTERS)
        # Models are process-wide classes: they use the databases of the application built
        # last (one per process in production); tests activate their own with activate().
        self.databases.install()
        # The user model is process-wide, as models are: chosen before the apps' models load,
        # so relations to "auth.User" are wired to the project's model from the start.
        registry.choose("AUTH_USER_MODEL", settings.AUTH_USER_MODEL)
        for app in self.apps:
            _import_models(app)
        _check_user_model(self.apps)
        self.cache: Cache = cache_from_url(settings.CACHE_URL, settings.CACHE)
        self.ratelimiter: RateLimiter = RateLimiter(settings)
        # Built now so a bad EMAIL_URL stops the start, not the first password reset.
        self.mailer: Mailer = mailer_from_url(settings.EMAIL_URL)
        self.errors = ErrorRenderer(settings, error_page=error_page)
        self.security = security if security is not None else default_middleware(settings)
        layers: list[Middleware] = list(self.security)
        serve_static = settings.STATIC.serve
        if serve_static if serve_static is not None else settings.DEBUG:
            layers.append(StaticFilesMiddleware(self.static))
        layers.extend(_implied_middleware(settings, self.apps, middleware))
        layers.extend(middleware)
        self.middleware: tuple[Middleware, ...] = tuple(layers)
        self._chain = build_chain(self.middleware, Dispatcher(self.router, self.errors))
        self._redirect_hosts = tuple(settings.ALLOWED_REDIRECT_HOSTS)
        self._frozen = True

    def __setattr__(self, name: str, value: object) -> None:
        if self._frozen:
            raise AttributeError(
                f"Bastion applications are frozen after setup; cannot set {name!r}. "
                "Pass it to Bastion(...) or build a new application."
            )
        super().__setattr__(name, value)

    def __repr__(self) -> str:
        return f"<Bastion apps={[app.label for app in self.apps]} debug={self.settings.DEBUG}>"

    def close(self) -> None:
        """Release what the application holds: database pools and cache connections.

        For the end of a process or of a test; the application must not serve afterwards.
        """
        self.databases.uninstall()
        self.databases.close()
        self.cache.close()
        self.ratelimiter.close()
        self.mailer.close()

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        """The WSGI entry point (``gunicorn project.wsgi:application``)."""
        return handle_wsgi(self, environ, start_response)

    def handle(self, request: Request) -> Response:
        """Run ``request`` through the middleware, router and view; never raises."""
        # This application's databases for this request, even with several apps in a process.
        token = _active_databases.set(self.databases)
        try:
            resolve(self.router, request)
            response = self._chain(request)
            if isinstance(response, RedirectResponse):
                check_redirect(request, response, self._redirect_hosts)
            return finalize_response(request, response)
        except Exception as exc:
            # Raised outside the header layers (a Host not allowed, a redirect refused after
            # them): the answer gets the static security headers, never HSTS.
            return self.errors.early_response(request, exc)
        finally:
            # One connection per request: back to the pool when the response is ready.
            self.databases.release()
            _active_databases.reset(token)

    def reverse(self, name: str, /, **params: Any) -> str:
        """The path of a named route, e.g. ``app.reverse("blog:detail", slug="hello")``.

        The result does not include the mount point (``SCRIPT_NAME``); use :meth:`url_for`
        to build links for a request.
        """
        return self.router.reverse(name, **params)

    def url_for(self, request: Request, name: str, /, **params: Any) -> str:
        """The URL path of a named route as seen by the client of ``request``."""
        return request.root_path + self.router.reverse(name, **params)


def _implied_apps(settings: Settings, listed: Sequence[App]) -> list[App]:
    """Bastion's own apps that the settings rely on (their tables must be migrated)."""
    labels = {getattr(app, "label", None) for app in listed}
    implied = []
    if settings.SESSIONS.backend == "database":
        from bastion.sessions.apps import sessions_app

        implied.append(sessions_app)
    if settings.CACHE_URL.split(":", 1)[0] in ("db", "database"):
        from bastion.cache.apps import cache_app

        implied.append(cache_app)
    return [app for app in implied if app.label not in labels]


def _implied_middleware(
    settings: Settings, apps: Sequence[App], listed: Sequence[Middleware]
) -> list[Middleware]:
    """``request.user`` comes with the auth app (first of the project's layers: after sessions),
    and with ``MFA_REQUIRED`` the layer that sends covered users without a device to enrol."""
    if not any(app.label == "auth" and app.package == "bastion.auth" for app in apps):
        return []
    from bastion.auth.mfa.policy import MFAEnrolmentMiddleware
    from bastion.auth.middleware import AuthenticationMiddleware

    implied: list[Middleware] = []
    if not any(isinstance(layer, AuthenticationMiddleware) for layer in listed):
        implied.append(AuthenticationMiddleware())
    if settings.MFA_REQUIRED != "none" and not any(
        isinstance(layer, MFAEnrolmentMiddleware) for layer in listed
    ):
        implied.append(MFAEnrolmentMiddleware(exempt=[settings.STATIC.url]))
    return implied


def _check_user_model(apps: Sequence[App]) -> None:
    """With the auth app, ``AUTH_USER_MODEL`` must name a defined ``AbstractUser`` subclass."""
    if not any(app.label == "auth" and app.package == "bastion.auth" for app in apps):
        return
    from bastion.auth.models import AbstractUser

    model = registry.chosen("AUTH_USER_MODEL")
    if not issubclass(model, AbstractUser):
        raise ImproperlyConfigured(
            f"AUTH_USER_MODEL names {model._meta.label}, which does not subclass "
            "bastion.auth.models.AbstractUser (login, passwords and permissions need it)."
        )


def _import_models(app: App) -> None:
    """Import ``<app>.models`` when it exists, so the app's models are registered."""
    module = f"{app.package}.models"
    if importlib.util.find_spec(module) is not None:
        importlib.import_module(module)


def _unique_apps(apps: Sequence[App]) -> tuple[App, ...]:
    seen: dict[str, App] = {}
    for app in apps:
        if not isinstance(app, App):
            raise ImproperlyConfigured(
                f"apps must hold App objects, got {app!r}. Declare one in the app's "
                "__init__.py: app = App(__name__, routes=routes)."
            )
        if app.label in seen:
            raise ImproperlyConfigured(f"Two apps share the label {app.label!r}.")
        seen[app.label] = app
    return tuple(seen.values())
