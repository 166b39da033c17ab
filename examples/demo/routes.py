"""The demo's own routes; the ``api`` app mounts its routes under ``/api/`` and ``auth_app``
its account pages under ``/accounts/``."""

from bastion import RedirectView, path
from examples.demo import views

routes = [
    path("", views.home, name="home", methods=["GET"]),
    path("greet/", views.greet, name="greet", methods=["GET", "POST"]),
    path("about/", views.AboutView.as_view(), name="about"),
    path("notes/", views.NoteList.as_view(), name="note_list"),
    path("notes/new/", views.NoteCreate.as_view(), name="note_create"),
    path("notes/<int:pk>/edit/", views.NoteUpdate.as_view(), name="note_edit"),
    path("notes/<int:pk>/share/", views.NoteShare.as_view(), name="note_share"),
    path(
        "notes/<int:pk>/attachment/",
        views.note_attachment,
        name="note_attachment",
        methods=["GET"],
    ),
    # An old address kept alive: a permanent redirect to the page's new home.
    path("info/", RedirectView.as_view(route_name="about", permanent=True), name="info"),
]
