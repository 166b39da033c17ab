"""``authenticate``, ``login`` and ``logout``: the three steps every login flow is built from.

::

    user = authenticate(request, email, password)   # None: unknown, wrong or inactive
    if user is not None:
        login(request, user)                        # new session id, new CSRF token

``authenticate`` answers None in about the same time whether the account exists or not (an
unknown address verifies the password against a dummy hash at the same cost) and whether it
is active or not (the password is verified before ``is_active`` is looked at), so neither the
answer nor its timing tells an attacker which addresses have accounts. It does not count
failures: :mod:`bastion.auth.lockout` does, in the views.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bastion.auth.audit import audit
from bastion.auth.hashers import dummy_verify
from bastion.auth.middleware import (
    HASH_SESSION_KEY,
    USER_SESSION_KEY,
    get_user_model,
    session_auth_hash,
    session_pk,
    unwrap_user,
)
from bastion.auth.models import AnonymousUser
from bastion.security.csrf import rotate_csrf_token

if TYPE_CHECKING:
    from bastion.http.request import Request

__all__ = ["authenticate", "login", "logout", "update_session_auth_hash"]

_MAX_LOGIN = 254  # RFC 5321's longest address; longer input is no one's login


def authenticate(request: Request | None, email: str, password: str) -> Any:
    """The active user whose login is ``email`` and password ``password``, else None.

    Every failure (no such account, wrong password, inactive account, unusable password)
    is the same ``None`` after one password verification's worth of work. A correct
    password for an account stored with an outdated hash upgrades the hash.
    """
    del request  # part of the signature so a later backend can use the client address
    model = get_user_model()
    if not isinstance(email, str) or not isinstance(password, str) or len(email) > _MAX_LOGIN:
        dummy_verify(password if isinstance(password, str) else "")
        return None
    try:
        user = model.objects.get_by_natural_key(email)
    except (model.DoesNotExist, model.MultipleObjectsReturned):
        dummy_verify(password)
        return None
    if not user.check_password(password):
        return None
    # Checked after the verification so an inactive account costs the same time.
    if not user.is_active:
        return None
    return user


def login(request: Request, user: Any) -> None:
    """Log ``user`` in on ``request``'s session.

    The session id is cycled (a fixated id is worthless afterwards), or the session is
    emptied first when it belonged to another user; the CSRF secret is rotated (a token
    planted before login is worthless too); ``last_login`` is saved and an audit event
    ``login.succeeded`` written. ``request.user`` is ``user`` afterwards.
    """
    user = unwrap_user(user)
    session = request.session
    previous = session.get(USER_SESSION_KEY)
    if previous is not None and previous != session_pk(user):
        session.flush()  # someone else's data must not carry over into this login
    else:
        session.cycle_key()
    session[USER_SESSION_KEY] = session_pk(user)
    session[HASH_SESSION_KEY] = session_auth_hash(user.password, request.settings.SECRET_KEY)
    rotate_csrf_token(request)
    user.last_login = datetime.now(UTC)
    user.save(update_fields=["last_login"])
    request.user = user  # type: ignore[attr-defined]
    audit("login.succeeded", user=user, request=request)


def logout(request: Request) -> None:
    """End the session of ``request`` (data, stored record and cookie) and audit it.

    Safe to call for an anonymous request (nothing is audited then). ``request.user`` is
    an ``AnonymousUser`` afterwards.
    """
    user = unwrap_user(getattr(request, "user", None))
    if user is not None and getattr(user, "is_authenticated", False):
        audit("logout", user=user, request=request)
    request.session.flush()
    request.user = AnonymousUser()  # type: ignore[attr-defined]


def update_session_auth_hash(request: Request, user: Any) -> None:
    """Keep ``request``'s session logged in after ``user`` changed their password.

    Every other session of the user ends (their stored hash no longer matches); this one
    gets the new hash and a new id. Call it from a password-change view.
    """
    user = unwrap_user(user)
    session = request.session
    if session.get(USER_SESSION_KEY) == session_pk(user):
        session.cycle_key()
        session[HASH_SESSION_KEY] = session_auth_hash(user.password, request.settings.SECRET_KEY)
