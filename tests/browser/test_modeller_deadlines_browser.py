"""The modeller for a process owner who does not write code (issue 12), on Debian's
Chromium: the deadline builder changes a timer and the shown deadline follows; the
shipped diagrams show no problems from the linter and none from Check (one set of rules);
the canvas is the window's width and the palette covers none of the diagram."""

from pathlib import Path

import pytest
from sqlalchemy import select

from engine import specs
from engine.models import ProcessVersion
from tests.web import diagram_fixtures
from tests.web.conftest import PASSWORD

from .axe import assert_accessible
from .conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path("/work/coord/shots/12m")
SHIPPED = sorted(p.name for p in (ROOT / "processes").glob("*.bpmn"))
CANVAS = [".sg-canvas"]
simple_published = diagram_fixtures.simple_published


def shot(page, name):
    if SHOTS.parent.is_dir():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=False)


def open_file(page, live_server, filename):
    page.goto(f"{live_server}/modeller/files/{filename}")
    page.wait_for_selector("#modeller-status:has-text('loaded')")
    page.wait_for_selector("#modeller[data-checked='true']")


@pytest.fixture
def owner_page(page, live_server, make_user, published):
    owner = make_user("process_owner", name="Olive Owner")
    sign_in(page, live_server, owner.email, PASSWORD)
    page.set_viewport_size({"width": 1600, "height": 1000})
    return page


def test_shipped_diagrams_show_0_lint_errors_and_0_check_problems(owner_page, live_server,
                                                                  console_errors):
    """The linter's one rule is Check: each shipped diagram shows no error badge, "No
    Issues" on the linter's button, and Check's empty list, the same answer as Check's
    endpoint."""
    page = owner_page
    seen = {}
    for filename in SHIPPED:
        open_file(page, live_server, filename)
        badges = page.locator(".bjsl-overlay .bjsl-icon-error").count()
        button = page.inner_text(".bjsl-button")
        listed = page.inner_text("#check-results")
        seen[filename] = (badges, button, page.get_attribute("#modeller", "data-problems"))
        assert "Check found no problems" in listed, (filename, listed)
    assert seen == {f: (0, "No Issues", "0") for f in SHIPPED}
    assert len(SHIPPED) == len(specs.read_directory(ROOT / "processes")) - 1  # and the .dmn


def test_a_check_problem_shows_once_on_its_element_as_the_linters_badge(
        owner_page, live_server, console_errors):
    page = owner_page
    open_file(page, live_server, "interview.bpmn")
    page.evaluate("""() => {
        const m = window.safeguardModeller;
        m.get('modeling').updateProperties(m.get('elementRegistry').get('rhi'), {name: ''});
    }""")
    page.wait_for_selector(".djs-overlays[data-container-id='rhi'] .bjsl-icon-error")
    page.wait_for_function("() => document.getElementById('modeller').dataset.problems === '1'")
    assert "1 Errors, 0 Warnings" in page.inner_text(".bjsl-button")
    assert "the user task has no name" in page.inner_text("#check-results")
    assert "sg-problem" in page.get_attribute(".djs-element[data-element-id='rhi']", "class")
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()
    page.click("#check-results button[data-element='rhi']")  # shows it beside the palette
    box = page.locator(".djs-element[data-element-id='rhi'] .djs-visual").bounding_box()
    palette = page.locator(".djs-palette").bounding_box()
    assert box["x"] >= palette["x"] + palette["width"]
    page.screenshot(path=str(SHOTS / "check-problem-on-its-element.png"), full_page=True) \
        if SHOTS.parent.is_dir() else None
    # undo: the problem goes as Check runs again
    page.evaluate("() => window.safeguardModeller.get('commandStack').undo()")
    page.wait_for_function("() => document.getElementById('modeller').dataset.problems === '0'")
    assert page.locator(".bjsl-overlay .bjsl-icon-error").count() == 0


def select_element(page, element_id):
    page.evaluate("""(id) => {
        const m = window.safeguardModeller;
        m.get('selection').select(m.get('elementRegistry').get(id));
    }""", element_id)


