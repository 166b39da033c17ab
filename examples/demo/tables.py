"""Creating the demo's tables until the demo has migrations.

Temporary: ``ensure_tables`` is to be replaced by ``bastion migrate`` once
``bastion makemigrations`` has written the demo's first migration.
"""

from bastion import Bastion
from bastion.db.models import registry
from examples.demo.models import Note


def ensure_tables(app: Bastion) -> None:
    """Create the demo's tables in the app's default database when they are missing."""
    registry.metadata.create_all(app.databases.engine(), tables=[Note._meta.table])
