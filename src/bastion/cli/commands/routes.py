"""``bastion routes``: list every route of the application, in matching order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from bastion.cli.discovery import ProjectContext, pass_project

if TYPE_CHECKING:
    from bastion.app import Bastion

__all__ = ["HEADERS", "format_table", "route_rows", "routes_command", "view_name"]

HEADERS = ("Pattern", "Name", "Methods", "View")


def view_name(view: Callable[..., Any]) -> str:
    """``module.qualname`` of a view; a class-based view is shown as its class."""
    target = getattr(view, "view_class", view)
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", None) or repr(target)
    return f"{module}.{qualname}" if module else qualname


def methods_text(methods: Iterable[str] | None) -> str:
    """Methods as listed: ``ANY`` for no restriction; HEAD is left out where GET implies it."""
    if methods is None:
        return "ANY"
    shown = set(methods)
    if "GET" in shown:
        shown.discard("HEAD")
    return ",".join(sorted(shown))


def route_rows(app: Bastion) -> list[tuple[str, str, str, str]]:
    """One ``(pattern, name, methods, view)`` row per route, in matching order."""
    return [
        (info.pattern, info.name or "", methods_text(info.methods), view_name(info.view))
        for info in app.router.routes()
    ]


def format_table(rows: Sequence[Sequence[str]], headers: Sequence[str] = HEADERS) -> str:
    """Align ``rows`` under ``headers`` in plain-text columns."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    rule = ["-" * width for width in widths]
    return "\n".join(line(cells).rstrip() for cells in [headers, rule, *rows])


@click.command("routes")
@pass_project
def routes_command(project: ProjectContext) -> None:
    """List the routes: pattern, name, methods and view, in matching order."""
    rows = route_rows(project.load_app())
    if not rows:
        click.echo("No routes.")
        return
    click.echo(format_table(rows))
