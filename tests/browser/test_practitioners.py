"""The practitioners' journeys in a real browser, with axe-core on every page they see."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from engine.commands import FireTimers
from engine.commands.fire_timers import due_case_ids
from engine.executor import SYSTEM, run
from tests.web.conftest import PASSWORD

from .axe import assert_accessible
from .conftest import sign_in


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_r1_r3_r4_a_carer_reports_a_missing_child(page, live_server, world, make_child,
                                                  console_errors):
    # Ava is missing already (one absence is one episode), so the carer reports Bea.
    make_child(world.council, first_name="Bea", last_name="Brown")
    sign_in(page, live_server, world.carer.email, PASSWORD)
    page.get_by_role("link", name="Report a missing child").click()
    expect(page.get_by_role("heading", name="Report a missing child")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Child's name").fill("Brown")
    page.get_by_label("Day").fill("14")
    page.get_by_label("Month").fill("5")
    page.get_by_label("Year").fill("2011")
    page.get_by_role("button", name="Find the child").click()
    page.get_by_role("link", name="Report Bea Brown missing").click()
    expect(page.get_by_role("heading", name="Report Bea Brown missing")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Missing: nobody knows where the child is").check()
    page.locator("#risk_of_serious_harm-2").check()  # No
    page.locator("#ce_risk_suspected-2").check()
    page.get_by_label("Searched the bedroom, accommodation, outbuildings and vehicles").check()
    # Dates are typed in GOV.UK date inputs (day, month, year, hour, minute), not a picker.
    fill_date(page, "checks_deadline", "2", "3", "2026", "09", "30")
    fill_date(page, "last_seen_at", "2", "3", "2026", "08", "45")
    page.get_by_label("Where was the child last seen?").fill("Outside school")
    page.get_by_label("Who, if anyone, is the child with?").fill("Not known")
    page.get_by_label("What was the child wearing").fill("Red coat")
    page.get_by_label("Describe the child").fill("Tall, dark hair")
    page.locator("#photo_available-2").check()  # No photo held
    page.locator("#photo_consent").check()  # Yes
    page.get_by_label("It was not possible to ask").check()
    page.get_by_label("What medical needs does the child have").fill("None known")
    page.get_by_label("What happened before the child went missing?").fill("An argument")
    page.get_by_label("Family, friends and associates").fill("A friend in Kendal")
    page.get_by_label("What is your up-to-date assessment").fill("Medium risk")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("is reported missing", exact=False).first).to_be_visible()
    expect(page.get_by_role("heading", name="Bea Brown, missing since 2 March 2026")
           ).to_be_visible()


def test_the_report_form_keeps_input_on_a_validation_error(page, live_server, world,
                                                         console_errors):
    sign_in(page, live_server, world.carer.email, PASSWORD)
    page.goto(f"{live_server}/report/children/{world.child.id}")
    # GOV.UK Frontend's scripts ran under the content security policy: the template's
    # one inline line (allowed by its hash) and the components (a character count).
    expect(page.locator("body")).to_have_class(re.compile("govuk-frontend-supported"))
    expect(page.locator("#description-info + .govuk-character-count__status")
           ).to_contain_text("characters remaining")
    page.get_by_label("Describe the child").fill("Kept description")
    page.get_by_label("Away from placement without authorisation", exact=False).check()
    page.get_by_role("button", name="Send the report").click()
    expect(page).to_have_title(re.compile("^Error: "))
    summary = page.locator(".govuk-error-summary")
    # The title arrives with the head; wait for the body too before reading it.
    expect(summary).to_be_visible()
    assert "Enter what the child was wearing and had with them" in summary.inner_text()
    assert page.get_by_label("Describe the child").input_value() == "Kept description"
    assert page.get_by_label("Away from placement without authorisation",
                             exact=False).is_checked()
    assert_accessible(page)
    # the summary links to the field, once GOV.UK Frontend has started the summary
    expect(summary).to_have_attribute("data-govuk-error-summary-init", "")
    summary.get_by_role("link", name="Enter what the child was wearing").click()
    expect(page.locator("#clothing")).to_be_focused()


def test_r5_a_police_user_grades_the_risk(page, live_server, world, artifacts,
                                          console_errors):
    sign_in(page, live_server, world.police.email, PASSWORD)
    # Nothing is assigned to them yet: the inbox lands on Team work, where the work is.
    expect(page.locator("[aria-current=page]")).to_have_text("Team work")
    assert_accessible(page)
    page.screenshot(path=str(artifacts / "inbox.png"), full_page=True)
    # At 320 px the inbox still shows each task and its due time (stacked rows).
    page.set_viewport_size({"width": 320, "height": 900})
    row = page.locator("#work-items tbody tr").first
    expect(row.get_by_role("link", name="Grade the risk")).to_be_visible()
    expect(row.locator("td[data-label=Due]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 330
    page.screenshot(path=str(artifacts / "inbox-320px.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Grade the risk").click()
    expect(page.get_by_role("heading", name="Grade the risk")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Claim this work").click()
    expect(page.get_by_text("You have claimed this work", exact=False).first).to_be_visible()
    page.get_by_label("High").check()
    page.get_by_label("Why have you given this grade?").fill("Known exploitation risk")
    page.locator("#ce_linked").check()
    page.get_by_role("button", name="Complete").click()
    # The completion page says what happens next and who does it.
    expect(page.get_by_role("heading", name="Grade the risk is complete")).to_be_visible()
    expect(page.locator("#next-work li").first).to_contain_text("will")
    assert_accessible(page)
    page.screenshot(path=str(artifacts / "completed.png"), full_page=True)
    # Back to where they were: the Team work list.
    page.get_by_role("button", name="Back to your work").click()
    expect(page.locator("[aria-current=page]")).to_have_text("Team work")
    expect(page.get_by_role("link", name="Grade the risk")).to_have_count(0)


def test_a_second_user_completing_the_same_item_sees_who_did_it(browser, live_server, world,
                                                                session):
    from tests.web.conftest import open_items

    item = next(i for i in open_items(session, role="police") if i.form_key == "grade_risk")
    first, second = browser.new_page(), browser.new_page()
    try:
        for page, user in ((first, world.police), (second, world.police2)):
            sign_in(page, live_server, user.email, PASSWORD)
            page.goto(f"{live_server}/work/{item.id}")
            page.get_by_label("Medium").check()
            page.locator("#ce_linked-2").check()
        first.get_by_label("Why have you given this grade?").fill("First")
        second.get_by_label("Why have you given this grade?").fill("Second person's words")
        first.get_by_role("button", name="Complete").click()
        expect(first.get_by_text("is complete", exact=False).first).to_be_visible()
        second.get_by_role("button", name="Complete").click()
        expect(second.locator("#problem")).to_contain_text("Pat Police completed this work at")
        assert second.get_by_label("Why have you given this grade?").input_value() == \
            "Second person's words"
    finally:
        first.close()
        second.close()


def test_r15_a_social_worker_sees_the_strategy_meeting_after_24_hours(
        page, live_server, world, session, fake_clock):
    sign_in(page, live_server, world.sw.email, PASSWORD)
    assert page.get_by_role("link", name="Hold a strategy meeting").count() == 0
    fake_clock.advance(dt.timedelta(hours=24, minutes=1))
    session.rollback()
    for case_id in due_case_ids(session, fake_clock.now()):
        run(session, FireTimers(case_id), SYSTEM)
    session.rollback()
    page.reload()  # a day idle: signed out, so sign in again
    expect(page.get_by_text("You were signed out", exact=False).first).to_be_visible()
    sign_in(page, live_server, world.sw.email, PASSWORD)
    link = page.get_by_role("link", name="Hold a strategy meeting")
    expect(link).to_be_visible()
    row = page.locator("tr", has=link)
    assert "in 1 day" in row.inner_text() or "in 23 hours" in row.inner_text()


def test_the_child_page_is_accessible(page, live_server, world, console_errors):
    sign_in(page, live_server, world.sw.email, PASSWORD)
    page.goto(f"{live_server}/children/{world.child.id}")
    expect(page.get_by_role("heading", name="Ava Example")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/cases/{world.case.id}")
    assert_accessible(page)


def fill_date(page, name, day, month, year, hour=None, minute=None):
    fieldset = page.locator(f"#{name}")
    fieldset.get_by_label("Day").fill(day)
    fieldset.get_by_label("Month").fill(month)
    fieldset.get_by_label("Year").fill(year)
    if hour is not None:
        fieldset.get_by_label("Hour").fill(hour)
        fieldset.get_by_label("Minute").fill(minute)
