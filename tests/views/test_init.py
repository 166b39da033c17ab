"""``bastion.views`` keeps its old names and loads the generic views only when asked."""

from __future__ import annotations

import subprocess
import sys

import bastion.views


def test_every_public_name_resolves() -> None:
    for name in bastion.views.__all__:
        assert getattr(bastion.views, name).__name__ == name
    assert set(bastion.views.__all__) <= set(dir(bastion.views))


def test_importing_view_does_not_load_the_orm() -> None:
    code = (
        "import sys; from bastion.views import View, TemplateView, RedirectView; "
        "print('bastion.db' in sys.modules, 'bastion.views.edit' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
