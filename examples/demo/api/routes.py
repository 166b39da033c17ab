"""The ``api`` app's routes, named ``api:<name>``."""

from examples.demo.api import views

from bastion import path

routes = [
    path("status", views.status, name="status", methods=["GET"]),
    path("items/<int:pk>", views.item, name="item", methods=["GET"]),
]
