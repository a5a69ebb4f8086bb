"""Reminders and escalations of the procedure's own deadlines (processes/), fired by the
worker on the fake clock: the 2-hour low-risk review (R6), the strategy meeting 24 hours
after the report and its 48-hour deadline (R15), the 48-hour need-to-know report (R16),
the 7-day Lead Member notification (R17) and the 72-hour return home interview (R22).

Each reminder goes to whoever holds the task, at the default lead (a quarter of the time
given, at most a day); each escalation goes to the manager of the diagram's lane; nothing
fires a second early and nothing twice."""

import datetime as dt

import pytest
from sqlalchemy import select

from engine.models import Notification, Timer
from tests.conftest import london
from tests.procedure.conftest import Procedure
from tests.worker.conftest import told

S = dt.timedelta(seconds=1)


@pytest.fixture
def proc(session, fake_clock, published):
    yield Procedure(session, fake_clock)
    session.rollback()


@pytest.fixture
def tick(proc, worker):
    def tick_to(when):
        proc.clock.set(when)
        worker.run_once()

    return tick_to



def check_deadline(proc, tick, episode, task, escalation, armed):
    """The deadline bounding `task` (armed at `armed`): its reminder, then its escalation."""
    session = proc.session
    item = proc.items(episode)[task]
    timer = session.scalar(select(Timer).where(Timer.case_id == item.case_id,
                                               Timer.bounds_task_id == item.task_id))
    due = timer.due_at
    assert item.due_at == due
    reminder = due - min(dt.timedelta(hours=24), (due - armed) / 4)
    assert timer.reminder_at == reminder

    tick(reminder - S)
    assert told(session, item, "reminder") == []
    tick(reminder)
    assert told(session, item, "reminder") == [proc.user_ids[item.role]]

    tick(due - S)
    tick(due)
    assert escalation not in proc.items(episode)
    tick(due + S)
    overdue = proc.items(episode)[escalation]
    assert told(session, overdue, "escalation") == [proc.user_ids[overdue.role]]
    note = session.scalar(select(Notification).where(Notification.work_item_id == overdue.id))
    assert note.due_at == due
    assert proc.items(episode)[task].state == "open"  # the work itself stays open

    tick(due + dt.timedelta(hours=1))
    assert told(session, item, "reminder") == [proc.user_ids[item.role]]
    assert told(session, overdue, "escalation") == [proc.user_ids[overdue.role]]
    return item, overdue


def test_r6_low_risk_review_two_hours_reminder_and_escalation(proc, tick):
    proc.set(london(2026, 3, 2, 21, 0))
    episode = proc.report(proc.child())
    proc.clock.advance(minutes=20)
    proc.complete(episode, "grade_risk", risk_grade="low", carer_actions_suitable=True,
                  carer_actions="Carer rings friends")
    item, overdue = check_deadline(proc, tick, episode, "low_risk_review",
                                   "low_risk_review_overdue", armed=proc.clock.now())
    assert item.due_at == london(2026, 3, 2, 23, 0)
    assert (item.role, overdue.role) == ("police", "police_supervisor")


def test_r15_strategy_meeting_24_hours_after_report_then_its_48_hour_deadline(proc, tick):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    tick(reported + dt.timedelta(hours=24) - S)
    tick(reported + dt.timedelta(hours=24))
    assert "strategy_meeting" not in proc.items(episode)
    tick(reported + dt.timedelta(hours=24) + S)
    item, overdue = check_deadline(proc, tick, episode, "strategy_meeting",
                                   "strategy_meeting_overdue", armed=proc.clock.now())
    assert item.due_at == reported + dt.timedelta(hours=48)
    assert (item.role, overdue.role) == ("social_worker", "team_manager")


def test_r16_need_to_know_report_48_hours_after_last_seen(proc, tick):
    reported = proc.clock.now()
    last_seen = reported - dt.timedelta(hours=6)
    episode = proc.report(proc.child(), last_seen_at=last_seen.isoformat())
    item, overdue = check_deadline(proc, tick, episode, "need_to_know_report",
                                   "need_to_know_overdue", armed=reported)
    assert item.due_at == last_seen + dt.timedelta(hours=48)
    assert (item.role, overdue.role) == ("team_manager", "service_manager")


def test_r17_lead_member_7_days_after_last_seen(proc, tick):
    last_seen = london(2026, 3, 1, 20, 0)
    episode = proc.report(proc.child(), last_seen_at=last_seen.isoformat())
    proc.clock.advance(hours=3)
    proc.complete(episode, "need_to_know_report")
    item, overdue = check_deadline(proc, tick, episode, "notify_lead_member",
                                   "lead_member_overdue", armed=proc.clock.now())
    assert item.due_at == last_seen + dt.timedelta(days=7)
    assert (item.role, overdue.role) == ("service_manager", "service_manager")


def test_r22_return_home_interview_72_hours_after_found(proc, tick):
    episode = proc.report(proc.child())
    tick(proc.clock.now() + dt.timedelta(hours=2))
    proc.found(episode)
    found_at = proc.episode(episode).found_at
    proc.complete(episode, "record_found")
    proc.complete(episode, "prevention_interview")
    item, overdue = check_deadline(proc, tick, episode, "rhi", "rhi_overdue",
                                   armed=proc.clock.now())
    assert item.due_at == found_at + dt.timedelta(hours=72)
    assert (item.role, overdue.role) == ("rhi_worker", "team_manager")
