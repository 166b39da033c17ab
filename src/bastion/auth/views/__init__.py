"""The auth app's views: login, logout and sign-up (see ``docs/login.md``)."""

from __future__ import annotations

from bastion.auth.views.login import LoginView as LoginView
from bastion.auth.views.login import LogoutView as LogoutView
from bastion.auth.views.signup import SignupDoneView as SignupDoneView
from bastion.auth.views.signup import SignupView as SignupView

__all__ = ["LoginView", "LogoutView", "SignupDoneView", "SignupView"]
