"""A project made by ``bastion startproject`` works: in-process, under runserver and gunicorn.

These follow docs/quickstart.md step by step, so the documented commands are the tested ones.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from bastion.cli import cli
from bastion.cli.commands.startproject import create_project

BIN = Path(sys.executable).parent
XSS = "<script>alert('x')</script> & Co"


@pytest.fixture
def mysite(tmp_path: Path) -> Path:
    """``bastion startproject mysite`` in ``tmp_path``; returns the project folder."""
    create_project("mysite", tmp_path / "mysite")
    return tmp_path / "mysite"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any BASTION_* variable of the test run, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(
    url: str, data: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
) -> tuple[int, str, dict[str, str]]:
    """GET (or POST ``data``) as a browser on the site's own page does (Fetch Metadata)."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(
        url, data=body, headers={"Sec-Fetch-Site": "same-origin", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def wait_for(url: str, process: subprocess.Popen[str], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"server exited ({process.returncode}):\n{out}\n{err}")
        parts = urllib.parse.urlsplit(url)
        try:  # any HTTP answer will do (a production server redirects plain HTTP)
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=1)
            connection.request("GET", parts.path or "/")
            connection.getresponse().read()
            connection.close()
        except OSError:
            time.sleep(0.1)
        else:
            return
    process.kill()
    raise AssertionError(f"{url} did not answer within {timeout}s")


@pytest.fixture
def server() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by a test; interrupted (then killed) at the end."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)  # reaps it and closes its pipes (no ResourceWarning)


def start(
    args: list[str], cwd: Path, env: dict[str, str], started: list[subprocess.Popen[str]]
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a stray signal never reaches the test run
    )
    started.append(process)
    return process


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    return process.returncode, out, err


# -- in-process, through the WSGI application -----------------------------------------------


