"""The cost of an object-permission check: Bastion's ``bastion.auth`` against django-guardian.

``python -m bench.permissions [--repeats N] [--json PATH]`` builds two SQLite files in a
temporary directory (one per framework, same machine, same run), each holding one user,
200 ``Doc`` rows and a ``change_doc`` grant on 150 of them, then times, call by call with
the two frameworks taking turns:

- ``user.has_perm("app.change_doc", doc)`` on a fresh user instance (nothing cached: the
  first check of a request), against guardian's ``ObjectPermissionBackend`` through
  Django's ``user.has_perm``;
- the same check again on the same instance (Bastion caches per instance), against one
  reused ``ObjectPermissionChecker`` (guardian caches per checker; its backend does not);
- listing the docs the user may change: ``for_user(Doc.objects.all(), user, "change")``
  against ``get_objects_for_user(user, "app.change_doc")``.

Every variant must answer True on a granted doc, False on another, and list exactly the 150
granted, or the run stops: a fast wrong answer is not a measurement. Django is configured
once per process (``settings.configure``), so ``bench.auth`` runs this in a child process.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["DOCS", "GRANTED", "PERM", "configure_django", "main", "measure"]

DOCS, GRANTED = 200, 150
PERM = "app.change_doc"


def configure_django(directory: Path) -> None:
    """Django with contenttypes, auth, guardian and ``bench.guardian_app`` on SQLite."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    if settings.configured:
        raise RuntimeError("Django is already configured in this process; run a fresh one.")
    settings.configure(
        SECRET_KEY="bench-only-not-a-secret",  # this process serves nothing
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "guardian",
            "bench.guardian_app",
        ],
        AUTHENTICATION_BACKENDS=[
            "django.contrib.auth.backends.ModelBackend",
            "guardian.backends.ObjectPermissionBackend",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(directory / "django.sqlite3"),
            }
        },
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
    )
    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)


@functools.cache
def _bastion_doc() -> Any:
    """The Bastion ``Doc`` model, defined once (defining registers it) and only when used."""
    from bastion.db import models

    class Doc(models.Model):
        title = models.CharField(max_length=100)

        class Meta:
            app_label = "app"

    return Doc


@contextmanager
def _bastion(directory: Path) -> Iterator[dict[str, Any]]:
    """Bastion's side, migrated and filled, its database active while the block runs."""
    from bastion.auth.apps import auth_app
    from bastion.auth.models import User
    from bastion.auth.permissions import grant, sync_permissions
    from bastion.db import Databases
    from bastion.db.migrations import migrate
    from bastion.db.models import registry

    registry.choose("AUTH_USER_MODEL", "auth.User")  # what Bastion(settings) would do
    doc = _bastion_doc()
    dbs = Databases({"default": f"sqlite:///{directory / 'bastion.sqlite3'}"})
    try:
        migrate(dbs, [auth_app])
        registry.metadata.create_all(dbs.engine(), tables=[doc._meta.table])
        with dbs.activate():
            sync_permissions([doc])
            user = User.objects.create_user("reader@example.com")
            doc.objects.bulk_create([doc(title=f"doc {i}") for i in range(DOCS)])
            docs = list(doc.objects.order_by("pk"))
            for row in docs[:GRANTED]:
                grant(PERM, user, row)
            yield {
                "fresh": lambda: User.objects.get(pk=user.pk),
                "granted": docs[0],
                "other": docs[-1],
                "listed": lambda u: list(_for_user(doc, u)),
            }
    finally:
        dbs.close()


def _for_user(doc: Any, user: Any) -> Any:
    from bastion.auth.permissions import for_user

    return for_user(doc.objects.all(), user, "change")


def _django() -> dict[str, Any]:
    """Guardian's side, filled (Django must be configured)."""
    from django.contrib.auth.models import User
    from guardian.shortcuts import assign_perm, get_objects_for_user

    from bench.guardian_app.models import Doc

    user = User.objects.create_user("reader", "reader@example.com")
    Doc.objects.bulk_create([Doc(title=f"doc {i}") for i in range(DOCS)])
    docs = list(Doc.objects.order_by("pk"))
    for row in docs[:GRANTED]:
        assign_perm("change_doc", user, row)
    return {
        "fresh": lambda: User.objects.get(pk=user.pk),
        "granted": docs[0],
        "other": docs[-1],
        "listed": lambda u: list(get_objects_for_user(u, PERM)),
    }


def _checks(side: dict[str, Any], name: str) -> list[tuple[str, Callable[[Any, Any], bool]]]:
    """The has_perm variants of one side, each ``(label, f(user_or_checker, obj))``."""
    if name == "bastion":
        return [("user.has_perm", lambda user, obj: user.has_perm(PERM, obj))]
    from guardian.core import ObjectPermissionChecker

    return [
        ("user.has_perm", lambda user, obj: user.has_perm(PERM, obj)),
        ("checker", lambda user, obj: ObjectPermissionChecker(user).has_perm("change_doc", obj)),
    ]


