"""Django 5.2 configured as ``startproject`` leaves it, minus the admin and static files.

The middleware list is exactly the default one: the point is to measure what a new Django
project costs per request, not a tuned one.
"""
