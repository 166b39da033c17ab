"""Templates: Jinja2 with autoescaping always on, and the responses that render them.

``render(request, "page.html", {...})`` in a view; ``app.templates`` for anything else.
"""

from __future__ import annotations

from bastion.templating.engine import TemplateEngine as TemplateEngine
from bastion.templating.response import TemplateResponse as TemplateResponse
from bastion.templating.response import render as render

__all__ = ["TemplateEngine", "TemplateResponse", "render"]
