"""Account lockout and per-client throttling of login attempts, counted in the shared cache.

Two counters stop two attacks:

* **per account** (the normalised login, hashed): after ``max_failures`` failed attempts
  within ``failure_window`` seconds the account is locked for ``lock_seconds``, doubled at
  each further lock (exponential backoff) up to ``max_lock_seconds``. This stops guessing one
  account's password from many addresses. A locked account answers *exactly* like a wrong
  password (the view still pays for one password verification), so the lock reveals
  neither the lock nor whether the account exists; unknown addresses are counted and
  locked the same way for the same reason.
* **per client** (``client_key``: the IP, IPv6 by /64): after ``client_max_failures``
  failures within ``client_window`` seconds the client gets ``429 Too Many Requests`` with
  ``Retry-After`` until the window ends. This stops credential stuffing: many accounts,
  one password each, from one address.

Counters live in ``request.app.cache`` (``CACHE_URL``: Redis in production), so every worker
and every instance counts against the same budget. A successful login resets the account's
failure counter (not its backoff level, which expires after ``backoff_memory`` seconds);
:func:`unlock` clears everything for an account (for admins). Each lock writes an audit event
``login.locked``.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bastion.auth.audit import audit
from bastion.auth.models import normalize_email
from bastion.ratelimit.keys import address_key, client_key, key_component

if TYPE_CHECKING:
    from bastion.cache import Cache
    from bastion.http.request import Request

__all__ = ["Lockout", "LockoutPolicy", "lockout_for", "unlock"]

_PREFIX = "bastion.auth.lockout"


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """How many failures lock an account or throttle a client, and for how long (seconds)."""

    max_failures: int = 5
    failure_window: int = 15 * 60
    lock_seconds: int = 60
    max_lock_seconds: int = 24 * 60 * 60
    backoff_memory: int = 24 * 60 * 60
    client_max_failures: int = 50
    client_window: int = 15 * 60

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"LockoutPolicy.{name} must be a positive int, got {value!r}.")

    def lock_duration(self, level: int) -> int:
        """How long the ``level``-th lock in a row lasts: doubled each time, capped."""
        exponent = min(max(level, 1) - 1, 32)  # 2**32 * anything is over any sane cap
        return int(min(self.lock_seconds * 2**exponent, self.max_lock_seconds))


def account_key(email: str) -> str:
    """The part of a cache key naming an account: a digest of its case-folded login.

    Hashed so the cache (often shared, sometimes inspected) holds no addresses, and
    case-folded because logins are looked up case-insensitively.
    """
    folded = normalize_email(email if isinstance(email, str) else "").casefold()
    return hashlib.sha256(folded.encode("utf-8", "surrogatepass")).hexdigest()[:40]


class Lockout:
    """The counters of one cache under one policy; see the module docstring.

    Args:
        cache: where the counters live (``request.app.cache``).
        policy: the thresholds; default :class:`LockoutPolicy`.
    """

    __slots__ = ("cache", "policy")

    def __init__(self, cache: Cache, policy: LockoutPolicy | None = None) -> None:
        self.cache = cache
        self.policy = policy or LockoutPolicy()

    def __repr__(self) -> str:
        return f"<Lockout {self.policy!r}>"

    # -- reading ---------------------------------------------------------------------------

    def account_retry_after(self, email: str) -> int | None:
        """Seconds until ``email``'s account unlocks, or None when it is not locked."""
        return self._remaining(f"{_PREFIX}:lock:{account_key(email)}")

    def is_locked(self, email: str) -> bool:
        return self.account_retry_after(email) is not None

    def client_retry_after(self, request: Request) -> int | None:
        """Seconds until ``request``'s client may try again, or None when it may now."""
        return self._remaining(f"{_PREFIX}:block:{key_component(client_key(request))}")

    # -- writing ---------------------------------------------------------------------------

    def register_failure(self, request: Request, email: str, *, account: bool = True) -> bool:
        """Count one failed attempt for the client and (``account=True``) for ``email``.

        The view passes ``account=False`` while the account is locked: attempts against a
        lock cannot succeed, and counting them would let anyone keep a victim locked out for
        ever longer just by trying (the client's own counter still counts them).

        Returns:
            Whether this failure locked the account.
        """
        policy = self.policy
        client = key_component(client_key(request))
        if self._count(f"{_PREFIX}:ipfail:{client}", policy.client_window) >= (
            policy.client_max_failures
        ):
            self._block(f"{_PREFIX}:block:{client}", policy.client_window)
        if not account:
            return False
        name = account_key(email)
        failures = self._count(f"{_PREFIX}:fail:{name}", policy.failure_window)
        if failures < policy.max_failures:
            return False
        level = self._count(f"{_PREFIX}:level:{name}", policy.backoff_memory)
        duration = policy.lock_duration(level)
        self._block(f"{_PREFIX}:lock:{name}", duration)
        self.cache.delete(f"{_PREFIX}:fail:{name}")
        audit(
            "login.locked",
            user=_find_user(email),
            request=request,
            account=name,
            failures=failures,
            level=level,
            seconds=duration,
        )
        return True

    def register_success(self, email: str) -> None:
        """Forget ``email``'s failed attempts after a successful login."""
        self.cache.delete(f"{_PREFIX}:fail:{account_key(email)}")

    def unlock(self, email: str, *, request: Request | None = None, by: Any = None) -> None:
        """Clear ``email``'s lock, failures and backoff level (an admin action; audited)."""
        account = account_key(email)
        self.cache.delete_many(
            [f"{_PREFIX}:lock:{account}", f"{_PREFIX}:fail:{account}", f"{_PREFIX}:level:{account}"]
        )
        audit("login.unlocked", user=_find_user(email), request=request, account=account, by=by)

    def unblock_client(self, request: Request) -> None:
        """Clear the throttle of ``request``'s client."""
        self._unblock(client_key(request))

    def unblock_address(self, address: str) -> None:
        """Clear the throttle of the client at ``address`` (IPv6: its whole /64)."""
        self._unblock(address_key(address))

    def _unblock(self, key: str) -> None:
        client = key_component(key)
        self.cache.delete_many([f"{_PREFIX}:block:{client}", f"{_PREFIX}:ipfail:{client}"])

    # -- storage ---------------------------------------------------------------------------

    def _count(self, key: str, window: int) -> int:
        """Add one to the counter ``key``, which starts (at 0) a ``window``-second life."""
        cache = self.cache
        cache.add(key, 0, window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add() and incr(): a fresh window
            cache.set(key, 1, window)
            return 1

    def _block(self, key: str, seconds: int) -> None:
        self.cache.set(key, time.time() + seconds, seconds)

    def _remaining(self, key: str) -> int | None:
        until = self.cache.get(key)
        if not isinstance(until, (int, float)) or isinstance(until, bool):
            return None
        left = until - time.time()
        return math.ceil(left) if left > 0 else None


def _find_user(email: str) -> Any:
    """The account named ``email``, for the audit record only (None when there is none)."""
    from bastion.auth.middleware import get_user_model

    model = get_user_model()
    try:
        return model.objects.get_by_natural_key(email)
    except (model.DoesNotExist, model.MultipleObjectsReturned):
        return None


def lockout_for(request: Request, policy: LockoutPolicy | None = None) -> Lockout:
    """The lockout of ``request``'s application (its cache) under ``policy``.

    Without ``policy``: ``AUTH_LOCKOUT`` from the settings when it is a
    :class:`LockoutPolicy`, else the default one.
    """
    if policy is None:
        configured = getattr(request.settings, "AUTH_LOCKOUT", None)
        policy = configured if isinstance(configured, LockoutPolicy) else None
    return Lockout(request.app.cache, policy)


def unlock(email: str, *, cache: Cache, request: Request | None = None, by: Any = None) -> None:
    """Unlock ``email``'s account in ``cache`` (``app.cache``); see :meth:`Lockout.unlock`."""
    Lockout(cache).unlock(email, request=request, by=by)
