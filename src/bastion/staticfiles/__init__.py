"""Static files: found in the project's and apps' ``static/`` folders, collected with
content-hashed names for production, served by the application in development.
"""

from __future__ import annotations

from bastion.staticfiles.collect import CollectResult as CollectResult
from bastion.staticfiles.core import StaticFiles as StaticFiles
from bastion.staticfiles.middleware import StaticFilesMiddleware as StaticFilesMiddleware

__all__ = ["CollectResult", "StaticFiles", "StaticFilesMiddleware"]
