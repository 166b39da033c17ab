"""The auth app's routes, for mounting at ``/accounts/``::

    from bastion.auth.urls import routes

    Bastion(settings, routes=[path("accounts/", include(routes)), ...], apps=[auth_app])

Names: ``login``, ``logout``, ``signup`` and ``signup_done`` (qualified by the namespace
given to ``include``, if any).
"""

from __future__ import annotations

from bastion.auth.views import LoginView, LogoutView, SignupDoneView, SignupView
from bastion.routing import path

__all__ = ["routes"]

routes = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("signup/", SignupView.as_view(), name="signup"),
    path("signup/done/", SignupDoneView.as_view(), name="signup_done"),
]
