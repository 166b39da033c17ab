"""Flask 3.1 as a Flask user writes it: routes, ``jsonify``, ``render_template``, and
Flask-SQLAlchemy models queried through ``db.session``, as its documentation shows.

The template is rendered by Flask's Jinja2 environment, whose autoescape is on for ``.html``.
Flask-SQLAlchemy keeps its defaults: a pool of connections per process, one session per
request, removed (rolled back, its connection returned) when the request ends.
"""

from __future__ import annotations

import random
from pathlib import Path

from flask import Flask, Response, jsonify, render_template, request, session
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bench.fortunes import ADDITIONAL, for_request
from bench.world import URL, WORLD_ROWS, query_count

__all__ = ["app"]


class Base(DeclarativeBase):
    """The declarative base Flask-SQLAlchemy's quickstart passes as ``model_class``."""


db = SQLAlchemy(model_class=Base)

app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent.parent / "templates"))
app.config["SQLALCHEMY_DATABASE_URI"] = URL.replace("postgresql://", "postgresql+psycopg://", 1)
db.init_app(app)


class World(db.Model):  # type: ignore[name-defined]
    """One row of ``world``."""

    __tablename__ = "world"
    id: Mapped[int] = mapped_column(primary_key=True)
    randomnumber: Mapped[int]


class Fortune(db.Model):  # type: ignore[name-defined]
    """One row of ``fortune``."""

    __tablename__ = "fortune"
    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str] = mapped_column(String(2048))


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


def _world() -> dict[str, int]:
    world = db.get_or_404(World, random.randint(1, WORLD_ROWS))
    return {"id": world.id, "randomNumber": world.randomnumber}


@app.route("/db")
def single_query() -> Response:
    """Return one random row of ``world``."""
    return jsonify(_world())


@app.route("/queries")
def queries() -> Response:
    """Return ``?queries=`` random rows, one query each."""
    return jsonify([_world() for _ in range(query_count(request.args.get("queries")))])


@app.route("/fortunes")
def fortunes() -> str:
    """Render every stored fortune plus one added now, sorted by message."""
    rows = list(db.session.execute(db.select(Fortune)).scalars())
    rows.append(Fortune(id=ADDITIONAL.id, message=ADDITIONAL.message))
    rows.sort(key=lambda fortune: fortune.message)
    return render_template("fortunes.html", fortunes=rows)
