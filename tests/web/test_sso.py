"""Single sign-on against a real OpenID Connect provider (npm oidc-provider) started on
loopback: an invited account signs in with its organisation's provider; an e-mail nobody
invited, or one from another organisation, is refused and no account is made."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from html import unescape
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from engine.commands.accounts import SaveOrganisation
from engine.executor import SYSTEM, run
from engine.models import AuditEvent, User
from web import create_app

from ..worker.mailserver import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "oidc-provider").exists(),
    reason="needs node and npm's oidc-provider (make install)")


@pytest.fixture(scope="module")
def ports():
    return free_port(), free_port()


@pytest.fixture(scope="module")
def provider(ports):
    op_port, app_port = ports
    process = subprocess.Popen(
        ["node", str(Path(__file__).with_name("oidc_provider.mjs"))],
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "OP_PORT": str(op_port),
             "APP_PORT": str(app_port)},
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    issuer = f"http://127.0.0.1:{op_port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("the OpenID provider did not start")
            time.sleep(0.1)
    yield issuer
    process.terminate()
    process.wait(timeout=10)
    process.stdout.close()


@pytest.fixture
def served(ports, database_url, sessions, fake_clock):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                      "SESSION_COOKIE_SECURE": False, "SECOND_FACTOR": True,
                      "WTF_CSRF_ENABLED": False})
    server = make_server("127.0.0.1", ports[1], app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{ports[1]}"
    server.shutdown()
    thread.join()
    app.extensions["sqlalchemy_engine"].dispose()


@pytest.fixture
def council(session, provider):
    return run(session, SaveOrganisation(
        "wfc", "Westmorland and Furness Council", "local_authority",
        oidc_issuer=provider, oidc_client_id="safeguard-test",
        oidc_client_secret="safeguard-test-secret"), SYSTEM)  # noqa: S106


def _through_provider(http, base, org_code, login):
    """Start at our sign-in link, log in and consent at the provider; the final page."""
    page = http.get(f"{base}/sign-in/sso/{org_code}")
    assert "/interaction/" in page.url, page.url
    action = unescape(re.search(r'action="([^"]+)"', page.text).group(1))
    target = requests.compat.urljoin(page.url, action)
    consent = http.post(target, data={"prompt": "login", "login": login, "password": "x"})
    action = unescape(re.search(r'action="([^"]+)"', consent.text).group(1))
    return http.post(requests.compat.urljoin(consent.url, action),
                     data={"prompt": "consent"})


def test_an_invited_account_signs_in_with_its_organisations_provider(
        served, council, make_user, session):
    user = make_user("social_worker", org=council, email="sam@wfc.example.gov.uk")
    http = requests.Session()
    done = _through_provider(http, served, "wfc", "Sam@wfc.example.gov.uk")
    assert done.url == f"{served}/", done.url  # no second factor: the provider's job
    assert "Sign out" in done.text and user.name in done.text
    session.rollback()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.signed_in"))
    assert event.actor_id == user.id and event.detail["via"] == "sso"


@pytest.mark.parametrize("login", ["stranger@wfc.example.gov.uk", "other.org@example.org",
                                   "unverified@wfc.example.gov.uk"])
def test_the_provider_alone_never_makes_an_account(served, council, make_user, make_org,
                                                   session, login):
    make_user("police", org=make_org("pol", kind="police"), email="other.org@example.org")
    make_user("police", org=council, email="unverified@wfc.example.gov.uk")
    before = session.scalar(select(func.count(User.id)))
    http = requests.Session()
    done = _through_provider(http, served, "wfc", login)
    assert done.status_code == 403
    assert http.get(f"{served}/").url.startswith(f"{served}/sign-in")
    session.rollback()
    assert session.scalar(select(func.count(User.id))) == before
    assert session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "sign_in.failed")) == "sign_in.failed"