def test_generated_wsgi_application_serves_form(mysite: Path) -> None:
    """Import ``mysite.wsgi`` in a fresh interpreter and drive ``application`` over WSGI."""
    script = f"""
import io, sys
from mysite.wsgi import application

def call(method, body=b""):
    captured = {{}}
    environ = {{
        "REQUEST_METHOD": method, "PATH_INFO": "/", "QUERY_STRING": "",
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
        "HTTP_SEC_FETCH_SITE": "same-origin",
    }}
    chunks = application(environ, lambda status, headers, exc=None: captured.update(s=status))
    return captured["s"], b"".join(chunks).decode()

status, page = call("GET")
print(status)
print(page)
print("=====")
from urllib.parse import urlencode
status, page = call("POST", urlencode({{"name": {XSS!r}}}).encode())
print(status)
print(page)
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=mysite,
        env=clean_env(PYTHONPATH=str(mysite)),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    get, post = result.stdout.split("=====")
    assert get.startswith("200 OK")
    assert '<form method="post" action="/">' in get
    assert 'name="name"' in get
    assert 'href="/static/site.css"' in get
    assert "Hello," not in get
    assert post.strip().startswith("200 OK")
    assert "Hello, &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co!" in post
    assert "<script>alert" not in post


def test_generated_project_in_process(mysite: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same through the test client, importing the project into this interpreter."""
    from bastion.cli.discovery import ProjectContext
    from bastion.testing import Client

    for name in [k for k in os.environ if k.startswith("BASTION_")]:
        monkeypatch.delenv(name)
    app = ProjectContext(cwd=mysite, environ={}).load_app()
    client = Client(app, base_url="http://localhost")
    page = client.get("/")
    assert page.status_code == 200
    assert page.template_name == "home/index.html"
    greeted = client.post("/", data={"name": XSS})
    assert greeted.status_code == 200
    assert greeted.context is not None
    assert greeted.context["name"] == XSS
    assert "Hello, &lt;script&gt;" in greeted.text
    css = client.get("/static/site.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]
    assert client.get("/nope").status_code == 404
    # auth_app is installed: the account pages are under /accounts/, linked from the layout.
    assert 'href="/accounts/login/"' in page.text
    assert app.reverse("auth:login") == "/accounts/login/"
    login = client.get("/accounts/login/")
    assert login.status_code == 200
    assert 'name="password"' in login.text


def test_generated_project_tests_pass(mysite: Path) -> None:
    """``pytest`` in a new project runs its two tests, through Bastion's pytest plugin."""
    env = {k: v for k, v in clean_env().items() if not k.startswith("PYTEST_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=mysite,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_generated_project_routes_and_check(
    mysite: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(mysite)
    monkeypatch.delenv("BASTION_APP", raising=False)
    routes = runner.invoke(cli, ["routes"])
    assert routes.exit_code == 0, routes.output
    assert routes.output.splitlines()[2].split() == [
        "/",
        "home:index",
        "GET,POST",
        "home.views.index",
    ]
    check = runner.invoke(cli, ["check"])
    assert check.exit_code == 0
    assert check.output == "System check identified no issues.\n"
    deploy = runner.invoke(cli, ["check", "--deploy"])
    assert deploy.exit_code == 1
    for check_id in ("bastion.E001", "bastion.W001", "bastion.W004"):
        assert check_id in deploy.stderr


def test_generated_project_refuses_production_without_real_key(
    mysite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bastion.cli.discovery import ProjectContext
    from bastion.exceptions import ImproperlyConfigured

    monkeypatch.setenv("BASTION_DEBUG", "false")
    monkeypatch.setenv("BASTION_ALLOWED_HOSTS", "example.com")
    monkeypatch.delenv("BASTION_SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="placeholder prefix"):
        ProjectContext(cwd=mysite, environ={}).load_app()


# -- real servers -------------------------------------------------------------------------


def test_runserver_noreload_serves_generated_project(
    mysite: Path, server: list[subprocess.Popen[str]]
) -> None:
    port = free_port()
    process = start(
        [str(BIN / "bastion"), "runserver", "--noreload", str(port)], mysite, clean_env(), server
    )
    url = f"http://127.0.0.1:{port}/"
    wait_for(url, process)
    status, page, _ = fetch(url)
    assert status == 200
    assert "Your name" in page
    status, page, _ = fetch(url, {"name": XSS})
    assert status == 200
    assert "Hello, &lt;script&gt;" in page
    status, _, headers = fetch(url + "static/site.css")
    assert status == 200
    assert "text/css" in headers["Content-Type"]
    code, out, err = stop(process)
    assert code == 0, err
    assert f"Bastion development server at {url}" in out
    assert '"GET /" 200' in err  # the access log, through bastion.request
    assert '"POST /" 200' in err
    assert "Traceback" not in err


def test_runserver_autoreload_restarts_on_change(
    mysite: Path, server: list[subprocess.Popen[str]]
) -> None:
    port = free_port()
    process = start([str(BIN / "bastion"), "runserver", str(port)], mysite, clean_env(), server)
    url = f"http://127.0.0.1:{port}/"
    wait_for(url, process)
    views = mysite / "home" / "views.py"
    time.sleep(0.5)  # let the watcher settle before the edit
    # Python code only changes on a restart (templates are re-read in DEBUG anyway).
    views.write_text(views.read_text().replace('name = ""', 'name = "Reloaded"'))
    deadline = time.monotonic() + 20
    page = ""
    while time.monotonic() < deadline:
        try:
            page = fetch(url)[1]
        except OSError:
            page = ""
        if "Hello, Reloaded!" in page:
            break
        time.sleep(0.2)
    assert "Hello, Reloaded!" in page
    _, out, err = stop(process)
    assert "Restarting." in err
    assert "with autoreload" in out
    assert "Traceback" not in err


def production_env(host: str) -> tuple[str, dict[str, str]]:
    """A fresh secret key, and the environment of a production deployment behind nginx."""
    key = subprocess.run(
        [str(BIN / "bastion"), "secretkey"], capture_output=True, text=True, check=True
    ).stdout.strip()
    env = clean_env(
        BASTION_DEBUG="false",
        BASTION_SECRET_KEY=key,
        BASTION_ALLOWED_HOSTS=host,
        BASTION_SITE_URL="https://example.com",
        BASTION_EMAIL_URL="smtps://mailer:secret@mail.example.com",  # never contacted here
        BASTION_PROXY__TRUSTED_HOPS="1",  # nginx terminates TLS in front
    )
    return key, env


def test_gunicorn_serves_generated_project_in_production_mode(
    mysite: Path, server: list[subprocess.Popen[str]]
) -> None:
    """The quickstart's production steps: env, collectstatic, check --deploy, gunicorn."""
    key, env = production_env("127.0.0.1")
    for args in (["migrate"], ["collectstatic", "--noinput"], ["check", "--deploy"]):
        done = subprocess.run(
            [str(BIN / "bastion"), *args], cwd=mysite, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
    port = free_port()
    process = start(
        [str(BIN / "gunicorn"), "mysite.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1"],
        mysite,
        env,
        server,
    )
    url = f"http://127.0.0.1:{port}/"
    wait_for(url, process)
    tls = {"X-Forwarded-Proto": "https"}
    status, page, _ = fetch(url, headers=tls)
    assert status == 200
    css = re.search(r'href="(/static/site\.[0-9a-f]+\.css)"', page)
    assert css is not None, page  # production URLs carry the content hash
    status, page, _ = fetch(url, {"name": "Ada"}, headers=tls)
    assert status == 200
    assert "Hello, Ada!" in page
    assert key not in page
    status, page, _ = fetch(f"{url}accounts/login/", headers=tls)  # auth_app, migrated
    assert status == 200
    assert 'name="password"' in page
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=15)
    assert key not in err


def _raw(
    port: int, method: str, path: str, headers: Mapping[str, str], body: bytes = b""
) -> tuple[int, dict[str, list[str]], str]:
    """One request with exact headers (urllib would add its own and follow redirects)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        received: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            received.setdefault(name.lower(), []).append(value)
        return response.status, received, response.read().decode()
    finally:
        connection.close()


def test_generated_project_behind_proxy_has_every_protection(
    mysite: Path, server: list[subprocess.Popen[str]]
) -> None:
    """Issue 3's end-to-end proof: gunicorn, DEBUG off, behind a TLS-terminating proxy."""
    _, env = production_env("example.com")
    done = subprocess.run(
        [str(BIN / "bastion"), "collectstatic", "--noinput"],
        cwd=mysite,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    port = free_port()
    process = start(
        [str(BIN / "gunicorn"), "mysite.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2"],
        mysite,
        env,
        server,
    )
    wait_for(f"http://127.0.0.1:{port}/", process)
    proxied = {
        "Host": "example.com",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.5",
    }

    # Plain HTTP is sent to HTTPS; a forged Host is refused before anything else.
    status, headers, _ = _raw(port, "GET", "/", {"Host": "example.com"})
    assert (status, headers["location"]) == (308, ["https://example.com/"])
    status, _, body = _raw(port, "GET", "/", {**proxied, "Host": "evil.com"})
    assert status == 400
    assert "evil.com" not in body

    # The page carries every header, and a form with a masked token.
    status, headers, page = _raw(port, "GET", "/", proxied)
    assert status == 200
    assert headers["strict-transport-security"] == ["max-age=31536000; includeSubDomains"]
    assert headers["x-frame-options"] == ["DENY"]
    assert headers["x-content-type-options"] == ["nosniff"]
    assert headers["referrer-policy"] == ["same-origin"]
    assert headers["cross-origin-opener-policy"] == ["same-origin"]
    assert "camera=()" in headers["permissions-policy"][0]
    csp = headers["content-security-policy"][0]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    cookie = next(c for c in headers["set-cookie"] if c.startswith("__Host-csrftoken="))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None, page
    jar = cookie.split(";", 1)[0]
    form = urllib.parse.urlencode({"name": "Ada", "csrf_token": token.group(1)}).encode()
    posted = {**proxied, "Cookie": jar, "Content-Type": "application/x-www-form-urlencoded"}

    # Cross-site posts are refused, with or without Fetch Metadata.
    for forged in (
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.com"},
        {"Origin": "https://evil.com"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://sub.example.com"},
    ):
        status, headers, _ = _raw(port, "POST", "/", {**posted, **forged}, form)
        assert status == 403, forged
        assert headers["x-frame-options"] == ["DENY"]

    # The same form submitted from the site's own page succeeds (a modern browser, then an
    # old one that sends neither header and relies on the token).
    for own in ({"Sec-Fetch-Site": "same-origin", "Origin": "https://example.com"}, {}):
        status, _, page = _raw(port, "POST", "/", {**posted, **own}, form)
        assert status == 200, own
        assert "Hello, Ada!" in page
    status, _, _ = _raw(
        port, "POST", "/", {**proxied, "Content-Type": "application/x-www-form-urlencoded"}, form
    )
    assert status == 403  # the token without its cookie proves nothing
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=15)
