"""Database URLs as users write them, turned into SQLAlchemy URLs with the chosen drivers.

Users write ``postgresql://``, ``mysql://`` and ``sqlite:///`` as in every twelve-factor
guide; the driver (psycopg 3, PyMySQL, the standard library's sqlite3) is Bastion's choice,
so a URL never names one and the project never depends on SQLAlchemy's spelling.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url

from bastion.exceptions import ImproperlyConfigured

__all__ = ["VENDORS", "to_sqlalchemy_url", "vendor_of"]

VENDORS = {
    "sqlite": "sqlite+pysqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
}
"""URL scheme → SQLAlchemy dialect and driver."""


def to_sqlalchemy_url(url: str) -> URL:
    """Parse a database URL and name Bastion's driver for it.

    Raises:
        ImproperlyConfigured: the URL cannot be parsed or its scheme is not supported.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"Database URL {_safe(url)!r} cannot be parsed.") from exc
    scheme = parsed.drivername.partition("+")[0]
    if scheme not in VENDORS:
        supported = ", ".join(f"{name}://" for name in sorted(VENDORS))
        raise ImproperlyConfigured(
            f"Database URL scheme {scheme!r} is not supported; use one of {supported}."
        )
    parsed = parsed.set(drivername=VENDORS[scheme])
    if parsed.drivername.startswith("mysql") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def vendor_of(url: str) -> str:
    """``sqlite``, ``postgresql`` or ``mysql``: the database family a URL points at."""
    return to_sqlalchemy_url(url).get_backend_name()


def _safe(url: str) -> str:
    """The URL with any password hidden, for error messages."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, sep, userinfo = head.partition("://")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{tail}"