def test_r22_deadline_builder_changes_72_to_48_hours_and_the_shown_text_follows(
        owner_page, live_server, session, console_errors):
    page = owner_page
    open_file(page, live_server, "interview.bpmn")
    shot(page, "modeller-full-width.png")
    select_element(page, "rhi_due")
    page.wait_for_selector("#sg-deadline-words:has-text('72 hours after the child')")
    assert page.inner_text("#sg-deadline-words") == \
        "People see: 72 hours after the child was found"
    assert page.input_value("#sg-deadline-amount") == "72"
    assert page.input_value("#sg-deadline-unit") == "hours"
    assert page.input_value("#sg-deadline-anchor") == "found_at"

    # Typed words the builder cannot read are answered with a suggestion.
    page.fill("#sg-deadline-text", "48 hours after foudn")
    page.click(".sg-deadline__typed button")
    page.wait_for_selector("#sg-deadline-message:has-text(\"Did you mean '48 hours after "
                           "found'?\")")
    # "48 hours" alone counts from the timer's own case time, the child being found.
    page.fill("#sg-deadline-text", "48 hours")
    page.press("#sg-deadline-text", "Enter")
    page.wait_for_selector("#sg-deadline-message:has-text('Understood: 48 hours after "
                           "the child was found')")
    page.wait_for_selector("#sg-deadline-words:has-text('People see: 48 hours after the "
                           "child was found')")
    assert page.input_value("#sg-deadline-amount") == "48"
    xml = page.evaluate("async () => (await window.safeguardModeller.saveXML()).xml")
    assert "sg_hours_after(found_at, 48)</bpmn:timeDate>" in xml
    assert 'id="rhi_due" name="48 hours after the child was found"' in xml
    assert 'value="48 hours after the child was found (R22)"' in xml  # the task's words
    label = page.locator(".djs-element[data-element-id='rhi_due_label'] text")
    assert " ".join(label.text_content().split()) == "48 hours after the child was found"
    page.click(".sg-deadline__advanced summary")
    assert page.input_value("#sg-timer-expression") == "sg_hours_after(found_at, 48)"
    shot(page, "deadline-builder-48-hours.png")
    assert_accessible(page, exclude=CANVAS)

    # The task the timer bounds shows the timer's words; it has no deadline to type.
    select_element(page, "rhi")
    page.wait_for_selector(".sg-task-deadline:has-text('48 hours after the child was found')")
    assert page.locator("input[name='sg-deadline']").count() == 0
    assert page.locator("select[name='sg-form-key'] option:checked").inner_text() \
        == "Carry out the return home interview"
    shot(page, "task-deadline-from-its-timer.png")

    # Built from the fields: 2 working days after found, then back to 48 hours.
    select_element(page, "rhi_due")
    page.select_option("#sg-deadline-unit", "working_days")
    page.wait_for_selector("#sg-deadline-words:has-text('48 working days after the child')")
    page.fill("#sg-deadline-amount", "2")
    page.press("#sg-deadline-amount", "Tab")
    page.wait_for_selector("#sg-deadline-words:has-text('2 working days after the child "
                           "was found')")
    page.fill("#sg-deadline-text", "48 hours after found")
    page.press("#sg-deadline-text", "Enter")
    page.wait_for_selector("#sg-deadline-words:has-text('48 hours after the child was found')")
    page.wait_for_function("() => document.getElementById('modeller').dataset.checked "
                           "=== 'true' && document.getElementById('modeller').dataset"
                           ".problems === '0'")

    # Publishing the statutory change asks for confirmation and a reason.
    page.fill("#note", "The RHI within 48 hours")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_selector("#deadline-changes")
    assert ("changes the rhi deadline (R22), timer 'rhi_due' from 72 hours after the child "
            "was found to 48 hours after the child was found") in page.inner_text(
                "#deadline-changes")
    assert page.input_value("#note") == "The RHI within 48 hours"  # nothing typed is lost
    shot(page, "publish-asks-for-a-reason.png")
    assert_accessible(page, exclude=CANVAS)
    page.get_by_label("I confirm that this version changes a statutory deadline").check()
    page.get_by_label("Why does the deadline change?").fill("The partnership board agreed "
                                                             "48 hours on 1 December")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(f"{live_server}/modeller/processes/interview/versions")
    assert "Reason for the deadline change: The partnership board agreed 48 hours" in \
        page.inner_text("main")
    session.rollback()
    newest = session.scalar(select(ProcessVersion).where(
        ProcessVersion.process_id == "interview").order_by(ProcessVersion.version.desc()))
    assert newest.version == 2
    assert b"sg_hours_after(found_at, 48)" in newest.xml
    assert b"sg_hours_after(found_at, 72)" in newest.xml  # the placing authority's RHI


