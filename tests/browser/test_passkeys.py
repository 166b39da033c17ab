"""The passkey pages in real Chromium: the page script's WebAuthn calls, under the CSP nonce.

The unit tests post what a software authenticator builds; here Chromium runs the page's own
script against a virtual authenticator (DevTools ``WebAuthn`` domain), so what is proved is
what a user's browser does: the script runs under the site's CSP, the site's
Permissions-Policy lets the pages use WebAuthn, the options decode, and the response the
browser builds is accepted for the relying party named by ``SITE_URL``.

WebAuthn needs a secure context; ``http://localhost`` is one, ``http://127.0.0.1`` may not
be, so the browser uses ``localhost`` and ``SITE_URL`` names that origin.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from login_support import PASSWORD, cheap_hashers, create_user
from soft_authenticator import make_passkey_app
from webauthn.helpers import base64url_to_bytes

from bastion import Bastion
from bastion.auth.models import AuditEvent, WebAuthnCredential

pytestmark = pytest.mark.browser

EMAIL = "ann@example.com"
CODE_ITEM = re.compile(r"^[a-z0-9]{5}-[a-z0-9]{5}$")

# Runs before any page script, in every document of the context (not subject to the CSP):
# each violation is handed to Python, so one in a page that navigated away is not lost.
WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} on ${location.pathname}`
  );
});
"""

VIRTUAL_AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


class Site:
    """The passkey app behind a live server whose ``SITE_URL`` is the browser's origin."""

    def __init__(self, tmp_path: Path, serve: Any, **settings: Any) -> None:
        self.app: Bastion | None = None
        server = serve(self._wsgi)  # the port is known only once the server listens
        self.origin = f"http://localhost:{server.port}"
        self.app = make_passkey_app(
            tmp_path / "db.sqlite3",
            DEBUG=True,  # plain HTTP on loopback: no HTTPS redirect, no __Host- cookies
            SITE_URL=self.origin,
            ALLOWED_HOSTS=["localhost"],
            **settings,
        )

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        assert self.app is not None, "a request arrived before the app was built"
        return self.app(environ, start_response)

    def url(self, path: str) -> str:
        return self.origin + path

    def passkeys(self) -> list[WebAuthnCredential]:
        assert self.app is not None
        with self.app.databases.activate():
            found = list(WebAuthnCredential.objects.order_by("id"))
            self.app.databases.release()
        return found

    def audit_kinds(self) -> list[str]:
        assert self.app is not None
        with self.app.databases.activate():
            found = [
                str(k) for k in AuditEvent.objects.order_by("id").values_list("kind", flat=True)
            ]
            self.app.databases.release()
        return found


@pytest.fixture
def site(tmp_path: Path, serve: Any, request: pytest.FixtureRequest) -> Iterator[Site]:
    """The live site; ``@pytest.mark.parametrize("site", [{...}], indirect=True)`` sets more."""
    settings = getattr(request, "param", {})
    with cheap_hashers():
        live = Site(tmp_path, serve, **settings)
        try:
            yield live
        finally:
            assert live.app is not None
            live.app.close()


class Watcher:
    """What the browser reports while the test runs: CSP violations, script errors, console."""

    def __init__(self, page: Any) -> None:
        self.violations: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        page.expose_function("reportViolation", lambda text: self.violations.append(text))
        page.add_init_script(WATCH_CSP)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: self.console.append(message.text))

    def assert_clean(self) -> None:
        assert self.violations == []
        assert self.errors == []
        blocked = [text for text in self.console if "policy" in text.lower()]
        assert blocked == [], self.console


