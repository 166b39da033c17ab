"""A one-model Django app (label ``app``) for ``bench.permissions``: guardian grants on ``Doc``.

Its label matches the Bastion model's, so both frameworks are asked the same question,
``has_perm("app.change_doc", doc)``. It has no migrations: ``migrate --run-syncdb`` makes it.
"""