def test_canvas_is_full_width_and_the_palette_covers_none_of_the_diagram(
        owner_page, live_server, console_errors):
    page = owner_page
    open_file(page, live_server, "locate.bpmn")
    canvas = page.locator(".sg-canvas").bounding_box()
    assert canvas["width"] >= 1600 - 60 - 400  # the window less margins and the panel
    palette = page.locator(".djs-palette").bounding_box()
    right_of_palette = palette["x"] + palette["width"]
    lefts = page.evaluate("""() => [...document.querySelectorAll(
        '.djs-element.djs-shape:not([data-element-id$="_label"]) .djs-visual')]
        .map(e => e.getBoundingClientRect()).filter(r => r.width > 0).map(r => r.left)""")
    assert lefts and min(lefts) >= right_of_palette, (min(lefts), right_of_palette)
    shot(page, "modeller-locate-1600.png")
    scale = "() => window.safeguardModeller.get('canvas').zoom()"
    fitted = page.evaluate(scale)
    page.get_by_role("button", name="Zoom in").click()
    assert page.evaluate(scale) == pytest.approx(fitted * 1.25, rel=0.01)
    page.get_by_role("button", name="Fit the diagram").click()
    assert page.evaluate(scale) == pytest.approx(fitted, rel=0.01)


def test_r6_a_case_on_the_new_version_shows_the_deadline_the_builder_set(
        page, live_server, make_user, make_org, make_child, session, fake_clock,
        simple_published, console_errors):
    """From the modeller to a practitioner's page: the owner sets `simple`'s 2-hour timer
    to 48 hours with the builder and publishes; the case page of a new case names the
    deadline "48 hours after the report", derived from the timer."""
    sign_in(page, live_server, make_user("process_owner").email, PASSWORD)
    open_file(page, live_server, "simple.bpmn")
    select_element(page, "first_deadline")
    page.wait_for_selector("#sg-deadline-words:has-text('2 hours after the report')")
    page.fill("#sg-deadline-amount", "48")
    page.locator("#sg-deadline-amount").blur()
    page.wait_for_selector("#sg-deadline-words:has-text('48 hours after the report')")
    page.wait_for_function("() => document.getElementById('modeller').dataset.checked "
                           "=== 'true' && document.getElementById('modeller').dataset"
                           ".problems === '0'")
    page.fill("#note", "Two days to do the first thing")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(f"{live_server}/modeller/processes/simple/versions")

    session.rollback()
    org = make_org()
    case = diagram_fixtures.start_simple(session, fake_clock, make_child(org))
    # Leave the modeller first: a check it still had in flight would answer after the
    # cookies are cleared and set the owner's session cookie again.
    page.goto("about:blank")
    page.context.clear_cookies()
    sign_in(page, live_server, make_user("team_manager", org=org).email, PASSWORD)
    page.goto(f"{live_server}/cases/{case.id}")
    main = page.inner_text("main")
    assert "48 hours after the report" in main
    assert "2 hours after the report" not in main


def test_r35_a_timer_the_builder_cannot_read_is_kept_until_all_three_fields_are_set(
        owner_page, live_server, console_errors):
    page = owner_page
    open_file(page, live_server, "after_episode.bpmn")
    select_element(page, "child_plan_due")
    page.wait_for_selector("#sg-deadline-words:has-text(\"cannot read this timer's "
                           "expression\")")
    page.click(".sg-deadline__advanced summary")
    assert page.input_value("#sg-timer-expression") == "plans_due_at"
    page.fill("#sg-deadline-amount", "5")
    page.locator("#sg-deadline-amount").blur()
    page.wait_for_selector("#sg-deadline-message:has-text('Choose the case time')")
    assert page.input_value("#sg-timer-expression") == "plans_due_at"  # nothing written
    page.select_option("#sg-deadline-unit", "working_days")
    page.select_option("#sg-deadline-anchor", "found_at")
    page.wait_for_selector("#sg-deadline-words:has-text('People see: 5 working days after "
                           "the child was found')")
    assert page.input_value("#sg-timer-expression") == \
        "sg_working_days_after(found_at, 5)"
