"""Side-by-side benchmarks: Bastion against a bare WSGI floor, Flask and Django.

A package (not loose scripts) so that the apps are importable by one dotted name both
in-process and by gunicorn, without clashing with installed top-level modules.
"""
