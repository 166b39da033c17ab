"""The demo's ``api`` app: JSON endpoints under ``/api/`` and a ``bastion`` command."""

from examples.demo.api.commands import stats
from examples.demo.api.routes import routes

from bastion import App

app = App(__name__, routes=routes, prefix="api/", commands=[stats])
