"""Process pages for managers (counts from the projections, filters, the table, cases at
an element) and the diagram on the case page (issue 6)."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from . import diagram_fixtures
from .conftest import sign_in

# the shared fixtures, by name, so pytest finds them in this module
simple_published = diagram_fixtures.simple_published
cases_on_simple = diagram_fixtures.cases_on_simple


@pytest.fixture
def manager(client, make_user, cases_on_simple):
    sign_in(client, make_user("team_manager", org=cases_on_simple["org"]).email)
    return client


PAGES = ["/processes/", "/processes/simple", "/processes/simple/table",
         "/processes/simple/counts.json", "/processes/simple/diagram.xml",
         "/processes/simple/elements/first"]


@pytest.mark.parametrize("url", PAGES)
def test_manager_pages(manager, url):
    assert manager.get(url).status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_process_pages_refuse_other_roles(client, make_user, simple_published, url):
    assert client.get(url).status_code == 302
    sign_in(client, make_user("police").email)
    assert client.get(url).status_code == 403


def test_counts_only_the_managers_organisation(manager):
    counts = {c["element_id"]: c for c in manager.get("/processes/simple/counts.json")
              .json["elements"]}
    # three cases wait at 'first', but one is another council's
    assert (counts["first"]["open"], counts["first"]["overdue"]) == (2, 1)
    assert counts["chase"]["open"] == 1
    assert counts["first_deadline"]["timers"] == 1
    assert counts["first"]["url"] == "/processes/simple/elements/first"


def test_filters_narrow_the_counts_and_keep_themselves_in_links(manager, cases_on_simple):
    other = cases_on_simple["other"].id
    assert manager.get(f"/processes/simple/counts.json?organisation={other}").json == {
        "elements": []}
    police = manager.get("/processes/simple/counts.json?team=police").json["elements"]
    assert [c["element_id"] for c in police] == ["first", "first_deadline"]
    assert police[0]["url"] == "/processes/simple/elements/first?team=police"
    assert manager.get("/processes/simple/counts.json?risk_grade=high").json == {
        "elements": []}
    # unknown filter values are ignored, not errors
    assert manager.get("/processes/simple/counts.json?team=wizard&risk_grade=x"
                       ).status_code == 200


def test_table_shows_the_same_counts(manager):
    html = manager.get("/processes/simple/table").get_data(as_text=True)
    assert 'href="/processes/simple/elements/first">Do the first thing</a>' in html
    row = html[html.index("Do the first thing</a>"):]
    row = row[:row.index("</tr>")]
    assert re.findall(r'numeric">(\d+)<', row) == ["2", "1", "0"]  # open, overdue, timers


def test_cases_at_an_element_lists_the_visible_ones_overdue_first(manager, cases_on_simple):
    html = manager.get("/processes/simple/elements/first").get_data(as_text=True)
    late, fresh = cases_on_simple["late"].id, cases_on_simple["fresh"].id
    assert html.index(f'href="/cases/{late}"') < html.index(f'href="/cases/{fresh}"')
    assert f'href="/cases/{cases_on_simple["elsewhere"].id}"' not in html
    assert "Overdue" in html
    assert "Cases at first" not in html  # the step's name, never its id


def test_process_page_loads_the_viewer_with_counts_url(manager):
    html = manager.get("/processes/simple?team=police").get_data(as_text=True)
    assert 'data-counts-url="/processes/simple/counts.json?team=police"' in html
    assert "build/viewer.js" in html


def test_case_page_marks_current_overdue_and_completed(manager, cases_on_simple):
    late = cases_on_simple["late"].id
    html = manager.get(f"/cases/{late}").get_data(as_text=True)
    assert f'data-xml-url="/cases/{late}/diagrams/simple/diagram.xml"' in html
    assert 'data-overdue="[&#34;first&#34;]"' in html
    assert "chase" in html[html.index("data-current="):][:120]
    assert "start" in html[html.index("data-completed="):][:120]
    xml = manager.get(f"/cases/{late}/diagrams/simple/diagram.xml")
    assert xml.status_code == 200 and b'id="first"' in xml.data


def test_case_diagram_is_refused_for_a_case_the_user_may_not_see(manager, cases_on_simple):
    elsewhere = cases_on_simple["elsewhere"].id
    assert manager.get(f"/cases/{elsewhere}/diagrams/simple/diagram.xml").status_code == 404
    assert manager.get(f"/cases/{elsewhere}/diagrams/simple").status_code == 404
    late = cases_on_simple["late"].id
    assert manager.get(f"/cases/{late}/diagrams/nowhere").status_code == 404


def test_episode_case_opens_the_called_diagram_for_that_case(client, make_user, make_org,
                                                             make_child, session, published):
    from engine import forms
    from engine.commands import ReportEpisode
    from engine.executor import SYSTEM, run
    from engine.models import Case

    org = make_org()
    child = make_child(org)
    episode = run(session, ReportEpisode(child.id, forms.load("missing_report")["example"]),
                  SYSTEM)
    case = session.scalar(select(Case).where(Case.episode_id == episode.id))
    sign_in(client, make_user("team_manager", org=org).email)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/cases/{case.id}/diagrams/report" in html  # call_report opens report
    assert "call_report" in html[html.index("data-current="):][:200]
    called = client.get(f"/cases/{case.id}/diagrams/report").get_data(as_text=True)
    assert f'data-xml-url="/cases/{case.id}/diagrams/report/diagram.xml"' in called
    assert "grade_risk" in called[called.index("data-current="):][:200]
    # a diagram the case calls but has not reached yet shows nothing marked
    later = client.get(f"/cases/{case.id}/diagrams/interview").get_data(as_text=True)
    assert 'data-current="[]"' in later


def test_demo_manager_sees_counts_on_the_report_diagram(client, session, published):
    from web import demo

    demo.load(session)
    sign_in(client, "team.manager@example.org", demo.DEMO_PASSWORD)
    counts = client.get("/processes/report/counts.json").json["elements"]
    assert sum(c["open"] for c in counts) > 0
    assert client.get("/processes/report").status_code == 200


def test_call_activities_count_the_cases_in_the_diagram_they_call(client, world, session,
                                                                  fake_clock):
    """The episode diagram's own elements are call activities: each shows the cases with
    open work in the process it calls, and links to that process's page."""
    sign_in(client, world.tm.email)
    counts = {c["element_id"]: c for c in client.get("/processes/episode/counts.json")
              .json["elements"]}
    assert (counts["call_report"]["open"], counts["call_report"]["overdue"]) == (1, 0)
    assert counts["call_locate"]["open"] == 1
    assert counts["call_report"]["url"] == "/processes/report"
    assert "call_interview" not in counts  # nobody is at the return yet

    fake_clock.advance(dt.timedelta(days=3))  # locate's 24- and 48-hour deadlines pass
    sign_in(client, world.tm.email)  # the idle session has expired meanwhile
    counts = {c["element_id"]: c for c in client.get("/processes/episode/counts.json")
              .json["elements"]}
    assert (counts["call_locate"]["open"], counts["call_locate"]["overdue"]) == (1, 1)
    table = client.get("/processes/episode/table").get_data(as_text=True)
    assert 'href="/processes/locate">' in table

    outsider = client.application.test_client()
    sign_in(outsider, world.outsider.email)
    assert outsider.get("/processes/episode/counts.json").status_code == 403


