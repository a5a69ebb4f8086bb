"""Counts on the process page come from the projection tables, with filters (issue 6)."""

import pytest
from sqlalchemy import select

from engine import process_page
from engine.commands import FireTimers, StartCase
from engine.executor import SYSTEM, run
from engine.models import Case, Child, Episode, Organisation, WorkItem
from engine.process_page import Filters


@pytest.fixture
def three_cases(session, simple, fake_clock):
    """Three cases at 'first': in two organisations, high and low risk; one overdue."""
    with session.begin():
        orgs = [Organisation(code=c, name=c, kind="local_authority") for c in ("a", "b")]
        session.add_all(orgs)
        session.flush()
        episodes = []
        for org, grade in [(orgs[0], "high"), (orgs[0], "low"), (orgs[1], "high")]:
            child = Child(first_name="Ann", last_name=org.code, responsible_org_id=org.id,
                          date_of_birth=fake_clock.now().date())
            session.add(child)
            session.flush()
            episode = Episode(child_id=child.id, category="M", last_seen_at=fake_clock.now(),
                              reported_at=fake_clock.now(), risk_grade=grade)
            session.add(episode)
            session.flush()
            episodes.append((child.id, episode.id))
    ids = []
    for n, (child_id, episode_id) in enumerate(episodes):
        case = run(session, StartCase("simple", {"reported_at": fake_clock.now().isoformat()},
                                      child_id=child_id, episode_id=episode_id), SYSTEM)
        ids.append(case.id)
        if n == 0:
            fake_clock.advance(hours=3)  # the first case's 2-hour deadline passes
            run(session, FireTimers(case.id), SYSTEM)
    return orgs, ids


def test_counts_per_element_with_overdue_and_timers(session, three_cases, fake_clock):
    counts = process_page.element_counts(session, "simple", fake_clock.now())
    assert (counts["first"].open, counts["first"].overdue) == (3, 1)
    assert (counts["chase"].open, counts["chase"].overdue) == (1, 0)
    assert counts["first_deadline"].timers == 2
    assert counts["first"].name == "Do the first thing"


@pytest.mark.parametrize("filters, first_open", [
    (lambda orgs: Filters(organisation_id=orgs[0].id), 2),
    (lambda orgs: Filters(organisation_id=orgs[1].id), 1),
    (lambda orgs: Filters(risk_grade="high"), 2),
    (lambda orgs: Filters(organisation_id=orgs[0].id, risk_grade="low"), 1),
    (lambda orgs: Filters(team="police"), 3),
    (lambda orgs: Filters(team="team_manager"), 0),
])
def test_filters(session, three_cases, fake_clock, filters, first_open):
    orgs, _ = three_cases
    counts = process_page.element_counts(session, "simple", fake_clock.now(), filters(orgs))
    assert (counts["first"].open if "first" in counts else 0) == first_open


def test_team_filter_keeps_the_timers_bounding_that_teams_tasks(session, three_cases,
                                                               fake_clock):
    police = process_page.element_counts(session, "simple", fake_clock.now(),
                                         Filters(team="police"))
    assert police["first_deadline"].timers == 2
    managers = process_page.element_counts(session, "simple", fake_clock.now(),
                                           Filters(team="team_manager"))
    assert "first_deadline" not in managers


def test_only_visible_cases_count(session, three_cases, fake_clock):
    _, ids = three_cases
    visible = select(Case.id).where(Case.id == ids[1])
    counts = process_page.element_counts(session, "simple", fake_clock.now(), visible=visible)
    assert counts["first"].open == 1 and "chase" not in counts


def test_cases_at_an_element_most_overdue_first(session, three_cases, fake_clock):
    orgs, ids = three_cases
    rows = process_page.cases_at(session, "simple", "first", fake_clock.now())
    assert [r.case_id for r in rows][0] == ids[0]
    assert [r.overdue for r in rows] == [True, False, False]
    assert rows[0].child_name == "Ann a"
    filtered = process_page.cases_at(session, "simple", "first", fake_clock.now(),
                                     Filters(organisation_id=orgs[1].id, risk_grade="high"))
    assert [r.case_id for r in filtered] == [ids[2]]
    assert session.scalar(select(WorkItem.id).where(WorkItem.id == rows[0].work_item_id))
