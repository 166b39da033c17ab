"""Alembic's entry script for Bastion's migrations: Alembic runs it, nothing imports it.

Everything it needs arrives through ``config.attributes``; see
:func:`bastion.db.migrations.runtime.run_environment`. Imported as a module by mistake (a
tool walking the package), it does nothing.
"""

from bastion.db.migrations.runtime import run_environment

if __name__ != "bastion.db.migrations.env":
    run_environment()