def virtual_authenticator(page: Any) -> tuple[Any, str]:
    """A CTAP2 platform authenticator that verifies the user, on ``page``'s tab."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_AUTHENTICATOR})
    return cdp, str(added["authenticatorId"])


def whoami(page: Any, site: Site) -> dict[str, Any]:
    page.goto(site.url("/whoami/"))
    data: dict[str, Any] = json.loads(page.text_content("body") or "{}")
    return data


def whoami_in_page(page: Any) -> bool:
    """Whether the session is logged in, asked from the current page (no navigation)."""
    answer: bool = page.evaluate(
        "async () => (await (await fetch('/whoami/')).json()).authenticated"
    )
    return answer


def log_in(page: Any, site: Site) -> None:
    page.goto(site.url("/accounts/login/?next=/whoami/"))
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_a_passkey_registers_and_signs_in_through_the_real_pages(site: Site, page: Any) -> None:
    """Register as a logged-in user, log out, then password + passkey through the pages."""
    assert site.app is not None
    create_user(site.app, EMAIL)
    watcher = Watcher(page)
    cdp, authenticator_id = virtual_authenticator(page)

    # 1. Logged in with the password alone (no second factor yet), register on the list page.
    log_in(page, site)
    assert whoami(page, site) == {"authenticated": True, "email": EMAIL}
    response = page.goto(site.url("/accounts/passkeys/"))
    assert response.status == 200
    assert "'nonce-" in response.headers["content-security-policy"]
    page.fill("#passkey-name", "Virtual key")
    with page.expect_navigation(url=re.compile(r"/accounts/mfa/recovery-codes/$")):
        page.click("#passkey-button")
    # The first passkey brings the first recovery codes, shown once.
    codes = page.locator("li code").all_text_contents()
    assert len(codes) == 10
    assert all(CODE_ITEM.fullmatch(code) for code in codes), codes
    [stored] = site.passkeys()
    assert stored.name == "Virtual key"
    held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    [inside] = held["credentials"]  # DevTools answers in standard base64, we store base64url
    assert base64.b64decode(inside["credentialId"]) == base64url_to_bytes(stored.credential_id)
    page.goto(site.url("/accounts/passkeys/"))
    assert "Virtual key" in (page.text_content("main") or "")

    # 2. Log out (a POST with the page's CSRF token, as a logout button would send).
    status = page.evaluate(
        """async () => {
          const token = document.querySelector('meta[name="csrf-token"]').content;
          const answer = await fetch("/accounts/logout/", {
            method: "POST", credentials: "same-origin", headers: {"X-CSRF-Token": token},
            redirect: "manual"});
          return answer.type === "opaqueredirect" ? 303 : answer.status;
        }"""
    )
    assert status == 303
    assert whoami(page, site) == {"authenticated": False, "email": None}

    # 3. The password now leads to the passkey step; the page's script completes it.
    log_in(page, site)
    assert page.url == site.url("/accounts/passkeys/verify/")
    assert whoami_in_page(page) is False  # half logged in: nothing granted yet
    verify = page.goto(site.url("/accounts/passkeys/verify/"))
    assert "publickey-credentials-get=(self)" in verify.headers["permissions-policy"]
    with page.expect_navigation(url=re.compile(r"/whoami/$")):
        page.click("#passkey-button")
    assert json.loads(page.text_content("body") or "{}") == {
        "authenticated": True,
        "email": EMAIL,
    }
    [used] = site.passkeys()
    assert used.last_used is not None
    kinds = site.audit_kinds()
    assert "mfa.passkey_added" in kinds
    assert "mfa.failed" not in kinds
    assert kinds.count("login.succeeded") == 2

    watcher.assert_clean()


@pytest.mark.parametrize("site", [{"MFA_REQUIRED": "all"}], indirect=True)
def test_a_user_held_at_enrolment_enrols_with_a_passkey(site: Site, page: Any) -> None:
    assert site.app is not None
    create_user(site.app, EMAIL)
    watcher = Watcher(page)
    virtual_authenticator(page)

    log_in(page, site)
    assert page.url == site.url("/accounts/mfa/setup/")  # held: no authenticator app yet
    with page.expect_navigation():
        page.click("text=Use a passkey instead")
    assert page.url == site.url("/accounts/passkeys/")
    assert page.text_content("h1") == "Set up a passkey"
    with page.expect_navigation(url=re.compile(r"/accounts/mfa/recovery-codes/$")):
        page.click("#passkey-button")
    assert len(page.locator("li code").all_text_contents()) == 10
    with page.expect_navigation(url=re.compile(r"/whoami/$")):
        page.click("text=Continue")  # to the login's next: the hold is over
    assert json.loads(page.text_content("body") or "{}") == {
        "authenticated": True,
        "email": EMAIL,
    }
    assert len(site.passkeys()) == 1
    watcher.assert_clean()


def test_the_watcher_hears_a_violation(site: Site, page: Any) -> None:
    """The no-violation checks above can fail: an injected inline handler is reported."""
    watcher = Watcher(page)
    page.goto(site.url("/accounts/login/"))
    page.evaluate(
        """() => document.body.insertAdjacentHTML("beforeend",
             '<button id="injected" onclick="document.body.dataset.injected = 1">x</button>')"""
    )
    page.click("#injected")
    assert page.evaluate("document.body.dataset.injected") is None
    for _ in range(100):  # the report crosses to Python asynchronously: up to 5 s
        if watcher.violations:
            break
        page.wait_for_timeout(50)
    assert any(v.startswith("script-src-attr blocked inline") for v in watcher.violations), (
        watcher.violations
    )
    with pytest.raises(AssertionError):
        watcher.assert_clean()
