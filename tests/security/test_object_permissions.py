"""IDOR: a user must not reach another user's object by changing the id in the URL.

The attack: Bob opens ``/docs/<id>/`` for ids he was never given, hoping the view looks the
object up by id alone. The view's ``get_queryset`` is built on ``for_user``, so an object
Bob may not see is outside it and answers exactly like one that does not exist (404, same
body), and ids cannot even be probed for existence. Runs on SQLite, PostgreSQL and MariaDB.

The current user comes from an ``X-Test-User`` header: a stand-in for the session login
middleware (another part of the auth work), so only the permission filtering is under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scratchdb import VENDORS, scratch_database

from bastion import Bastion, path
from bastion.auth.apps import auth_app
from bastion.auth.models import AnonymousUser, Group, User
from bastion.auth.permissions import for_user, grant, sync_permissions
from bastion.db import models
from bastion.db.migrations import migrate
from bastion.db.models import registry
from bastion.http.request import Request
from bastion.settings import Settings, TemplateConfig
from bastion.testing import Client
from bastion.views import DetailView, ListView

KEY = "i9Vq2LmZ7pR4tN8wK1sB6yH3cF0jD5gA-eU_oI2rT7vW4qS9zX1nM6bP3kL8hJ"


class Record(models.Model):
    title = models.CharField(max_length=100)

    class Meta:
        app_label = "idor"


def current_user(request: Request) -> Any:
    user_id = request.headers.get("x-test-user")
    if not user_id:
        return AnonymousUser()
    return User.objects.get(pk=int(user_id))


class VisibleRecords:
    """``get_queryset``: only the records the current user may view."""

    def get_queryset(self, request: Request) -> Any:
        return for_user(Record.objects.all(), current_user(request), "view")


class RecordDetail(VisibleRecords, DetailView):
    model = Record
    template_name = "record.html"


class RecordList(VisibleRecords, ListView):
    model = Record
    template_name = "records.html"


class Site:
    def __init__(self, app: Bastion) -> None:
        self.app = app
        self.client = Client(app)
        with app.databases.activate():
            sync_permissions([Record])
            self.ann = User.objects.create_user("ann@example.com")
            self.bob = User.objects.create_user("bob@example.com")
            self.root = User.objects.create_superuser("root@example.com")
            self.anns = Record.objects.create(title="Ann's private record")
            self.shared = Record.objects.create(title="Team record")
            grant("idor.view_record", self.ann, self.anns)
            team = Group.objects.create(name="team")
            team.users.add(self.ann, self.bob)
            grant("idor.view_record", team, self.shared)
            app.databases.release()

    def get(self, url: str, user: Any = None) -> Any:
        headers = {"X-Test-User": str(user.pk)} if user is not None else {}
        return self.client.get(url, headers=headers)


@pytest.fixture(scope="module", params=VENDORS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with scratch_database(request.param, tmp_path_factory, "idor") as url:
        yield url


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "record.html").write_text("{{ object.title }}")
    (folder / "records.html").write_text("{% for r in object_list %}{{ r.title }}|{% endfor %}")
    settings = Settings(
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver"],
        BASE_DIR=str(tmp_path),
        DATABASE_URL=database_url,
        TEMPLATES=TemplateConfig(dirs=(str(folder),)),
    )
    app = Bastion(
        settings,
        routes=[
            path("records/", RecordList.as_view()),
            path("records/<int:pk>/", RecordDetail.as_view()),
        ],
    )
    engine = app.databases.engine()
    migrate(app.databases, [auth_app])
    registry.metadata.create_all(engine, tables=[Record._meta.table])
    try:
        yield Site(app)
    finally:
        registry.metadata.drop_all(engine, tables=[Record._meta.table])
        migrate(app.databases, [auth_app], "auth", "zero")
        app.close()


def test_owner_sees_their_record(site: Site) -> None:
    response = site.get(f"/records/{site.anns.pk}/", site.ann)
    assert response.status_code == 200
    assert "Ann&#39;s private record" in response.text


def test_another_users_record_is_404_like_a_missing_one(site: Site) -> None:
    theirs = site.get(f"/records/{site.anns.pk}/", site.bob)
    missing = site.get("/records/999999/", site.bob)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text  # nothing tells "exists" from "does not exist"
    assert "private" not in theirs.text


def test_probing_every_id_finds_only_what_was_shared(site: Site) -> None:
    found = [
        pk
        for pk in range(1, site.shared.pk + 5)
        if site.get(f"/records/{pk}/", site.bob).status_code == 200
    ]
    assert found == [site.shared.pk]


def test_anonymous_users_see_nothing(site: Site) -> None:
    assert site.get(f"/records/{site.anns.pk}/").status_code == 404
    assert site.get("/records/").text == ""


def test_group_shared_record_and_listing(site: Site) -> None:
    assert site.get(f"/records/{site.shared.pk}/", site.bob).status_code == 200
    assert site.get("/records/", site.bob).text == "Team record|"
    listed = site.get("/records/", site.ann).text.split("|")
    assert sorted(listed) == ["", "Ann&#39;s private record", "Team record"]


def test_superuser_sees_everything(site: Site) -> None:
    assert site.get(f"/records/{site.anns.pk}/", site.root).status_code == 200
