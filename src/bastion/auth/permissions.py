"""Permission checks: global (RBAC through groups) and per object, plus ``for_user``.

``has_perm(user, "docs.change_document")`` is true for an active superuser, or when the
permission is the user's own or one of their groups'. With an object it is also true when the
permission was granted on that one object (to the user or to one of their groups) with
:func:`grant`. Each user *instance* caches what it has loaded: its global permissions in one
query, and the permissions on each object in one query per object, so repeated checks in a
request cost no queries; a fresh instance (the next request) sees changes.

:func:`for_user` narrows a queryset to the rows a user may act on, in one SQL statement whose
``WHERE`` holds subqueries on the object-permission tables, never one query per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bastion.db.models import Model, Q, QuerySet, registry
from bastion.db.models.fields.base import TextLikeField
from bastion.db.models.fields.scalars import IntegerField
from bastion.db.models.manager import Manager

if TYPE_CHECKING:
    from bastion.auth.models import Group, User
    from bastion.http.request import Request

__all__ = [
    "DEFAULT_ACTIONS",
    "PermissionQuerySet",
    "clear_perm_cache",
    "content_type_of",
    "for_user",
    "get_all_permissions",
    "grant",
    "has_perm",
    "revoke",
    "sync_permissions",
]

M = TypeVar("M", bound=Model)

DEFAULT_ACTIONS = ("add", "change", "delete", "view")
"""The permissions :func:`sync_permissions` creates for every model, as in Django."""

_PERM = re.compile(r"[a-z_][a-z0-9_]*\.[A-Za-z0-9_]+")
_GLOBAL_CACHE = "_bastion_perm_cache"
_OBJECT_CACHE = "_bastion_obj_perm_cache"


def content_type_of(model: type[Model] | Model) -> str:
    """The ``content_type`` label of a model or instance: ``"docs.document"``."""
    return model._meta.label_lower


def _split(perm: str) -> tuple[str, str]:
    if not isinstance(perm, str) or not _PERM.fullmatch(perm):
        raise ValueError(f"A permission is named 'app_label.codename', not {perm!r}.")
    app_label, _, codename = perm.partition(".")
    return app_label, codename


def _object_key(obj: Model) -> tuple[str, int | None]:
    """``obj``'s primary key as stored in ``object_pk`` (text) and ``object_id`` (integer)."""
    pk = obj.pk
    if pk is None:
        raise ValueError("Permissions apply to saved objects only (this one has no pk).")
    if isinstance(pk, bool) or not isinstance(pk, (int, str)):
        raise TypeError(
            f"Object permissions need an integer or string primary key, not {type(pk).__name__}."
        )
    return str(pk), pk if isinstance(pk, int) else None


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


# -- creating permissions ----------------------------------------------------------------------


def sync_permissions(models: Iterable[type[Model]] | None = None) -> int:
    """Create the add/change/delete/view permissions of ``models`` (default: all registered).

    Idempotent: existing rows are left alone (one query to read them, one to insert the
    missing). Returns how many were created. ``bastion migrate`` should call it after
    migrating, as Django's ``post_migrate`` does; tests call it after creating tables.
    """
    from bastion.auth.models import Permission

    chosen = [
        m
        for m in (registry.models() if models is None else models)
        if not m._meta.abstract and not m._meta.auto_created
    ]
    wanted: dict[tuple[str, str], str] = {}
    for model in chosen:
        for action in DEFAULT_ACTIONS:
            codename = f"{action}_{model._meta.model_name}"
            wanted[(content_type_of(model), codename)] = f"Can {action} {model._meta.verbose_name}"
    if not wanted:
        return 0
    labels = sorted({ct for ct, _ in wanted})
    existing = set(
        Permission.objects.filter(content_type__in=labels).values_list("content_type", "codename")
    )
    missing = [
        Permission(content_type=ct, codename=code, name=name)
        for (ct, code), name in wanted.items()
        if (ct, code) not in existing
    ]
    Permission.objects.bulk_create(missing)
    return len(missing)


# -- checking ----------------------------------------------------------------------------------


def _related_ids(model: type[Model], field_name: str, pk: Any) -> QuerySet[Any]:
    """A subquery on an M2M join table alone: the ids ``pk``'s ``field_name`` points at."""
    field = model._meta.get_field(field_name)
    rows = field.through._default_manager.filter(**{field.source_fk.attname: pk})
    return cast("QuerySet[Any]", rows.values_list(field.target_fk.attname, flat=True))


