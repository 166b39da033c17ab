"""One budget across application instances: what lets N workers on M machines share limits.

Each test builds two separate ``Bastion`` objects (as two gunicorn workers or two machines
would have) from equal settings and alternates requests between them.
"""

from __future__ import annotations

from bastion import Bastion, PlainTextResponse, Request, Response, path
from bastion.ratelimit import ratelimit
from bastion.testing import Client

from .conftest import AppMaker, SettingsMaker


@ratelimit("4/minute", methods=["POST"])
def login(request: Request) -> Response:
    return PlainTextResponse("welcome")


def two_clients(make_app: AppMaker, settings_for: SettingsMaker, url: str) -> list[Client]:
    apps = [make_app(settings_for(url), [path("login", login)]) for _ in range(2)]
    assert apps[0] is not apps[1]
    assert apps[0].ratelimiter is not apps[1].ratelimiter
    return [Client(app) for app in apps]


def test_ratelimit_enforced_across_two_applications_sharing_redis(
    make_app: AppMaker, settings_for: SettingsMaker, redis_url: str
) -> None:
    first, second = two_clients(make_app, settings_for, redis_url)
    answers = [client.post("/login") for client in (first, second, first, second, first, second)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers[:4]] == ["3", "2", "1", "0"]
    # A third client address still has its whole budget on both instances.
    other = {"REMOTE_ADDR": "198.51.100.20"}
    assert first.post("/login", environ=other).status_code == 200
    assert second.post("/login", environ=other).status_code == 200


def test_ratelimit_enforced_across_two_applications_sharing_memcached(
    make_app: AppMaker, settings_for: SettingsMaker, memcached_url: str
) -> None:
    first, second = two_clients(make_app, settings_for, memcached_url)
    codes = [c.post("/login").status_code for c in (first, second, first, second, first)]
    assert codes == [200, 200, 200, 200, 429]


def test_ratelimit_default_limits_across_two_applications_sharing_redis(
    settings_for: SettingsMaker, redis_url: str, make_app: AppMaker
) -> None:
    # RateLimitMiddleware is in the default stack: default_limits is all it takes.
    settings = settings_for(redis_url, default_limits=("3/minute",))
    apps: list[Bastion] = [make_app(settings, [path("", login)]) for _ in range(2)]
    first, second = (Client(app) for app in apps)
    codes = [c.get("/").status_code for c in (first, second, first, second)]
    assert codes == [200, 200, 200, 429]


def test_ratelimit_memory_storage_is_per_application(
    make_app: AppMaker, settings_for: SettingsMaker
) -> None:
    # Documented: memory:// (and locmem://) count per application, so N workers allow N times
    # the limit. Production needs Redis or Memcached.
    first, second = two_clients(make_app, settings_for, "memory://")
    codes = [c.post("/login").status_code for c in (first, first, first, first, first, second)]
    assert codes == [200, 200, 200, 200, 429, 200]
