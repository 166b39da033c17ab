"""The demo's own routes; the ``api`` app mounts its routes under ``/api/``."""

from bastion import RedirectView, path
from examples.demo import views

routes = [
    path("", views.home, name="home", methods=["GET"]),
    path("greet/", views.greet, name="greet", methods=["GET", "POST"]),
    path("about/", views.AboutView.as_view(), name="about"),
    path("notes/", views.note_list, name="note_list", methods=["GET"]),
    path("notes/new/", views.note_create, name="note_create", methods=["GET", "POST"]),
    path("notes/<int:pk>/edit/", views.note_edit, name="note_edit", methods=["GET", "POST"]),
    # An old address kept alive: a permanent redirect to the page's new home.
    path("info/", RedirectView.as_view(route_name="about", permanent=True), name="info"),
]
