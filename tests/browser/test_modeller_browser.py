"""Browser tests of the modeller and the diagrams (issue 6), on Debian's Chromium."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.models import Case, ProcessVersion
from tests.web import diagram_fixtures
from tests.web.conftest import PASSWORD

from .axe import assert_accessible
from .conftest import sign_in

simple_published = diagram_fixtures.simple_published
cases_on_simple = diagram_fixtures.cases_on_simple

CANVAS = [".sg-canvas"]


@pytest.fixture
def errors(page):
    """Console errors and refused requests the page logs."""
    found = []
    page.on("console", lambda m: found.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: found.append(str(e)))
    return found


def open_modeller(page, live_server, make_user):
    owner = make_user("process_owner", name="Olive Owner")
    sign_in(page, live_server, owner.email, PASSWORD)
    page.goto(f"{live_server}/modeller/files/simple.bpmn")
    page.wait_for_selector("#modeller-status:has-text('loaded')")
    page.wait_for_selector(".djs-element[data-element-id='first']")


def test_modeller_loads_without_errors_and_is_accessible(page, live_server, make_user,
                                                         simple_published, errors):
    open_modeller(page, live_server, make_user)
    assert_accessible(page, exclude=CANVAS)
    assert errors == []


def rename(page, element_id, name):
    """Rename an element on the canvas the way a person does: double-click, type."""
    page.dblclick(f".djs-element[data-element-id='{element_id}']")
    editor = page.locator(".djs-direct-editing-parent")
    editor.wait_for()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    if name:
        page.keyboard.type(name)
    page.keyboard.press("Enter")  # commits the edit


def lint_badge(page, element_id):
    return page.locator(f".djs-overlays[data-container-id='{element_id}'] .bjsl-icon-error")


def lint_text(page):
    """The problems list: Check's findings, which are also the linter's (issue 12)."""
    return page.inner_text("#check-results")


def test_owner_renames_sees_lint_error_come_and_go_publishes_version_2(
        page, live_server, make_user, simple_published, session, fake_clock, errors):
    old = diagram_fixtures.start_simple(session, fake_clock)
    open_modeller(page, live_server, make_user)
    page.wait_for_selector("#modeller[data-checked='true']")
    assert "the user task has no name" not in lint_text(page)
    rename(page, "first", "")
    page.wait_for_function("() => document.getElementById('check-results').innerText"
                           ".includes('the user task has no name')")
    badge = lint_badge(page, "first")
    # the recipe's gotcha: without our --color-* variables the badge has no colour
    colour = badge.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour
    rename(page, "first", "Do it now")
    page.wait_for_function("() => !document.getElementById('check-results').innerText"
                           ".includes('the user task has no name')")
    page.click("#save-draft")
    page.wait_for_selector("#modeller-status:has-text('draft is saved')")
    page.click("#check-diagram")
    page.wait_for_selector("#modeller-status:has-text('Check found no problems')")
    page.fill("#note", "Shorter name for the first task")
    page.click("button:has-text('Publish')")
    page.wait_for_url(re.compile(r"/modeller/processes/simple/versions$"))
    assert "simple version 2 is published" in page.inner_text("main")
    assert "Shorter name for the first task" in page.inner_text("main")
    new = diagram_fixtures.start_simple(session, fake_clock)
    session.expire_all()
    version_of = dict(session.execute(
        select(Case.id, ProcessVersion.version).join(ProcessVersion)).all())
    assert (version_of[old.id], version_of[new.id]) == (1, 2)
    v2 = session.scalar(select(ProcessVersion).where(ProcessVersion.version == 2))
    assert b'name="Do it now"' in v2.xml
    assert errors == []


def test_broken_diagram_shows_its_error_on_the_element(page, live_server, make_user,
                                                       simple_published, errors):
    open_modeller(page, live_server, make_user)
    # set a form key that has no form, through the Safeguard Flow group of the panel
    page.click(".djs-element[data-element-id='first']")
    page.locator(".bio-properties-panel-group-header:has-text('Safeguard Flow')").wait_for()
    form = page.locator("select[name='sg-form-key']")
    assert form.input_value() == "note"
    page.evaluate("""() => {
        const modeler = window.safeguardModeller;
        const first = modeler.get('elementRegistry').get('first');
        const props = first.businessObject.extensionElements.values[0].properties;
        modeler.get('modeling').updateModdleProperties(first, props[0], {value: 'gone'});
    }""")
    page.click("#check-diagram")
    page.wait_for_selector("#modeller-status:has-text('Check found 1 problem')")
    assert "sg-problem" in page.get_attribute(".djs-element[data-element-id='first']", "class")
    problem = page.locator("#check-results button[data-element='first']")
    assert "form 'gone' does not exist" in problem.inner_text()
    problem.click()
    assert "selected" in page.get_attribute(".djs-element[data-element-id='first']", "class")
    assert_accessible(page, exclude=CANVAS)  # the problem list and the task's panel
    assert errors == []


def test_lane_role_and_form_key_are_set_without_xml(page, live_server, make_user,
                                                    simple_published, errors):
    open_modeller(page, live_server, make_user)
    page.click(".djs-element[data-element-id='chase']")
    page.select_option("select[name='sg-form-key']", "note")
    page.fill("input[name='sg-rules']", "R6")
    lane = page.locator(".djs-element[data-element-id='lane_manager'] > .djs-hit").first
    box = lane.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.8)
    page.select_option("select[name='sg-role']", "Police")
    xml = page.evaluate("async () => (await window.safeguardModeller.saveXML()).xml")
    assert 'name="rules" value="R6"' in xml
    assert 'id="lane_manager" name="Police"' in xml
    assert errors == []


def test_manager_sees_current_and_overdue_marked_differently(page, live_server, make_user,
                                                            cases_on_simple, errors):
    manager = make_user("team_manager", org=cases_on_simple["org"])
    sign_in(page, live_server, manager.email, PASSWORD)
    page.goto(f"{live_server}/cases/{cases_on_simple['late'].id}")
    page.wait_for_selector("#case-diagram[data-ready='true']")
    first = page.locator(".djs-element[data-element-id='first']")
    chase = page.locator(".djs-element[data-element-id='chase']")
    assert "sg-overdue" in first.get_attribute("class")
    assert "sg-current" in chase.get_attribute("class")
    assert "sg-completed" in page.get_attribute(".djs-element[data-element-id='start']",
                                                "class")
    style = "e => { const s = getComputedStyle(e.querySelector('.djs-visual > *'));" \
            " return [s.stroke, s.strokeDasharray, s.fill]; }"
    assert first.evaluate(style) != chase.evaluate(style)
    assert_accessible(page, exclude=[".sg-canvas"])
    assert errors == []


def test_process_page_shows_the_counts_and_lists_the_cases(page, live_server, make_user,
                                                           cases_on_simple, errors):
    manager = make_user("team_manager", org=cases_on_simple["org"])
    sign_in(page, live_server, manager.email, PASSWORD)
    page.goto(f"{live_server}/processes/simple")
    page.wait_for_selector("#process-diagram[data-ready='true']")
    first = page.locator(".djs-overlays[data-container-id='first'] .sg-count")
    assert first.inner_text() == "2 (1 overdue)"
    assert page.locator(".djs-overlays[data-container-id='chase'] .sg-count").inner_text() \
        == "1"
    assert_accessible(page, exclude=[".sg-canvas"])
    first.click()
    page.wait_for_url(re.compile(r"/processes/simple/elements/first"))
    links = page.locator("main a[href^='/cases/']")
    hrefs = [links.nth(n).get_attribute("href") for n in range(links.count())]
    assert hrefs[0] == f"/cases/{cases_on_simple['late'].id}"  # the overdue one first
    assert f"/cases/{cases_on_simple['elsewhere'].id}" not in hrefs
    assert errors == []


def test_decision_table_opens_in_dmn_js(page, live_server, live_app, make_user,
                                        simple_published, tmp_path, errors):
    grade = (diagram_fixtures.ENGINE_TESTS / "diagrams" / "grade.dmn").read_bytes()
    (tmp_path / "grade.dmn").write_bytes(grade)
    live_app.config["PROCESSES_DIR"] = str(tmp_path)
    owner = make_user("process_owner")
    sign_in(page, live_server, owner.email, PASSWORD)
    page.goto(f"{live_server}/modeller/files/grade.dmn")
    page.wait_for_selector("#modeller-status:has-text('decision table is loaded')")
    assert page.locator(".tjs-table").count() == 1
    assert '"high"' in page.inner_text(".tjs-table")
    page.click("#check-diagram")
    page.wait_for_selector("#modeller-status:has-text('Check found no problems')")
    assert_accessible(page, exclude=CANVAS)
    page.fill("#note", "the table as it is")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The decision table grade.dmn is published")).to_be_visible()
    assert errors == []


def test_migrate_page_moves_cases_with_a_running_count(page, live_server, make_user,
                                                       cases_on_simple, session, errors):
    from engine.commands import PublishProcesses
    from engine.executor import SYSTEM, run

    pong = diagram_fixtures.SIMPLE.replace(b'name="Ping"', b'name="Pong"')
    run(session, PublishProcesses({"simple.bpmn": pong}, "rename ping"), SYSTEM)
    owner = make_user("process_owner")
    sign_in(page, live_server, owner.email, PASSWORD)
    page.goto(f"{live_server}/modeller/processes/simple/migrate")
    assert "3 of 3 running cases can move" in page.inner_text("main")
    assert_accessible(page)
    page.click("#migrate-button")
    page.wait_for_selector("#migrate-progress:has-text('Finished: moved 3 of 3 cases')")
    assert page.inner_text(f"#case-{cases_on_simple['late'].id}-result") == "Moved"
    session.expire_all()
    assert {c.process_version_id for c in session.scalars(select(Case))} == {
        session.scalar(select(ProcessVersion.id).where(ProcessVersion.version == 2))}
    assert errors == []