def _group_ids(user: Any) -> QuerySet[Any]:
    """A subquery: the ids of ``user``'s groups (``auth_user_groups`` only, no join)."""
    return _related_ids(type(user), "groups", user.pk)


def _real(user: Any) -> Any:
    """The user object itself: ``request.user`` is a lazy stand-in until first used."""
    from bastion.auth.middleware import unwrap_user

    return unwrap_user(user)


def get_all_permissions(user: Any) -> frozenset[str]:
    """The user's global permissions (own and through groups), loaded in one query, cached."""
    user = _real(user)
    if not _active(user):
        return frozenset()
    cached: frozenset[str] | None = user.__dict__.get(_GLOBAL_CACHE)
    if cached is not None:
        return cached
    from bastion.auth.models import Group, Permission

    group_perms = Group._meta.get_field("permissions")
    through_groups = group_perms.through._default_manager.filter(
        **{f"{group_perms.source_fk.attname}__in": _group_ids(user)}
    )
    rows = (
        Permission.objects.filter(
            Q(pk__in=_related_ids(type(user), "user_permissions", user.pk))
            | Q(pk__in=through_groups.values_list(group_perms.target_fk.attname, flat=True))
        )
        .order_by()
        .values_list("content_type", "codename")
    )
    perms = frozenset(f"{ct.partition('.')[0]}.{code}" for ct, code in rows)
    user.__dict__[_GLOBAL_CACHE] = perms
    return perms


def _object_codenames(user: Any, obj: Model) -> frozenset[str]:
    """The codenames granted on ``obj`` to the user or their groups (one query, cached)."""
    from bastion.auth.models import GroupObjectPermission, Permission, UserObjectPermission

    ct = content_type_of(obj)
    object_pk, _ = _object_key(obj)
    cache: dict[tuple[str, str], frozenset[str]] = user.__dict__.setdefault(_OBJECT_CACHE, {})
    found = cache.get((ct, object_pk))
    if found is None:
        mine = UserObjectPermission.objects.filter(
            user_id=user.pk, content_type=ct, object_pk=object_pk
        )
        ours = GroupObjectPermission.objects.filter(
            group_id__in=_group_ids(user), content_type=ct, object_pk=object_pk
        )
        found = frozenset(
            Permission.objects.filter(
                Q(pk__in=mine.values_list("permission_id", flat=True))
                | Q(pk__in=ours.values_list("permission_id", flat=True))
            )
            .order_by()
            .values_list("codename", flat=True)
        )
        cache[(ct, object_pk)] = found
    return found


def has_perm(user: Any, perm: str, obj: Model | None = None) -> bool:
    """Whether ``user`` may ``perm`` (globally, or on ``obj`` through a grant).

    Inactive and anonymous users have nothing; active superusers have everything. A global
    permission covers every object of its model.
    """
    user = _real(user)
    app_label, codename = _split(perm)
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    if perm in get_all_permissions(user):
        return True
    if obj is None or obj.pk is None or obj._meta.app_label != app_label:
        return False
    return codename in _object_codenames(user, obj)


def clear_perm_cache(user: Any) -> None:
    """Forget what ``user`` (this instance) has loaded, after its permissions changed."""
    user.__dict__.pop(_GLOBAL_CACHE, None)
    user.__dict__.pop(_OBJECT_CACHE, None)


# -- granting ----------------------------------------------------------------------------------


def _permission_for(perm: str, obj: Model | None) -> Any:
    from bastion.auth.models import Permission

    app_label, codename = _split(perm)
    if obj is None:
        return Permission.objects.get(content_type__startswith=f"{app_label}.", codename=codename)
    if obj._meta.app_label != app_label:
        raise ValueError(f"{perm!r} is not a permission of {content_type_of(obj)!r} objects.")
    try:
        return Permission.objects.get(content_type=content_type_of(obj), codename=codename)
    except Permission.DoesNotExist:
        raise ValueError(
            f"No permission {perm!r} for {content_type_of(obj)!r} (run sync_permissions()?)."
        ) from None


def _holder(user_or_group: Any) -> tuple[str, dict[str, Any]]:
    from bastion.auth.models import Group

    if isinstance(user_or_group, Group):
        return "group", {"group": user_or_group.name}
    if getattr(user_or_group, "is_authenticated", False) and user_or_group.pk is not None:
        return "user", {"target_user": user_or_group.pk}
    raise TypeError("Permissions are granted to a saved user or group.")


