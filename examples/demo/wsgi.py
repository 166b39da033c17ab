"""The demo application, for ``bastion --app examples.demo.wsgi:application runserver``
(run from the repository root) or ``gunicorn examples.demo.wsgi:application``.
"""

from bastion import Bastion, load_settings
from bastion.auth import auth_app
from bastion.logging import configure_logging
from examples.demo import api, notes
from examples.demo.routes import routes
from examples.demo.views import error_page


def create_app() -> Bastion:
    """Build the demo from its settings module and the ``BASTION_*`` environment."""
    settings = load_settings("examples.demo.settings")
    configure_logging(settings)
    # `make demo` runs `bastion migrate` first, which creates the account and notes tables.
    # auth_app mounts sign-up, login (with MFA), lockout, password change and reset under
    # /accounts/ and gives every request `request.user`.
    return Bastion(
        settings, routes=routes, apps=[auth_app, api.app, notes.app], error_page=error_page
    )


application = create_app()
