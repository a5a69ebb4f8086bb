"""Reminders before a deadline and notifications of escalations, written in the same
transaction as the event, to the assignee or else the role in the organisations involved."""

import datetime as dt

from sqlalchemy import select

from engine.commands import ClaimWorkItem, MarkNotificationsRead
from engine.executor import run
from engine.models import AuditEvent, Notification, Timer
from engine.notifications import outbox
from tests.worker.conftest import open_items

S = dt.timedelta(seconds=1)
H = dt.timedelta(hours=1)


def notes(session, **where):
    session.rollback()
    query = select(Notification).order_by(Notification.id)
    for key, value in where.items():
        query = query.where(getattr(Notification, key) == value)
    return session.scalars(query).all()


def told(session, kind):
    return sorted(n.user_id for n in notes(session, kind=kind))


def test_reminder_from_the_timer_property_goes_to_the_role_once_never_early(
        session, fake_clock, start, worker, people):
    due = fake_clock.now() + 3 * H
    case_id = start(due)
    timer = session.scalar(select(Timer).where(Timer.case_id == case_id))
    assert timer.reminder_at == due - H  # reminderBefore PT1H

    fake_clock.set(due - H - S)
    assert worker.run_once().reminded == 0
    fake_clock.set(due - H)
    assert worker.run_once().reminded == 1
    # police of the child's authority, not of another authority
    assert told(session, "reminder") == sorted([people.ids["police"], people.ids["police2"]])
    note = notes(session, kind="reminder")[0]
    assert (note.subject, note.due_at) == ("Due soon: Do the work", due)
    assert note.work_item_id == open_items(session, case_id)["do_it"].id
    assert note.path == f"/work/{note.work_item_id}"
    assert note.email_state == "pending"

    timer = session.get(Timer, timer.id)
    assert (timer.reminder_at, timer.reminded_at) == (None, due - H)
    fake_clock.advance(minutes=30)
    assert worker.run_once().reminded == 0
    assert len(notes(session, kind="reminder")) == 2
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "reminder.sent"))
    assert event.detail["users"] == [people.ids["police"], people.ids["police2"]]


def test_reminder_goes_to_the_assignee_alone(session, fake_clock, start, worker, people):
    due = fake_clock.now() + 3 * H
    case_id = start(due)
    run(session, ClaimWorkItem(open_items(session, case_id)["do_it"].id),
        people.actors["police2"])
    fake_clock.set(due - H + S)
    worker.run_once()
    assert told(session, "reminder") == [people.ids["police2"]]


def test_escalation_notifies_the_responsible_managers_with_the_missed_due_time(
        session, fake_clock, start, worker, people):
    due = fake_clock.now() + 3 * H
    case_id = start(due)
    fake_clock.set(due)
    worker.run_once()
    assert told(session, "escalation") == []
    fake_clock.set(due + S)
    worker.run_once()
    assert told(session, "escalation") == [people.ids["manager"]]
    note = notes(session, kind="escalation")[0]
    assert (note.subject, note.due_at) == ("Overdue: Work overdue", due)
    assert note.work_item_id == open_items(session, case_id)["escalate"].id
    fake_clock.advance(hours=1)
    worker.run_once()
    assert len(notes(session, kind="escalation")) == 1


def test_no_reminder_for_a_deadline_already_past(session, fake_clock, start, worker, people):
    due = fake_clock.now() + 3 * H
    start(due)
    fake_clock.set(due + H)  # the worker was down through the reminder and the deadline
    done = worker.run_once()
    assert (done.fired, done.reminded) == (1, 0)
    assert told(session, "reminder") == []
    assert told(session, "escalation") == [people.ids["manager"]]


def test_in_app_list_newest_first_and_mark_read(session, fake_clock, start, worker, people):
    due = fake_clock.now() + 3 * H
    start(due)
    fake_clock.set(due - H + S)
    worker.run_once()
    fake_clock.set(due + S)
    worker.run_once()
    start(fake_clock.now() + 3 * H)
    fake_clock.advance(hours=2, seconds=1)
    worker.run_once()
    police = people.ids["police"]
    # each case's new work first, then its reminder: newest first
    everything = outbox.for_user(session, police)
    assert [n.subject for n in everything] == ["Due soon: Do the work", "New work: Do the work"
                                               ] * 2
    run(session, MarkNotificationsRead([n.id for n in everything if n.kind == "new_work"]),
        people.actors["police"])
    mine = [n for n in outbox.for_user(session, police) if n.kind == "reminder"]
    assert mine[0].created_at > mine[1].created_at
    assert outbox.unread_count(session, police) == 2
    assert run(session, MarkNotificationsRead([mine[1].id]), people.actors["police"]) == 1
    assert outbox.unread_count(session, police) == 1
    # nobody marks someone else's notifications read
    assert run(session, MarkNotificationsRead([mine[0].id]), people.actors["police2"]) == 0
    assert run(session, MarkNotificationsRead(everything=True), people.actors["police"]) == 1
    assert outbox.unread_count(session, police) == 0
    assert outbox.for_user(session, people.ids["manager_there"]) == []