def _change(
    kind: str,
    perm: str,
    user_or_group: User | Group,
    obj: Model | None,
    by: Any,
    request: Request | None,
) -> bool:
    from bastion.auth.audit import audit
    from bastion.auth.models import GroupObjectPermission, UserObjectPermission

    user_or_group = _real(user_or_group)
    by = _real(by)
    permission = _permission_for(perm, obj)
    holder, who = _holder(user_or_group)
    granting = kind == "permission.granted"
    if obj is None:
        related = getattr(user_or_group, "permissions" if holder == "group" else "user_permissions")
        had = related.filter(pk=permission.pk).exists()
        if granting and not had:
            related.add(permission)
        elif not granting and had:
            related.remove(permission)
        changed = had != granting
        where: dict[str, Any] = {}
    else:
        object_pk, object_id = _object_key(obj)
        table: Any = GroupObjectPermission if holder == "group" else UserObjectPermission
        key = {holder: user_or_group, "permission": permission, "object_pk": object_pk}
        if granting:
            extra = {"content_type": content_type_of(obj), "object_id": object_id}
            _row, changed = table.objects.get_or_create(**key, defaults=extra)
        else:
            changed = table.objects.filter(**key).delete()[0] > 0
        where = {"object": f"{content_type_of(obj)}:{object_pk}"}
    if holder == "user":
        clear_perm_cache(user_or_group)
    if changed:
        audit(kind, user=by, request=request, perm=perm, **who, **where)
    return bool(changed)


def grant(
    perm: str,
    user_or_group: User | Group,
    obj: Model | None = None,
    *,
    by: Any = None,
    request: Request | None = None,
) -> bool:
    """Give ``perm`` on ``obj`` (or on every object, when None) to a user or group.

    Recorded as a ``permission.granted`` audit event (``by`` is who did it). Returns
    whether anything changed (granting twice is harmless).
    """
    return _change("permission.granted", perm, user_or_group, obj, by, request)


def revoke(
    perm: str,
    user_or_group: User | Group,
    obj: Model | None = None,
    *,
    by: Any = None,
    request: Request | None = None,
) -> bool:
    """Take back what :func:`grant` gave; a ``permission.revoked`` audit event if it had."""
    return _change("permission.revoked", perm, user_or_group, obj, by, request)


# -- filtering ---------------------------------------------------------------------------------


def for_user(queryset: QuerySet[M] | Manager[M] | type[M], user: Any, action: str) -> QuerySet[M]:
    """The rows of ``queryset`` on which ``user`` may ``action`` (``"view"``, ``"change"``...).

    Superusers and holders of the global permission get ``queryset`` unchanged; anonymous
    and inactive users get nothing; anyone else gets the rows granted to them or to one of
    their groups. The result is still one SELECT: the grants are ``IN`` subqueries.
    """
    user = _real(user)
    if isinstance(queryset, QuerySet):
        rows: QuerySet[M] = queryset
    elif isinstance(queryset, Manager):
        rows = queryset.all()
    else:
        rows = queryset._default_manager.all()
    model = rows.model
    if not _active(user):
        return rows.none()
    if user.is_superuser:
        return rows
    codename = f"{action}_{model._meta.model_name}"
    if f"{model._meta.app_label}.{codename}" in get_all_permissions(user):
        return rows
    from bastion.auth.models import GroupObjectPermission, Permission, UserObjectPermission

    ct = content_type_of(model)
    pk_field = model._meta.pk
    if not isinstance(pk_field, (IntegerField, TextLikeField)):
        raise TypeError(
            f"for_user() needs an integer or text primary key; {model.__name__} has "
            f"{type(pk_field).__name__}."
        )
    column = "object_id" if isinstance(pk_field, IntegerField) else "object_pk"
    perm_ids = (
        Permission.objects.filter(content_type=ct, codename=codename)
        .order_by()
        .values_list("pk", flat=True)
    )
    mine = UserObjectPermission.objects.filter(
        user_id=user.pk, content_type=ct, permission_id__in=perm_ids
    )
    ours = GroupObjectPermission.objects.filter(
        group_id__in=_group_ids(user), content_type=ct, permission_id__in=perm_ids
    )
    return rows.filter(
        Q(pk__in=mine.values_list(column, flat=True))
        | Q(pk__in=ours.values_list(column, flat=True))
    )


class PermissionQuerySet(QuerySet[M]):
    """A queryset with ``for_user``: ``objects = PermissionQuerySet.as_manager()``."""

    def for_user(self, user: Any, action: str) -> QuerySet[M]:
        return for_user(self, user, action)
