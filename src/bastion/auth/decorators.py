"""``login_required``, ``permission_required`` and ``user_passes_test`` for any view.

Each works on a function view and on a :class:`~bastion.views.View` subclass (the class's
``dispatch`` is wrapped, so every method is covered)::

    @login_required
    def dashboard(request): ...

    @permission_required("docs.change_document", raise_exception=True)
    class EditDocument(View): ...

An anonymous visitor is redirected (302) to the login page with ``next=`` set to the page
they asked for (the login view accepts it only if it is a same-site path). A logged-in user
who fails the test gets ``403`` when ``raise_exception=True``; otherwise, as in Django, they
are sent to the login page to log in as someone allowed.

They need ``request.user``, that is :class:`~bastion.auth.middleware.AuthenticationMiddleware`
in the stack; without it every request counts as anonymous.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, overload

from bastion.auth.redirects import redirect_to_login
from bastion.exceptions import ImproperlyConfigured
from bastion.http.exceptions import Forbidden
from bastion.http.response import RedirectResponse

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response

__all__ = ["login_required", "permission_required", "user_passes_test"]

V = TypeVar("V", bound=Callable[..., Any])
Test = Callable[[Any], bool]


def _user(request: Request) -> Any:
    user = getattr(request, "user", None)
    if user is None:
        from bastion.auth.models import AnonymousUser

        return AnonymousUser()
    return user


def _guard(request: Request, test: Test, raise_exception: bool, login_url: str | None) -> Any:
    """None to let the view run, else the response (or exception) that refuses it."""
    user = _user(request)
    if test(user):
        return None
    if raise_exception and getattr(user, "is_authenticated", False):
        raise Forbidden()
    if login_url is not None:
        from urllib.parse import quote

        separator = "&" if "?" in login_url else "?"
        target = f"{login_url}{separator}next={quote(request.full_path, safe='/')}"
    else:
        target = redirect_to_login(request)
    return RedirectResponse(target)


def _decorate(view: V, test: Test, raise_exception: bool, login_url: str | None) -> V:
    if isinstance(view, type):
        dispatch = getattr(view, "dispatch", None)
        if dispatch is None:
            raise ImproperlyConfigured(
                f"Auth decorators take function views and View classes; {view.__qualname__} "
                "has no dispatch() method."
            )

        @functools.wraps(dispatch)
        def guarded_dispatch(self: Any, request: Request, /, *args: Any, **kwargs: Any) -> Any:
            refusal = _guard(request, test, raise_exception, login_url)
            if refusal is not None:
                return refusal
            return dispatch(self, request, *args, **kwargs)

        view.dispatch = guarded_dispatch  # type: ignore[attr-defined]
        return view

    @functools.wraps(view)
    def guarded(request: Request, /, *args: Any, **kwargs: Any) -> Response:
        refusal = _guard(request, test, raise_exception, login_url)
        if refusal is not None:
            return refusal  # type: ignore[no-any-return]
        return view(request, *args, **kwargs)  # type: ignore[no-any-return]

    return guarded  # type: ignore[return-value]


def user_passes_test(
    test: Test, *, login_url: str | None = None, raise_exception: bool = False
) -> Callable[[V], V]:
    """Let the view run only when ``test(request.user)`` is true.

    Args:
        test: called with the user (``AnonymousUser`` when nobody is logged in).
        login_url: instead of ``LOGIN_URL`` / the ``login`` route.
        raise_exception: a logged-in user who fails gets 403 instead of the login page.
    """
    if not callable(test):
        raise TypeError("user_passes_test(test) takes a callable: user_passes_test(lambda u: ...)")

    def decorate(view: V) -> V:
        return _decorate(view, test, raise_exception, login_url)

    return decorate


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


@overload
def login_required(view: V, /) -> V: ...
@overload
def login_required(*, login_url: str | None = None) -> Callable[[V], V]: ...
def login_required(view: V | None = None, /, *, login_url: str | None = None) -> Any:
    """Let only logged-in users reach the view; ``@login_required`` or ``@login_required()``."""
    decorator = user_passes_test(_authenticated, login_url=login_url)
    return decorator if view is None else decorator(view)


def permission_required(
    perm: str | Iterable[str], *, raise_exception: bool = False, login_url: str | None = None
) -> Callable[[V], V]:
    """Let only users with ``perm`` (``"app.codename"``, or several: all of them) through.

    Permissions come from ``user.has_perms`` (groups, direct grants; superusers have all;
    inactive users none).
    """
    perms = (perm,) if isinstance(perm, str) else tuple(perm)
    if not perms or not all(isinstance(p, str) and "." in p for p in perms):
        raise ValueError(f"permission_required takes 'app_label.codename' names, got {perm!r}.")

    def has_perms(user: Any) -> bool:
        return _authenticated(user) and bool(user.has_perms(perms))

    return user_passes_test(has_perms, login_url=login_url, raise_exception=raise_exception)
