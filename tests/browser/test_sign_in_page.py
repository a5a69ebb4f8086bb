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
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    sign_in(page, live_server, user.email, PASSWORD)
    assert page.get_by_text("Sam Social Worker").is_visible()
    # A form with errors answers 400, which Chromium logs; anything else (a refused script,
    # a missing asset) is a failure.
    assert [m for m in messages if "status of 400" not in m] == []
