"""Start, claim, complete, deliver a message, fire timers: each one transaction."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from engine import audit, case_timers, store
from engine.commands import (
    ClaimWorkItem,
    CompleteWorkItem,
    DeliverMessage,
    FireTimers,
    ReleaseWorkItem,
    StartCase,
)
from engine.errors import (
    AlreadyClaimed,
    AlreadyCompleted,
    Conflict,
    InvalidInput,
    NotPermitted,
)
from engine.executor import SYSTEM, run
from engine.models import AuditEvent, Case, Timer, WorkItem


def start(session, fake_clock):
    return run(session, StartCase("simple", {"reported_at": fake_clock.now().isoformat()}),
               SYSTEM)


def items(session, case_id):
    return {w.element_id: w for w in session.scalars(
        select(WorkItem).where(WorkItem.case_id == case_id))}


def test_start_creates_work_item_with_role_and_due_time(session, simple, fake_clock, people):
    case = start(session, fake_clock)
    first = items(session, case.id)["first"]
    assert first.role == "police"
    assert first.state == "open"
    assert first.form_key == "note"
    assert first.due_at == fake_clock.now() + dt.timedelta(hours=2)
    timer = session.scalar(select(Timer).where(Timer.case_id == case.id))
    assert timer.element_id == "first_deadline"
    assert timer.bounds_task_id == first.task_id
    assert case.stage == "simple"
    assert case.process_version_id == simple.id


def test_invalid_form_leaves_case_untouched_and_lists_every_error(session, simple, fake_clock,
                                                                    people):
    case = start(session, fake_clock)
    first = items(session, case.id)["first"]
    revision = case.revision
    with pytest.raises(InvalidInput) as raised:
        run(session, CompleteWorkItem(first.id, {"outcome": "maybe"}), people["police"])
    assert set(raised.value.errors) == {"note", "outcome"}
    session.expire_all()
    assert session.get(Case, case.id).revision == revision
    assert session.get(WorkItem, first.id).state == "open"


def test_complete_runs_case_on_and_audits(session, simple, fake_clock, people):
    case = start(session, fake_clock)
    first = items(session, case.id)["first"]
    run(session, CompleteWorkItem(first.id, {"note": "Spoke to carer", "outcome": "done"},
                                  expected_revision=case.revision), people["police"])
    session.expire_all()
    done = session.get(WorkItem, first.id)
    assert (done.state, done.completed_by, done.completed_at) == (
        "completed", "Pat Police", fake_clock.now())
    assert done.data == {"note": "Spoke to carer", "outcome": "done"}
    # the deadline is gone with the task it bounded
    assert session.scalar(select(Timer.state).where(Timer.case_id == case.id)) == "cancelled"
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-1] == "work_item.completed"
    assert audit.verify(session) is None


def test_second_completion_says_who_and_when(session, simple, fake_clock, people):
    case = start(session, fake_clock)
    first = items(session, case.id)["first"]
    run(session, CompleteWorkItem(first.id, {"note": "x", "outcome": "done"}), people["police"])
    fake_clock.advance(minutes=5)
    with pytest.raises(AlreadyCompleted) as raised:
        run(session, CompleteWorkItem(first.id, {"note": "y", "outcome": "done"}),
            people["other_police"])
    assert raised.value.by == "Pat Police"
    assert raised.value.at == fake_clock.now() - dt.timedelta(minutes=5)


def test_stale_revision_is_a_conflict(session, simple, fake_clock, people):
    case = start(session, fake_clock)
    first = items(session, case.id)["first"]
    with pytest.raises(Conflict, match="has changed"):
        run(session, CompleteWorkItem(first.id, {"note": "x", "outcome": "done"},
                                      expected_revision=case.revision - 1), people["police"])


def test_only_the_lane_role_may_complete(session, simple, fake_clock, people):
    case = start(session, fake_clock)
    first = items(session, case.id)["first"]
    with pytest.raises(NotPermitted, match="police"):
        run(session, CompleteWorkItem(first.id, {"note": "x", "outcome": "done"}),
            people["social_worker"])


def test_claim_release_and_already_claimed(session, simple, fake_clock, people):
    case = start(session, fake_clock)
    first = items(session, case.id)["first"]
    run(session, ClaimWorkItem(first.id), people["police"])
    run(session, ClaimWorkItem(first.id), people["police"])  # claiming what you hold does nothing
    with pytest.raises(AlreadyClaimed, match="Pat Police"):
        run(session, ClaimWorkItem(first.id), people["other_police"])
    with pytest.raises(NotPermitted):
        run(session, CompleteWorkItem(first.id, {"note": "x", "outcome": "done"}),
            people["other_police"])
    run(session, ReleaseWorkItem(first.id), people["police"])
    run(session, ClaimWorkItem(first.id), people["other_police"])
    session.expire_all()
    assert session.get(WorkItem, first.id).assignee_id == people["other_police"].user_id


def test_timer_does_not_fire_early_then_escalates_and_keeps_the_work(session, simple,
                                                                      fake_clock, people):
    case = start(session, fake_clock)
    fake_clock.advance(hours=2)  # exactly due: not yet past
    run(session, FireTimers(case.id), SYSTEM)
    assert set(items(session, case.id)) == {"first"}
    fake_clock.advance(seconds=1)
    run(session, FireTimers(case.id), SYSTEM)
    session.expire_all()
    now_items = items(session, case.id)
    assert now_items["chase"].role == "team_manager"
    assert now_items["first"].state == "open"
    assert now_items["first"].due_at < fake_clock.now()  # still shown overdue
    timer = session.scalar(select(Timer).where(Timer.case_id == case.id))
    assert (timer.state, timer.fired_at) == ("fired", fake_clock.now())


def test_message_nobody_waits_for_is_refused(session, simple, fake_clock, people):
    case = start(session, fake_clock)
    with pytest.raises(Conflict, match="not waiting for 'ping'"):
        run(session, DeliverMessage(case.id, "ping", {}), SYSTEM)


def test_whole_case_to_completed(session, simple, fake_clock, people):
    case = start(session, fake_clock)
    first = items(session, case.id)["first"]
    run(session, CompleteWorkItem(first.id, {"note": "x", "outcome": "done"}), people["police"])
    run(session, DeliverMessage(case.id, "ping", {"from": "test"}), SYSTEM)
    session.expire_all()
    finished = session.get(Case, case.id)
    assert (finished.status, finished.stage, finished.completed_at) == (
        "completed", "closed", fake_clock.now())
    assert session.scalar(select(func.count()).select_from(WorkItem)
                          .where(WorkItem.state == "open")) == 0


def test_a_finished_case_is_archived_compactly_and_its_diagram_still_shows_the_path(
        session, simple, fake_clock, people):
    from engine import case_diagram

    case = start(session, fake_clock)
    first = items(session, case.id)["first"]
    run(session, CompleteWorkItem(first.id, {"note": "x", "outcome": "done"}), people["police"])
    running = len(store.unpack(session.get(Case, case.id).state))  # its JSON, unpacked
    run(session, DeliverMessage(case.id, "ping", {"from": "test"}), SYSTEM)
    session.expire_all()
    finished = session.get(Case, case.id)
    assert len(finished.state) < running / 5  # the elements it completed, not every task
    shown = case_diagram.positions(session, finished, "simple")
    assert {"start", "first", "wait_ping", "end"} <= shown.completed
    assert shown.current == set() and "chase" not in shown.completed
    with pytest.raises(Conflict, match="has finished"):
        run(session, DeliverMessage(case.id, "ping", {"from": "test"}), SYSTEM)


def test_a_finished_case_keeps_its_timers_in_its_archive_not_in_rows(session, simple,
                                                                     fake_clock, people):
    """Issue 16: nothing fires a finished case's timers again, so its rows leave the timer
    table for the archive; the case page and the API read them from there."""
    case = start(session, fake_clock)
    first = items(session, case.id)["first"]
    due = first.due_at
    run(session, CompleteWorkItem(first.id, {"note": "x", "outcome": "done"}), people["police"])
    running = session.get(Case, case.id)
    assert [(t.element_id, t.state) for t in case_timers.of_case(session, running)] == [
        ("first_deadline", "cancelled")]
    finished = finish(session, case)
    kept = case_timers.of_case(session, finished)
    assert [(t.element_id, t.name, t.state, t.due_at) for t in kept] == [
        ("first_deadline", "2 hours after the report", "cancelled", due)]
    assert store.archived(finished.state) is not None  # still reads as a finished case


def test_a_finished_case_keeps_a_timer_that_fired_with_its_due_time(session, simple,
                                                                    fake_clock, people):
    case = start(session, fake_clock)
    first = items(session, case.id)["first"]
    fake_clock.advance(hours=2, seconds=1)
    run(session, FireTimers(case.id), SYSTEM)
    chase = items(session, case.id)["chase"]
    run(session, CompleteWorkItem(first.id, {"note": "x", "outcome": "done"}), people["police"])
    run(session, CompleteWorkItem(chase.id, {"note": "chased", "outcome": "done"}), SYSTEM)
    finished = finish(session, case)
    assert [(t.element_id, t.state, t.due_at) for t in case_timers.of_case(
        session, finished)] == [("first_deadline", "fired", first.due_at)]


def finish(session, case) -> Case:
    """The message the case waits for last: it finishes, and no timer row of it is left."""
    run(session, DeliverMessage(case.id, "ping", {"from": "test"}), SYSTEM)
    session.expire_all()
    finished = session.get(Case, case.id)
    assert finished.status == "completed"
    assert session.scalar(select(func.count()).select_from(Timer)
                          .where(Timer.case_id == case.id)) == 0
    return finished
