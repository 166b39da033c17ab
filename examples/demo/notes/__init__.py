"""The demo's ``notes`` app: the ``Note`` model and its migrations.

Its pages are project routes (``/notes/``); the app exists so that ``bastion makemigrations``
and ``bastion migrate`` find the model and keep its table in step.
"""

from bastion import App

app = App(__name__, label="notes")
