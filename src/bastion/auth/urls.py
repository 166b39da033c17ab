"""The auth app's routes, for mounting at ``/accounts/``::

    from bastion.auth.urls import routes

    Bastion(settings, routes=[path("accounts/", include(routes)), ...], apps=[auth_app])

Names: ``login``, ``logout``, ``signup``, ``signup_done``, and the password pages
``password_change``, ``password_change_done``, ``password_reset``, ``password_reset_done``,
``password_reset_confirm`` (``reset/<uidb64>/<token>/``) and ``password_reset_complete``
``mfa_setup``, ``mfa_verify``, ``mfa_recovery_codes``, ``mfa_disable``, and the passkey pages
``passkeys``, ``passkey_begin``, ``passkey_finish``, ``passkey_verify``,
``passkey_verify_begin``, ``passkey_verify_finish`` and ``passkey_delete`` (qualified by the
namespace given to ``include``, if any).
"""

from __future__ import annotations

from bastion.auth.mfa.passkey_views import passkey_routes
from bastion.auth.mfa.views import mfa_routes
from bastion.auth.views import LoginView, LogoutView, SignupDoneView, SignupView
from bastion.auth.views.password import password_routes
from bastion.routing import path

__all__ = ["routes"]

routes = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("signup/", SignupView.as_view(), name="signup"),
    path("signup/done/", SignupDoneView.as_view(), name="signup_done"),
    *password_routes,
    *mfa_routes,
    *passkey_routes,
]
