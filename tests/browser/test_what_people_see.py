"""What people see (issue 12), in Debian's Chromium: overdue statutory work is the first
thing a practitioner and a manager see; an escalation links to the late work; follow-up
questions appear when the answer calls for them and are checked; and axe-core with the
WCAG 2.2 AA rules finds no serious or critical problem on any page of the product."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine import forms
from engine.commands import ReportEpisode
from engine.executor import Actor, run
from engine.models import Case, Child, Episode, Placement, User, WorkItem
from engine.worker import Worker
from tests.web.conftest import PASSWORD

from .axe import WCAG_22_AA, assert_accessible
from .conftest import sign_in

H = dt.timedelta(hours=1)
SHOTS = Path("/work/coord/shots/12")


def _report_50_hours_late(session, world, make_child, fake_clock):
    """Eli's case: reported 50 hours after last seen, so the 48-hour need-to-know report
    (R16) is overdue from its first moment."""
    child = make_child(world.council, first_name="Eli", last_name="Late",
                       social_worker_id=world.sw.id, placement_provider_id=world.home.id)
    report = dict(forms.load("missing_report")["example"])
    seen = fake_clock.now() - 50 * H
    report.update(last_seen_at=seen.isoformat(), reported_at=fake_clock.now().isoformat(),
                  checks_deadline=(seen + 20 * dt.timedelta(minutes=1)).isoformat())
    episode = run(session, ReportEpisode(child.id, report, police_org_id=world.police_org.id),
                  Actor.for_user(world.carer))
    session.rollback()
    return episode


def test_r16_overdue_work_is_tagged_first_in_the_inbox_and_counted_on_the_process_page(
        page, live_server, world, make_child, session, fake_clock, artifacts,
        console_errors):
    _report_50_hours_late(session, world, make_child, fake_clock)
    sign_in(page, live_server, world.tm.email, PASSWORD)
    first = page.locator("#work-items tbody tr").first
    expect(first).to_contain_text("Send the need-to-know report")
    expect(first).to_contain_text("Overdue")
    expect(first).to_contain_text("Eli Late")
    expect(page.get_by_text(re.compile(r"\d+ items? (is|are) overdue"))).to_be_visible()
    assert_accessible(page, tags=WCAG_22_AA)
    page.set_viewport_size({"width": 320, "height": 900})
    expect(first).to_contain_text("Overdue")
    assert page.evaluate("document.documentElement.scrollWidth") <= 330
    page.screenshot(path=str(artifacts / "inbox-overdue-320px.png"), full_page=True)
    if SHOTS.parent.is_dir():  # the coordinator's screenshots, when run in this workspace
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(artifacts / "inbox-overdue-320px.png", SHOTS / "inbox-320px.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server}/processes/locate")
    expect(page.locator("#process-diagram[data-ready=true]")).to_be_attached()
    badge = page.get_by_role("link", name=re.compile(
        r"\(1 overdue\).*at Send the need-to-know report"))
    expect(badge).to_be_visible()
    expect(page.get_by_role("button", name="Fit the whole diagram")).to_be_visible()
    assert_accessible(page, tags=WCAG_22_AA)
    badge.click()
    expect(page.locator("main")).to_contain_text("Eli Late")


def test_r16_the_escalation_item_links_to_the_late_work_and_its_case(
        page, live_server, world, make_child, session, sessions, fake_clock, console_errors):
    episode = _report_50_hours_late(session, world, make_child, fake_clock)
    Worker(sessions, name="Test worker").run_once()
    case_id = session.scalar(select(Case.id).where(Case.episode_id == episode.id,
                                                   Case.process_id == "episode"))
    items = {w.element_id: w for w in session.scalars(select(WorkItem).where(
        WorkItem.case_id == case_id, WorkItem.state == "open"))}
    session.rollback()
    late, escalation = items["need_to_know_report"], items["need_to_know_overdue"]
    assert escalation.late_item_id == late.id
    manager = session.get(User, world.tm.id)
    session.rollback()
    sign_in(page, live_server, manager.email, PASSWORD)
    page.goto(f"{live_server}/work/{escalation.id}")
    expect(page.locator("main")).to_contain_text("Was due")
    assert_accessible(page, tags=WCAG_22_AA)
    page.get_by_role("link", name=late.name).first.click()
    expect(page).to_have_url(f"{live_server}/work/{late.id}")
    expect(page.get_by_role("heading", name=late.name)).to_be_visible()


def test_r5_follow_up_questions_are_revealed_by_the_answer_and_checked(
        page, live_server, world, session, console_errors):
    item = session.scalar(select(WorkItem).where(WorkItem.case_id == world.case.id,
                                                 WorkItem.form_key == "grade_risk"))
    session.rollback()
    sign_in(page, live_server, world.police.email, PASSWORD)
    page.goto(f"{live_server}/work/{item.id}")
    follow_up = page.get_by_label("What actions have you agreed with the parent or carer?")
    expect(follow_up).to_be_hidden()
    page.get_by_label("Low", exact=True).check()
    expect(follow_up).to_be_visible()  # revealed by "Low" (R6)
    page.get_by_label("Why have you given this grade?").fill("Known to return by evening")
    page.locator("#ce_linked-2").check()  # No
    page.get_by_role("button", name="Complete").click()
    # The server checks the revealed questions: each named, what was typed kept.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select yes or no")
    expect(summary).to_contain_text("Enter an answer")
    expect(page.get_by_label("Why have you given this grade?")).to_have_value(
        "Known to return by evening")
    expect(follow_up).to_be_visible()  # still open on the answer that calls for it
    assert_accessible(page, tags=WCAG_22_AA)
    page.get_by_label("High", exact=True).check()
    expect(follow_up).to_be_hidden()
    page.get_by_role("button", name="Complete").click()
    expect(page.locator("#what-happens-next")).to_be_visible()


# --- axe-core on every page of the product ---------------------------------------------

# Routes that are not pages a person reads, each with its reason. Every other GET route of
# the URL map is checked below: a new page is checked the day it is added.
NOT_PAGES = {
    "static": "files", "assets.vendor": "files", "assets.govuk_assets": "files",
    "assets.favicon": "an icon", "api.": "the JSON API", "auth.sso_": "hand-over to the "
    "identity provider", "auth.second_factor": "off under TESTING (tested in "
    "test_sign_in_page)", "auth.set_up_second_factor": "off under TESTING",
    "auth.set_password": "needs an invitation's one-time token",
    "diagrams.case_xml": "XML", "diagrams.process_xml": "XML", "diagrams.counts": "JSON",
    "modeller.source": "XML", "modeller.version_xml": "XML", "modeller.download": "a file",
    "manage.figure_csv": "CSV", "manage.return_903_csv": "CSV",
    "manage.annex_a_xlsx": "Excel", "records.subject_access_export": "a JSON file",
    "modeller.deadline": "JSON for the deadline builder",
}
# Who opens each page: the first of these who may.
PEOPLE = ["service.manager@example.org", "team.manager@example.org", "admin@example.org",
          "process.owner@example.org", "police@example.org", "social.worker@example.org",
          "carer@example.org", "dpo@example.org", "mach@example.org", "rhi@example.org"]
SIGNED_OUT = {"auth.sign_in", "auth.reset_password"}
# Pages that need a query to show anything.
QUERIES = {"modeller.diff": {"from": 1, "to": 1}}


def _pages(app, session) -> dict[str, str]:
    """{endpoint: a URL of it} for every page of the URL map, filled with the demo's ids."""
    ava = session.scalar(select(Child).where(Child.first_name == "Ava"))
    ben_episode = session.scalar(select(Episode).join(Child).where(
        Child.first_name == "Ben"))
    case = session.scalar(select(Case).where(Case.episode_id == ben_episode.id,
                                             Case.process_id == "episode"))
    item = session.scalar(select(WorkItem).where(WorkItem.case_id == case.id,
                                                 WorkItem.state == "open").limit(1))
    done = session.scalar(select(WorkItem).where(WorkItem.state == "completed",
                                                 WorkItem.form_key.is_not(None)).limit(1))
    placement = session.scalar(select(Placement).where(Placement.child_id == ava.id)
                               .limit(1))
    values = {"case_id": case.id, "child_id": ava.id, "item_id": item.id,
              "episode_id": ben_episode.id, "process_id": "locate",
              "element_id": "need_to_know_report", "filename": "locate.bpmn", "version": 1,
              "user_id": session.scalar(select(User.id).limit(1)), "org_id": 1,
              "kind": "placement", "period_id": placement.id,
              "clock_name": "strategy_meeting", "outcome": "open"}
    session.rollback()
    pages = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or any(
                rule.endpoint == skip or (skip.endswith((".", "_")) and
                                          rule.endpoint.startswith(skip))
                for skip in NOT_PAGES):
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule.rule}: give the test a value for {missing}"
        with app.test_request_context():
            from flask import url_for
            url = url_for(rule.endpoint, **{a: values[a] for a in rule.arguments},
                          **QUERIES.get(rule.endpoint, {}))
            if rule.endpoint == "tasks.done":  # the page after completing: a completed item
                url = url_for(rule.endpoint, item_id=done.id)
        pages.setdefault(f"{rule.endpoint} {url}", url)
    return pages


