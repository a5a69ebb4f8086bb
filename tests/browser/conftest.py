"""Browser tests: the app served by a real HTTP server thread, driven by Playwright on
Debian's Chromium. Without Chromium they skip, unless SAFEGUARD_REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy.pool import NullPool
from werkzeug.serving import make_server

from tests.web.conftest import (  # noqa: F401 (fixtures shared with the web tests)
    make_child,
    make_org,
    make_user,
    world,
)
from web import create_app

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# CI machines are shared and slow at times: give pages longer than Playwright's 5 seconds.
expect.set_options(timeout=15_000)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    if os.access(CHROMIUM, os.X_OK) or os.environ.get("SAFEGUARD_REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason=f"Chromium is not installed at {CHROMIUM} "
                                   "(set CHROMIUM, or run `make browser`)")
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def base_url():
    """Replaces pytest-playwright's own (deprecated in pytest 9); tests use `live_server`."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run"]}


@pytest.fixture
def live_app(database_url, sessions, fake_clock):
    """The app with CSRF on, as in production; the fake clock is shared with the server
    thread, so a test moves time for the server too. Without a pool, a request thread
    still running when the test ends closes its own connection instead of leaving it in a
    disposed pool for the garbage collector."""
    return create_app({"TESTING": True, "DATABASE_URL": database_url,
                       "SECRET_KEY": "browser-tests", "SESSION_COOKIE_SECURE": False,
                       "DATABASE_ENGINE_OPTIONS": {"poolclass": NullPool}})


@pytest.fixture
def live_server(live_app):
    """The base URL of the app served on 127.0.0.1 from a server thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()
    live_app.extensions["sqlalchemy_engine"].dispose()


@pytest.fixture
def page(context, live_server):
    """pytest-playwright's page, but opened after the server starts and closed before it
    stops: a request still in flight when the server stops would leave its database
    connection to the garbage collector."""
    page = context.new_page()
    yield page
    page.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def console_errors(page):
    """Fails the test if the page logs an error other than a 4xx answer to a form (a refused
    script or style, a missing asset, a JavaScript exception)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield errors
    unexpected = [e for e in errors
                  if not re.search(r"status of (400|409|429)", e)]
    assert unexpected == [], unexpected
