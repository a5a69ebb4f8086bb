"""Overdue work is never hidden (issue 12): a work item keeps the due time of every
deadline that bounds it, also when the deadline had passed before the work appeared, and
an escalation names the work that is late."""

import datetime as dt

import pytest
from sqlalchemy import select

from engine import process_page
from engine.models import User, WorkItem
from tests.procedure.conftest import Procedure
from web.inbox.queries import Filters, overdue_counts, page_of_items

H = dt.timedelta(hours=1)


@pytest.fixture
def proc(session, fake_clock, published):
    yield Procedure(session, fake_clock)
    session.rollback()


def test_r16_need_to_know_report_reported_50_hours_after_last_seen_is_overdue_at_once(proc):
    now = proc.clock.now()
    last_seen = now - 50 * H
    episode = proc.report(proc.child(), last_seen_at=last_seen.isoformat())
    items = proc.items(episode)
    late = items["need_to_know_report"]
    assert late.due_at == last_seen + 48 * H
    assert late.due_at < now

    escalation = items["need_to_know_overdue"]
    assert escalation.late_item_id == late.id
    assert escalation.missed_due_at == last_seen + 48 * H

    # The team manager's inbox counts it, and it is the first thing in the list.
    manager = proc.session.get(User, proc.user_ids["team_manager"])
    counts = overdue_counts(proc.session, manager, now)
    assert counts["team"] == 1
    rows, _, overdue = page_of_items(proc.session, manager, "team", Filters(), 1, now)
    assert rows[0][0].id == late.id and overdue == counts["team"]

    # The process page counts it overdue at its element.
    counts = process_page.element_counts(proc.session, "locate", now)
    assert counts["need_to_know_report"].overdue == 1


def test_r16_a_deadline_that_fires_while_the_work_is_open_keeps_its_due_time(proc):
    now = proc.clock.now()
    last_seen = now - 6 * H
    episode = proc.report(proc.child(), last_seen_at=last_seen.isoformat())
    due = proc.items(episode)["need_to_know_report"].due_at
    assert due == last_seen + 48 * H
    proc.set(due + H)
    items = proc.items(episode)
    assert items["need_to_know_report"].due_at == due
    assert items["need_to_know_overdue"].late_item_id == items["need_to_know_report"].id


def test_work_without_a_deadline_has_no_due_time(proc):
    episode = proc.report(proc.child())
    item = proc.items(episode)["legal_routes"]
    assert item.due_at is None
    assert proc.session.scalar(select(WorkItem.late_item_id).where(
        WorkItem.id == item.id)) is None
