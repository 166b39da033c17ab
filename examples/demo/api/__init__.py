"""The demo's ``api`` app: JSON endpoints under ``/api/`` and a ``bastion`` command."""

from bastion import App
from examples.demo.api.commands import stats
from examples.demo.api.routes import routes

app = App(__name__, routes=routes, prefix="api/", commands=[stats])
