"""The Bastion demo project: ``make demo`` serves it at http://localhost:8000/.

It uses only the public API, in the layout ``bastion startproject`` creates: a settings
module, a WSGI module, project routes and views, templates and static files, and one
installed app (``api``) that brings a JSON endpoint and a ``bastion`` command.
"""
