"""The built-in ``bastion`` commands, one module each.

Every module holds plain functions that do the work (and are unit-tested directly) and one
thin click command over them.
"""

from __future__ import annotations

import click

from bastion.cli.commands.check import check_command
from bastion.cli.commands.collectstatic import collectstatic_command
from bastion.cli.commands.routes import routes_command
from bastion.cli.commands.runserver import runserver_command
from bastion.cli.commands.secretkey import secretkey_command
from bastion.cli.commands.shell import shell_command
from bastion.cli.commands.startproject import startproject_command

__all__ = ["BUILTIN_COMMANDS"]

BUILTIN_COMMANDS: list[click.Command] = [
    check_command,
    collectstatic_command,
    routes_command,
    runserver_command,
    secretkey_command,
    shell_command,
    startproject_command,
]
"""The commands every ``bastion`` has, project or not."""
