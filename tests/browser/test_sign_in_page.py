import re

from playwright.sync_api import expect

from tests.web.conftest import PASSWORD

from .axe import assert_accessible
from .conftest import sign_in


def test_sign_in_page_is_accessible_and_signs_in(page, live_server, make_user):
    user = make_user("social_worker", name="Sam Social Worker")
    messages = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/sign-in")
    assert page.title() == "Sign in – Safeguard Flow"
    assert_accessible(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile("^Error: "))
    assert_accessible(page)
    sign_in(page, live_server, user.email, PASSWORD)
    expect(page.get_by_text("Sam Social Worker")).to_be_visible()
    # A form with errors answers 400, which Chromium logs; anything else (a refused script,
    # a missing asset) is a failure.
    assert [m for m in messages if "status of 400" not in m] == []
