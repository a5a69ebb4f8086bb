"""The managers' dashboard in a real browser (R45): charts drawn under the strict content
security policy, axe-core clean against WCAG 2.2 AA, and a drill-down from a count to the
cases behind it."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from tests.returns.conftest import records  # noqa: F401
from tests.web.conftest import PASSWORD

from .axe import WCAG_22_AA, assert_accessible
from .conftest import sign_in


def test_r45_dashboard_charts_accessibility_and_drill_down(page, live_server, records,  # noqa: F811
                                                           make_user, fake_clock, artifacts,
                                                           console_errors):
    now = fake_clock.now()
    council = records.org("wfc")
    manager = make_user("service_manager", org=council)
    for n in range(4):
        child = records.child(council, placement=("Brook House", "Fellside")[n % 2])
        seen = now - dt.timedelta(days=10 + 20 * n)
        episode = records.episode(child, "MA"[n % 2], seen, seen + dt.timedelta(hours=20),
                                  found_where="Kendal LA9 4DL", risk_grade="medium")
        records.work(episode, "rhi", due=seen + dt.timedelta(hours=92), clock_name="rhi",
                     completed=seen + dt.timedelta(hours=50 if n else 100),
                     data={"rhi_offered": True, "rhi_outcome": "completed"})
    sign_in(page, live_server, manager.email, PASSWORD)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Statutory deadlines", level=1)).to_be_visible()
    # Chart.js drew the chart from the table (its script ran under the policy)
    expect(page.locator("#deadlines-title ~ .govuk-grid-row .app-chart--drawn")).to_have_count(1)
    assert page.locator("canvas[data-chart-for='deadlines-table']").evaluate(
        "c => c.width > 0")
    assert_accessible(page, tags=WCAG_22_AA)
    page.screenshot(path=str(artifacts / "dashboard-deadlines.png"), full_page=True)
    page.get_by_role("link", name="1 late: Return home interview within 72 hours").click()
    expect(page.get_by_role("heading", name="Return home interview within 72 hours: late")
           ).to_be_visible()
    expect(page.locator("#deadline-cases tbody tr")).to_have_count(1)
    assert_accessible(page, tags=WCAG_22_AA)
    page.get_by_role("link", name="Patterns").click()
    expect(page.locator(".app-chart--drawn").first).to_be_visible()
    assert_accessible(page, tags=WCAG_22_AA)
    page.get_by_role("link", name="Now", exact=True).click()
    assert_accessible(page, tags=WCAG_22_AA)
    page.get_by_role("link", name="Printable report for councillors and the partnership").click()
    expect(page.get_by_text("fewer than 5").first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".govuk-header")).to_be_hidden()
    assert_accessible(page, tags=WCAG_22_AA)
