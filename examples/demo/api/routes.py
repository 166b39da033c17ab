"""The ``api`` app's routes, named ``api:<name>``."""

from bastion import path
from examples.demo.api import views

routes = [
    path("status", views.status, name="status", methods=["GET"]),
    path("items/<int:pk>", views.item, name="item", methods=["GET"]),
]