@pytest.mark.once  # the pages' markup; 50-100 s, the longest test
def test_every_page_has_no_serious_or_critical_wcag_22_aa_problem(
        browser, live_server, live_app, session, published, artifacts):
    from web import demo

    demo.load(session)
    pages = _pages(live_app, session)
    assert len(pages) >= 50, sorted(pages)
    contexts, checked, problems, nobody = {}, [], [], []
    try:
        for key, url in sorted(pages.items()):
            endpoint = key.split()[0]
            people = [None] if endpoint in SIGNED_OUT else PEOPLE
            for email in people:
                if email not in contexts:
                    context = browser.new_context()
                    if email:
                        login = context.new_page()
                        sign_in(login, live_server, email, demo.DEMO_PASSWORD)
                        login.close()
                    contexts[email] = context
                context = contexts[email]
                answer = context.request.get(live_server + url, max_redirects=0)
                if answer.status != 200:
                    continue
                page = context.new_page()
                page.goto(live_server + url)
                if page.locator(".sg-diagram").count():
                    page.wait_for_selector(".sg-diagram[data-ready=true], .sg-problems",
                                           state="attached", timeout=15_000)
                try:
                    # The modeller's drawing canvas is the process owners' (tested with
                    # the modeller); everything around it is checked here.
                    assert_accessible(page, tags=WCAG_22_AA, exclude=[".sg-modeller .sg-canvas"]
                                      if url.startswith("/modeller/files") else None)
                except AssertionError as problem:
                    problems.append(str(problem))
                page.close()
                checked.append(f"{url} as {email or 'someone signed out'}")
                break
            else:
                nobody.append(url)
    finally:
        for context in contexts.values():
            context.close()
    (artifacts / "axe-pages.txt").write_text("\n".join(checked) + "\n")
    assert problems == [], "\n\n".join(problems)
    # every page was opened by someone (the demo has a person for each)
    assert nobody == [], nobody
