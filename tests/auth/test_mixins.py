"""ObjectPermissionMixin: another user's object answers 404, like an id that does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from login_support import PASSWORD, cheap_hashers, create_user, post_login, settings_for

from bastion import Bastion, path
from bastion.auth import auth_app, grant
from bastion.auth.mixins import ObjectPermissionMixin
from bastion.auth.permissions import sync_permissions
from bastion.db import models
from bastion.db.migrations import migrate
from bastion.db.models import registry
from bastion.settings import TemplateConfig
from bastion.testing import Client
from bastion.views import DeleteView, DetailView, ListView, UpdateView


class Memo(models.Model):
    title = models.CharField(max_length=50)

    class Meta:
        app_label = "mixintests"
        ordering = ["title"]


class MemoList(ObjectPermissionMixin, ListView):
    model = Memo
    template_name = "memo_list.html"


class MemoDetail(ObjectPermissionMixin, DetailView):
    model = Memo
    template_name = "memo.html"


class MemoUpdate(ObjectPermissionMixin, UpdateView):
    model = Memo
    fields = ["title"]
    template_name = "memo.html"
    success_url = "/memos/"


class MemoDelete(ObjectPermissionMixin, DeleteView):
    model = Memo
    template_name = "memo.html"
    success_url = "/memos/"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict[str, Any]]:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "memo.html").write_text("{{ object.title if object else form.render(request) }}")
    (templates / "memo_list.html").write_text(
        "{% for m in object_list %}{{ m.title }};{% endfor %}"
    )
    settings = settings_for(
        tmp_path / "db.sqlite3", TEMPLATES=TemplateConfig(dirs=(str(templates),))
    )
    app = Bastion(
        settings,
        routes=[
            path("memos/", MemoList.as_view()),
            path("memos/<int:pk>/", MemoDetail.as_view()),
            path("memos/<int:pk>/edit/", MemoUpdate.as_view()),
            path("memos/<int:pk>/delete/", MemoDelete.as_view()),
        ],
        apps=[auth_app],
    )
    migrate(app.databases, app.apps)
    registry.metadata.create_all(app.databases.engine(), tables=[Memo._meta.table])
    with cheap_hashers():
        ann = create_user(app, "ann@example.com")
        bob = create_user(app, "bob@example.com")
        with app.databases.activate():
            sync_permissions([Memo])
            mine = Memo.objects.create(title="anns")
            shared = Memo.objects.create(title="shared")
            grant("mixintests.view_memo", ann, mine)
            grant("mixintests.change_memo", ann, mine)
            grant("mixintests.view_memo", bob, shared)
            app.databases.release()
        client = Client(app)
        assert post_login(client, "ann@example.com", PASSWORD).status_code == 303
        yield {"app": app, "client": client, "mine": mine, "shared": shared, "bob": bob}
    app.close()


def test_objects_outside_the_grant_are_404_like_missing_ids(site: dict[str, Any]) -> None:
    client: Client = site["client"]
    assert client.get(f"/memos/{site['mine'].pk}/").text == "anns"
    not_mine = client.get(f"/memos/{site['shared'].pk}/")
    missing = client.get("/memos/999999/")
    assert not_mine.status_code == missing.status_code == 404
    assert not_mine.text == missing.text


def test_the_action_follows_the_view(site: dict[str, Any]) -> None:
    client: Client = site["client"]
    assert client.get(f"/memos/{site['mine'].pk}/edit/").status_code == 200  # change granted
    assert client.get(f"/memos/{site['mine'].pk}/delete/").status_code == 404  # no delete grant
    assert client.get("/memos/").text == "anns;"


def test_anonymous_users_see_nothing(site: dict[str, Any]) -> None:
    anonymous = Client(site["app"])
    assert anonymous.get(f"/memos/{site['mine'].pk}/").status_code == 404
    assert anonymous.get("/memos/").text == ""
