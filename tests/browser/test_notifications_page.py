"""The notifications page in a real browser (issue 5): accessible, linked from the header,
and "Mark all as read" works with CSRF on."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from engine.models import Notification, Timer
from engine.worker import Worker
from tests.web.conftest import PASSWORD

from .axe import assert_accessible
from .conftest import sign_in


def test_notifications_page_is_accessible_and_marks_read(page, live_server, session, sessions,
                                                          fake_clock, world):
    timer = session.scalar(select(Timer).where(Timer.case_id == world.case.id,
                                               Timer.element_id == "need_to_know_due"))
    fake_clock.set(timer.reminder_at)
    session.rollback()
    Worker(sessions, name="Test worker").run_once()

    sign_in(page, live_server, world.tm.email, PASSWORD)
    page.get_by_role("link", name="Notifications").click()
    expect(page).to_have_title("Notifications – Safeguard Flow")
    expect(page.get_by_role("link", name="Due soon: Send the need-to-know report")
           ).to_be_visible()
    # the reminder and the escalations of the team manager's earlier deadlines
    session.rollback()
    notes = session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == world.tm.id))
    expect(page.get_by_text(f"{notes} unread")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text(f"{notes} notification{'s' if notes > 1 else ''} marked as read")
           ).to_be_visible()
    expect(page.get_by_text("0 unread")).to_be_visible()
    assert_accessible(page)
