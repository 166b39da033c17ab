"""A command the ``api`` app adds to ``bastion``: ``bastion --app ... demo-stats``."""

import click

from bastion.cli import ProjectContext, pass_project


@click.command("demo-stats")
@pass_project
def stats(project: ProjectContext) -> None:
    """Count the demo's routes and apps."""
    app = project.load_app()
    routes = list(app.router.routes())
    click.echo(
        f"{len(routes)} routes, {len(app.apps)} app(s): {', '.join(a.label for a in app.apps)}"
    )
