"""Users: the ``AbstractUser`` base, the stock ``User``, its manager and ``AnonymousUser``.

Passwords are only ever stored as hashes from :mod:`bastion.auth.hashers`, imported inside
the methods so that this module (and the migrations that import it) load without the hashing
libraries. Permission checks live in :mod:`bastion.auth.permissions`; the methods here are
thin doors to it so the Django spelling ``user.has_perm(...)`` works.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from bastion.db import models

__all__ = ["AbstractUser", "AnonymousUser", "User", "UserManager", "normalize_email"]

U = TypeVar("U", bound="AbstractUser")


def normalize_email(email: str) -> str:
    """``email`` in the one form that is stored and looked up.

    NFKC folds look-alike compatibility characters (full-width letters, ligatures) so two
    spellings that render the same cannot become two accounts; the domain is lower-cased
    because domains are case-insensitive. The local part keeps its case: RFC 5321 lets a
    mail server treat ``Ann`` and ``ann`` as different mailboxes.
    """
    email = unicodedata.normalize("NFKC", email or "").strip()
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    return f"{local}@{domain.lower()}"


def _now() -> datetime:
    return datetime.now(UTC)


class UserManager(models.Manager[U]):
    """``create_user`` and ``create_superuser``: the only way users should be made in code.

    Both hash the password (or store an unusable one) so a plain-text password can never
    reach the table through them.
    """

    def normalize_email(self, email: str) -> str:
        return normalize_email(email)

    def get_by_natural_key(self, value: str) -> U:
        """The user whose login field (``USERNAME_FIELD``) is ``value``, ignoring case.

        Email addresses are matched case-insensitively (after normalising), so
        ``Ann@example.com`` cannot log in as, or sign up beside, ``ann@example.com``.
        """
        field = self.model.USERNAME_FIELD
        if field == self.model.EMAIL_FIELD:
            value = normalize_email(value)
        user: U = self.get(**{f"{field}__iexact": value})
        return user

    def email_taken(self, email: str) -> bool:
        """Whether another account has ``email`` in any letter case."""
        return bool(self.filter(email__iexact=normalize_email(email)).exists())

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> U:
        """Save a new user; ``password=None`` gives an unusable password (no login by it).

        Raises:
            ValueError: an account with this email in another letter case exists (the
                unique index alone is case-sensitive on PostgreSQL and SQLite).
        """
        if self.email_taken(email):
            raise ValueError("A user with this email address already exists.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save()
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> U:
        """Save a new user who is staff and superuser (both must stay True)."""
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if extra["is_staff"] is not True:
            raise ValueError("A superuser must have is_staff=True.")
        if extra["is_superuser"] is not True:
            raise ValueError("A superuser must have is_superuser=True.")
        return self.create_user(email, password, **extra)


class AbstractUser(models.Model):
    """The fields and behaviour of a user; subclass it for a project's own user model.

    ``USERNAME_FIELD`` names the field people log in with (``"email"`` by default, or
    ``"username"``); ``REQUIRED_FIELDS`` lists what ``createsuperuser`` asks for besides it
    and the password. A subclass must declare ``groups`` and ``user_permissions`` as
    :class:`User` does (with its own ``related_name``) to take part in permission checks.
    """

    username = models.CharField(max_length=150, unique=True, null=True, blank=True)
    email = models.EmailField(max_length=254, unique=True)
    password = models.CharField(max_length=255, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    is_superuser = models.BooleanField(default=False)
    last_login = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=_now)

    objects: ClassVar[UserManager[Any]] = UserManager()

    USERNAME_FIELD: ClassVar[str] = "email"
    EMAIL_FIELD: ClassVar[str] = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        abstract = True
        app_label = "auth"

    def __str__(self) -> str:
        return str(getattr(self, self.USERNAME_FIELD) or "")

    def __repr__(self) -> str:
        # Never the password hash: reprs end up in logs and error pages.
        return f"<{type(self).__name__} {self.pk}: {self}>"

    # -- identity ------------------------------------------------------------------------

    @property
    def is_authenticated(self) -> bool:
        """Always True for a real user (``AnonymousUser`` says False)."""
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_username(self) -> str:
        return str(getattr(self, self.USERNAME_FIELD) or "")

    def clean(self) -> None:
        self.email = normalize_email(self.email)

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Normalised on every save, so no code path stores a second spelling of an address.
        self.email = normalize_email(self.email)
        if self.username == "":
            # Several users without a username must not collide on the unique index.
            self.username = None  # type: ignore[assignment]
        super().save(*args, **kwargs)

    # -- passwords -----------------------------------------------------------------------

    def set_password(self, raw_password: str | None) -> None:
        """Store the hash of ``raw_password`` (None: an unusable password). Does not save."""
        from bastion.auth.hashers import make_password, make_unusable_password

        if raw_password is None:
            self.password = make_unusable_password()
        else:
            self.password = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        """Whether ``raw_password`` is right; on success an outdated hash is replaced.

        The upgraded hash (new algorithm or stronger parameters) is saved at once with
        ``update_fields=["password"]`` so the rest of the row is untouched.
        """
        from bastion.auth.hashers import verify_and_upgrade

        ok, upgraded = verify_and_upgrade(raw_password, self.password)
        ok = bool(ok)
        if ok and upgraded is not None:
            self.password = upgraded
            if not self._state.adding:
                self.save(update_fields=["password"])
        return ok

    def set_unusable_password(self) -> None:
        """Make password login impossible (for accounts that log in another way)."""
        self.set_password(None)

    def has_usable_password(self) -> bool:
        """False for an empty password and for one from ``make_unusable_password``."""
        from bastion.auth.hashers import is_password_usable

        return is_password_usable(self.password)

    # -- permissions ---------------------------------------------------------------------

    def get_all_permissions(self) -> frozenset[str]:
        """Every global ``"app_label.codename"`` the user has, directly or through groups."""
        from bastion.auth.permissions import get_all_permissions

        return get_all_permissions(self)

    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        """Whether the user may ``perm`` (on ``obj``, when given); see ``permissions``."""
        from bastion.auth.permissions import has_perm

        return has_perm(self, perm, obj)

    def has_perms(self, perms: Iterable[str], obj: models.Model | None = None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perms)

    def has_module_perms(self, app_label: str) -> bool:
        """Whether the user has any permission in ``app_label`` (for admin-like menus)."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions())


class User(AbstractUser):
    """The stock user: log in by email; roles come from ``groups``.

    ``AUTH_USER_MODEL`` may replace it by a project's own model; relations to ``"auth.User"``
    then point at that model, and this one has no table (``get_user_model()`` is the model in
    use either way).
    """

    groups = models.ManyToManyField("auth.Group", related_name="users")
    user_permissions = models.ManyToManyField("auth.Permission", related_name="users")

    class Meta:
        app_label = "auth"
        db_table = "auth_user"
        swappable = "AUTH_USER_MODEL"


class AnonymousUser:
    """Who ``request.user`` is before login: authenticated as nobody, allowed nothing."""

    pk = None
    id = None
    username = ""
    email = ""
    is_active = False
    is_staff = False
    is_superuser = False
    is_authenticated = False
    is_anonymous = True

    def __str__(self) -> str:
        return "AnonymousUser"

    def __repr__(self) -> str:
        return "<AnonymousUser>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnonymousUser)

    def __hash__(self) -> int:
        return 1

    def get_username(self) -> str:
        return ""

    def get_all_permissions(self) -> frozenset[str]:
        return frozenset()

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perms: Iterable[str], obj: object = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False

    def check_password(self, raw_password: str) -> bool:
        return False
