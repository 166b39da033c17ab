"""Database URLs: the user's spelling in, Bastion's drivers out, passwords never echoed."""

from __future__ import annotations

import pytest

from bastion.db.urls import to_sqlalchemy_url, vendor_of
from bastion.exceptions import ImproperlyConfigured
from bastion.settings import Settings


@pytest.mark.parametrize(
    ("url", "driver", "vendor"),
    [
        ("sqlite:///app.sqlite3", "sqlite+pysqlite", "sqlite"),
        ("sqlite:///:memory:", "sqlite+pysqlite", "sqlite"),
        ("postgresql://app@db:5432/app", "postgresql+psycopg", "postgresql"),
        ("postgres://app@db/app", "postgresql+psycopg", "postgresql"),
        ("mysql://root@127.0.0.1:3306/app", "mysql+pymysql", "mysql"),
        ("mariadb://root@127.0.0.1/app", "mysql+pymysql", "mysql"),
    ],
)
def test_url_names_bastions_driver(url: str, driver: str, vendor: str) -> None:
    assert to_sqlalchemy_url(url).drivername == driver
    assert vendor_of(url) == vendor


def test_mysql_url_defaults_to_utf8mb4() -> None:
    assert to_sqlalchemy_url("mysql://root@h/app").query["charset"] == "utf8mb4"
    assert to_sqlalchemy_url("mysql://root@h/app?charset=latin1").query["charset"] == "latin1"


def test_unknown_scheme_is_refused_with_the_choices() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"'oracle' is not supported.*postgresql://"):
        to_sqlalchemy_url("oracle://scott:tiger@db/app")


def test_unparseable_url_error_hides_the_password() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        to_sqlalchemy_url("postgresql://app:s3cret@db:notaport/app")
    assert "s3cret" not in str(info.value)
    assert "app:***@" in str(info.value)


def test_relative_sqlite_path_is_anchored_at_base_dir(tmp_path: object) -> None:
    settings = Settings(BASE_DIR=str(tmp_path), DATABASES={"other": "sqlite:///other.db"})
    urls = settings.database_urls
    assert urls["default"] == f"sqlite:///{tmp_path}/db.sqlite3"
    assert urls["other"] == f"sqlite:///{tmp_path}/other.db"


@pytest.mark.parametrize(
    "url", ["sqlite:///:memory:", "sqlite:////abs/path.db", "postgresql://app@db/app"]
)
def test_other_urls_are_left_alone(url: str) -> None:
    assert Settings(DATABASE_URL=url).database_urls == {"default": url}