def test_a_finished_cases_page_and_api_show_its_timers_from_its_archive(
        manager, cases_on_simple, session, fake_clock, api_key):
    """Issue 16: a finished case keeps its timers in its archive, not in timer rows; the
    case page and the API show them as before."""
    from engine.commands import CompleteWorkItem, DeliverMessage
    from engine.executor import SYSTEM, run
    from engine.models import Timer, WorkItem

    late = cases_on_simple["late"].id  # its deadline fired, and 'chase' is open
    for item in session.scalars(select(WorkItem).where(WorkItem.case_id == late,
                                                       WorkItem.state == "open")).all():
        run(session, CompleteWorkItem(item.id, {"note": "done", "outcome": "done"}), SYSTEM)
    run(session, DeliverMessage(late, "ping", {}), SYSTEM)
    assert not session.scalars(select(Timer).where(Timer.case_id == late)).all()
    session.rollback()
    html = manager.get(f"/cases/{late}").get_data(as_text=True)
    timers = html[html.index("Timers and their due times"):]
    assert "2 hours after the report" in timers and "Fired" in timers
    assert "No timers." not in html
    answer = manager.get(f"/api/v1/cases/{late}",
                         headers=api_key(cases_on_simple["org"], "team_manager"))
    assert answer.json["status"] == "completed"
    assert answer.json["timers"] == [{"name": "2 hours after the report", "state": "fired",
                                      "due_at": "2026-03-02T11:00:00+00:00"}]
