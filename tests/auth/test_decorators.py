"""The login, permission and user-test decorators on function and class views."""

from __future__ import annotations

from typing import Any

import pytest
from login_support import (
    PASSWORD,
    create_user,
    post_login,
)

from bastion import Bastion
from bastion.auth.decorators import (
    login_required,
    permission_required,
    user_passes_test,
)
from bastion.exceptions import ImproperlyConfigured
from bastion.testing import Client


def as_user(app: Bastion, email: str, **extra: Any) -> Client:
    create_user(app, email, **extra)
    client = Client(app)
    assert post_login(client, email, PASSWORD).status_code == 303
    return client


@pytest.mark.parametrize("url", ["/private/", "/private-class/", "/users/"])
def test_anonymous_visitors_go_to_login_with_next(app: Bastion, url: str) -> None:
    response = Client(app).get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/accounts/login/?next={url}"


def test_next_keeps_the_query_string_encoded(app: Bastion) -> None:
    response = Client(app).get("/private/?tab=a&b=c")
    assert response.headers["Location"] == "/accounts/login/?next=/private/%3Ftab%3Da%26b%3Dc"


def test_the_login_page_takes_the_next_it_was_given(app: Bastion) -> None:
    create_user(app, "ann@example.com")
    client = Client(app)
    login_page = client.get("/private/", follow=True)
    assert 'name="next" value="/private/"' in login_page.text
    response = post_login(client, "ann@example.com", PASSWORD, next_url="/private/")
    assert response.headers["Location"] == "/private/"
    assert client.get("/private/").json() == {"email": "ann@example.com"}


def test_logged_in_users_pass_login_required(app: Bastion) -> None:
    client = as_user(app, "ann@example.com")
    assert client.get("/private/").status_code == 200
    assert client.get("/private-class/").json() == {"email": "ann@example.com"}


def test_permission_required_with_raise_exception_answers_403(app: Bastion) -> None:
    assert as_user(app, "ann@example.com").get("/staff/").status_code == 403
    assert Client(app).get("/staff/").status_code == 302  # anonymous: log in first
    assert as_user(app, "root@example.com", is_superuser=True).get("/staff/").status_code == 200


def test_permission_required_without_raise_sends_to_login(app: Bastion) -> None:
    response = as_user(app, "ann@example.com").get("/users/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/?next=")
    assert as_user(app, "root@example.com", is_superuser=True).get("/users/").status_code == 200


def test_user_passes_test_on_a_class(app: Bastion) -> None:
    assert as_user(app, "ann@example.com").get("/staff-class/").status_code == 302
    assert as_user(app, "boss@example.com", is_staff=True).get("/staff-class/").status_code == 200


def test_inactive_superusers_have_no_permission(app: Bastion) -> None:
    # They cannot log in at all; the decorator sees an anonymous user.
    create_user(app, "gone@example.com", is_superuser=True, is_active=False)
    client = Client(app)
    assert post_login(client, "gone@example.com", PASSWORD).status_code == 400
    assert client.get("/staff/").status_code == 302


def test_login_url_can_be_given() -> None:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.settings import Settings

    @login_required(login_url="/signin/?from=x")
    def view(request: Request) -> Response:  # pragma: no cover - never reached
        raise AssertionError

    request = Request(settings=Settings(), path="/secret/", query_string=b"a=1")
    response = view(request)
    assert response.headers["Location"] == "/signin/?from=x&next=/secret/%3Fa%3D1"


def test_misuse_is_refused() -> None:
    with pytest.raises(ValueError, match=r"app_label\.codename"):
        permission_required("nodot")
    with pytest.raises(ValueError, match=r"app_label\.codename"):
        permission_required([])
    with pytest.raises(TypeError, match="callable"):
        user_passes_test("yes")  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match="dispatch"):
        login_required(type("NotAView", (), {}))
