"""Flask 3.1 as a Flask user writes it: routes, ``jsonify``, ``render_template``.

The template is rendered by Flask's Jinja2 environment, whose autoescape is on for ``.html``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, jsonify, render_template, session

from bench.fortunes import for_request

__all__ = ["app"]

app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent.parent / "templates"))


@app.route("/plaintext")
def plaintext() -> Response:
    """Return the fixed text body."""
    return Response("Hello, World!", mimetype="text/plain")


@app.route("/json")
def json_view() -> Response:
    """Return the fixed JSON object."""
    return jsonify(message="Hello, World!")


@app.route("/form")
def form() -> str:
    """Read the session and render a form (Flask has no CSRF protection of its own).

    No ``secret_key`` is set: with one, Flask opens the signed session on *every* request,
    plaintext included, which would slow its other endpoints. Without it ``session`` is a
    read-only null session, cheaper than a real one: this flatters Flask, not Bastion.
    """
    return render_template("form.html", visits=session.get("visits", 0))


@app.route("/template")
def template() -> str:
    """Render the fortunes page."""
    return render_template("fortunes.html", fortunes=for_request())
