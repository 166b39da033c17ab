"""``request.user``: the logged-in user from the session, or ``AnonymousUser``, looked up lazily.

The session holds two keys once :func:`bastion.auth.login.login` has run: the user's primary
key and a *session auth hash*, an HMAC (keyed by ``SECRET_KEY``) of the user's password hash.
On each request that reads ``request.user`` the hash is recomputed from the row in the
database; when the password changed since the login (or the account was deactivated) the hash
no longer matches, the session is flushed and the request is anonymous. That is how changing
a password ends every other session without keeping a list of them.

Nothing is read until a view (or a later layer) touches ``request.user``, so pages that never
ask who is there cost no session load and no query. Place the layer *after* (inside)
:class:`~bastion.middleware.SessionMiddleware`, which it needs::

    Bastion(settings, middleware=[AuthenticationMiddleware()], ...)

(project middleware runs inside the framework's stack, so this is the right place).
"""

from __future__ import annotations

import hashlib
import hmac
import operator
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from bastion.auth.models import AnonymousUser
from bastion.db.models.registry import registry

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.types import Handler

__all__ = [
    "HASH_SESSION_KEY",
    "USER_SESSION_KEY",
    "AuthenticationMiddleware",
    "LazyUser",
    "get_user",
    "get_user_model",
    "session_auth_hash",
    "session_pk",
    "unwrap_user",
    "verify_session_auth_hash",
]

USER_SESSION_KEY = "_auth_user_id"
"""The session key holding the logged-in user's primary key."""
HASH_SESSION_KEY = "_auth_user_hash"
"""The session key holding :func:`session_auth_hash` of the user at login time."""
_HASH_SALT = b"bastion.auth.session-auth-hash"
_CACHE_KEY = "bastion.auth.user"


def get_user_model() -> type[Any]:
    """The user model: the one ``AUTH_USER_MODEL`` names (``auth.User`` unless replaced).

    The choice is process-wide, made when the application is built.

    Raises:
        ImproperlyConfigured: no application was built yet, or the named model is not defined.
    """
    return registry.chosen("AUTH_USER_MODEL")


def session_pk(user: Any) -> int | str:
    """``user``'s primary key as sessions store it: JSON has no UUID, so non-integer keys are
    kept as text (``filter(pk=...)`` takes either form back)."""
    pk = user.pk
    return pk if isinstance(pk, int) else str(pk)


def session_auth_hash(password_hash: str, secret_key: str) -> str:
    """The HMAC-SHA256 of ``password_hash`` under a key derived from ``secret_key``.

    The password hash itself never goes into the session (a leaked session store would be
    an offline-cracking oracle); the HMAC changes whenever the password does.
    """
    key = hashlib.sha256(_HASH_SALT + b":" + secret_key.encode("utf-8")).digest()
    return hmac.new(key, (password_hash or "").encode("utf-8"), hashlib.sha256).hexdigest()


def verify_session_auth_hash(
    stored: object, password_hash: str, secret_keys: Iterable[str]
) -> str | None:
    """Which of ``secret_keys`` made ``stored`` (compared in constant time), or None.

    Returns the matching key so a caller can re-sign a session made under a fallback key
    (``SECRET_KEY_FALLBACKS``) with the current one.
    """
    if not isinstance(stored, str):
        return None
    for key in secret_keys:
        if hmac.compare_digest(stored, session_auth_hash(password_hash, key)):
            return key
    return None


def get_user(request: Request) -> Any:
    """The user the session of ``request`` is logged in as, or an ``AnonymousUser``.

    A session whose auth hash no longer matches (password changed, key retired) or whose
    user is gone or inactive is flushed, so a stale cookie never half-works.
    """
    session = getattr(request, "session", None)
    if session is None:
        return AnonymousUser()
    user_id = session.get(USER_SESSION_KEY)
    if user_id is None:
        return AnonymousUser()
    model = get_user_model()
    user = model.objects.filter(pk=user_id).first()
    settings = request.settings
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    matched = (
        verify_session_auth_hash(session.get(HASH_SESSION_KEY), user.password, keys)
        if user is not None and user.is_active
        else None
    )
    if user is None or matched is None:
        session.flush()
        return AnonymousUser()
    if matched != settings.SECRET_KEY:
        # Made under a retired key: move the session to the current one while it still works.
        session[HASH_SESSION_KEY] = session_auth_hash(user.password, settings.SECRET_KEY)
    return user


def _forward(name: str) -> Callable[..., Any]:
    getter = operator.attrgetter(name)

    def method(self: LazyUser, *args: Any) -> Any:
        return getter(self._resolve())(*args)

    return method


class LazyUser:
    """A stand-in for ``request.user`` that looks the user up on first use.

    Attribute access, comparison, ``str()``, ``hash()`` and ``isinstance()`` (through
    ``__class__``) all go to the real object, so code written for ``User`` or
    ``AnonymousUser`` works unchanged. Use :meth:`resolve` where the real object is needed
    (to assign it to a foreign key, for instance).
    """

    __slots__ = ("_loader", "_wrapped")

    def __init__(self, loader: Callable[[], Any]) -> None:
        object.__setattr__(self, "_loader", loader)
        object.__setattr__(self, "_wrapped", None)

    def _resolve(self) -> Any:
        wrapped = object.__getattribute__(self, "_wrapped")
        if wrapped is None:
            wrapped = object.__getattribute__(self, "_loader")()
            object.__setattr__(self, "_wrapped", wrapped)
        return wrapped

    def resolve(self) -> Any:
        """The real user object (a model instance or ``AnonymousUser``)."""
        return self._resolve()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resolve(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._resolve(), name, value)

    @property  # type: ignore[misc]
    def __class__(self) -> type[Any]:  # isinstance() sees the real class
        return type(self._resolve())

    __eq__ = _forward("__eq__")
    __hash__ = _forward("__hash__")
    __str__ = _forward("__str__")

    def __bool__(self) -> bool:
        return True  # both User and AnonymousUser are truthy; no lookup needed

    def __repr__(self) -> str:
        wrapped = object.__getattribute__(self, "_wrapped")
        return f"<LazyUser {wrapped!r}>" if wrapped is not None else "<LazyUser (not loaded)>"


def unwrap_user(user: Any) -> Any:
    """``user`` itself, or the real object behind a :class:`LazyUser`."""
    if type(user) is LazyUser:  # type() on purpose: isinstance() sees the wrapped class
        return user.resolve()
    return user


class AuthenticationMiddleware:
    """Set a lazy ``request.user``; must run inside (after) ``SessionMiddleware``.

    Checked on each request: without a session layer there is no way to know who is logged
    in, and silently treating everyone as anonymous would hide a broken stack.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "<AuthenticationMiddleware>"

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        if getattr(request, "session", None) is None:
            from bastion.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(
                "AuthenticationMiddleware needs request.session: keep SessionMiddleware in the "
                "stack (default_middleware() has it) and add AuthenticationMiddleware after it "
                "(Bastion(settings, middleware=[AuthenticationMiddleware()]))."
            )
        cast("Any", request).user = LazyUser(lambda: get_user(request))
        return call_next(request)