def _answers(side: dict[str, Any], name: str) -> dict[str, Any]:
    """What each variant answered, cold and warm; raises when any is wrong."""
    answers: dict[str, Any] = {}
    for label, check in _checks(side, name):
        for state in ("fresh", "cached"):
            user = side["fresh"]()
            if state == "cached":  # load the caches first, then ask again
                check(user, side["granted"]), check(user, side["other"])
            answers[f"{label} {state}"] = {
                "granted": check(user, side["granted"]),
                "other": check(user, side["other"]),
            }
    listed = side["listed"](side["fresh"]())
    answers["listed"] = len(listed)
    wrong = [
        k for k, v in answers.items() if k != "listed" and v != {"granted": True, "other": False}
    ]
    if wrong or len(listed) != GRANTED:
        raise RuntimeError(
            f"{name} answered wrongly: {answers}; a fast wrong answer is not a measurement"
        )
    return answers


def _pair_us(
    ours: Callable[[], object], theirs: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median µs of each callable, timed call by call in turns (so drift hits both)."""
    a, b = [], []
    clock = time.perf_counter
    for _ in range(repeats):
        start = clock()
        ours()
        a.append(clock() - start)
        start = clock()
        theirs()
        b.append(clock() - start)
    return statistics.median(a) * 1e6, statistics.median(b) * 1e6


def measure(repeats: int = 300, directory: Path | None = None) -> dict[str, Any]:
    """``{"rows": [...], "answers": {...}}``; each row has µs per operation for both."""
    from django.conf import settings

    with tempfile.TemporaryDirectory(prefix="bench-perms-") as scratch:
        where = Path(directory or scratch)
        if not settings.configured:
            configure_django(where)
        from guardian.core import ObjectPermissionChecker

        dj = _django()
        with _bastion(where) as ba:
            answers = {"bastion": _answers(ba, "bastion"), "django": _answers(dj, "django")}
            obj_b, obj_d = ba["granted"], dj["granted"]
            rows = []

            fresh_b = iter([ba["fresh"]() for _ in range(repeats)])
            fresh_d = iter([dj["fresh"]() for _ in range(repeats)])
            rows.append(
                {
                    "operation": "has_perm(obj), fresh user",
                    "bastion_api": "user.has_perm",
                    "django_api": "user.has_perm (ObjectPermissionBackend)",
                    "us": _pair_us(
                        lambda: next(fresh_b).has_perm(PERM, obj_b),
                        lambda: next(fresh_d).has_perm(PERM, obj_d),
                        repeats,
                    ),
                }
            )
            fresh_b = iter([ba["fresh"]() for _ in range(repeats)])
            fresh_d = iter([dj["fresh"]() for _ in range(repeats)])
            rows.append(
                {
                    "operation": "has_perm(obj), fresh user + checker",
                    "bastion_api": "user.has_perm",
                    "django_api": "ObjectPermissionChecker(user).has_perm",
                    "us": _pair_us(
                        lambda: next(fresh_b).has_perm(PERM, obj_b),
                        lambda: ObjectPermissionChecker(next(fresh_d)).has_perm(
                            "change_doc", obj_d
                        ),
                        repeats,
                    ),
                }
            )
            user_b, user_d = ba["fresh"](), dj["fresh"]()
            checker = ObjectPermissionChecker(user_d)
            user_b.has_perm(PERM, obj_b), checker.has_perm("change_doc", obj_d)
            rows.append(
                {
                    "operation": "has_perm(obj), same user",
                    "bastion_api": "user.has_perm (cached on the user)",
                    "django_api": "ObjectPermissionChecker.has_perm (cached on the checker)",
                    "us": _pair_us(
                        lambda: user_b.has_perm(PERM, obj_b),
                        lambda: checker.has_perm("change_doc", obj_d),
                        repeats,
                    ),
                }
            )
            rows.append(
                {
                    "operation": f"list {GRANTED} of {DOCS} granted docs",
                    "bastion_api": "for_user(Doc.objects.all(), user, 'change')",
                    "django_api": "get_objects_for_user(user, 'app.change_doc')",
                    "us": _pair_us(
                        lambda: ba["listed"](user_b),
                        lambda: dj["listed"](user_d),
                        max(1, repeats // 10),
                    ),
                }
            )
    return {"rows": rows, "answers": answers}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.permissions", description=__doc__)
    parser.add_argument("--repeats", type=int, default=300, help="checks each (300)")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON ('-': stdout)")
    args = parser.parse_args(argv)
    results = measure(args.repeats)
    if args.json == "-":
        print(json.dumps(results))
        return
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    for row in results["rows"]:
        ours, theirs = row["us"]
        print(f"{row['operation']:<34} bastion {ours:>9.1f} µs  guardian {theirs:>9.1f} µs")


if __name__ == "__main__":
    main()
