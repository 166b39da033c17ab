"""``bastion routes``: list every route of the application, in matching order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from bastion.cli.discovery import ProjectContext, pass_project

if TYPE_CHECKING:
    from bastion.app import Bastion

__all__ = ["HEADERS", "format_table", "route_rows", "routes_command", "view_methods", "view_name"]

HEADERS = ("Pattern", "Name", "Methods", "View")


def view_name(view: Callable[..., Any]) -> str:
    """``module.qualname`` of a view; a class-based view or callable object as its class."""
    target = getattr(view, "view_class", view)
    if not hasattr(target, "__qualname__"):  # a callable instance: show its class
        target = type(target)
    module = getattr(target, "__module__", None)
    qualname: str = target.__qualname__
    return f"{module}.{qualname}" if module else qualname


def methods_text(methods: Iterable[str] | None) -> str:
    """Methods as listed: ``ANY`` for no restriction; HEAD is left out where GET implies it."""
    if methods is None:
        return "ANY"
    shown = set(methods)
    if "GET" in shown:
        shown.discard("HEAD")
    return ",".join(sorted(shown))


def view_methods(view: Callable[..., Any]) -> list[str] | None:
    """The methods a class-based view answers (``View.allowed_methods``), else None."""
    allowed = getattr(getattr(view, "view_class", None), "allowed_methods", None)
    return list(allowed()) if callable(allowed) else None


def route_rows(app: Bastion) -> list[tuple[str, str, str, str]]:
    """One ``(pattern, name, methods, view)`` row per route, in matching order.

    A route open to any method shows what its class-based view answers, since the view
    refuses the rest with 405.
    """
    return [
        (
            info.pattern,
            info.name or "",
            methods_text(info.methods if info.methods is not None else view_methods(info.view)),
            view_name(info.view),
        )
        for info in app.router.routes()
    ]


def format_table(rows: Sequence[Sequence[str]], headers: Sequence[str] = HEADERS) -> str:
    """Align ``rows`` under ``headers`` in plain-text columns.

    Args:
        rows: the cells, one sequence per line, as many cells as ``headers``.
        headers: the column titles, underlined with dashes.
    """
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        """One row, each cell padded to its column's width."""
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    rule = ["-" * width for width in widths]
    return "\n".join(line(cells).rstrip() for cells in [headers, rule, *rows])


@click.command("routes")
@pass_project
def routes_command(project: ProjectContext) -> None:
    """List the routes in matching order.

    Shows each route's pattern, name, methods and view.
    """
    rows = route_rows(project.load_app())
    if not rows:
        click.echo("No routes.")
        return
    click.echo(format_table(rows))
